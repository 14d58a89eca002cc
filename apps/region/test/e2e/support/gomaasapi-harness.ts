import { join } from 'node:path';
import {
  clientsDir,
  gomaasapiPackages,
  parseJsonLine,
  requireDebianPackages,
  runTool,
  type ToolRun,
} from './real-tools.js';

/**
 * Builds tools/clients/gomaasapi into `dir` (fails, never skips, naming the apt-get line when a
 * Debian package is missing) and returns the binary's path. ~1 s with a warm Go build cache.
 */
export async function buildGomaasapiHarness(dir: string): Promise<string> {
  await requireDebianPackages('The gomaasapi harness (tools/clients/gomaasapi/build.sh)', gomaasapiPackages);
  const out = join(dir, 'gomaasapi-client');
  const build = await runTool(join(clientsDir, 'gomaasapi', 'build.sh'), [out], { timeoutMs: 280_000 });
  if (build.code !== 0)
    throw new Error(
      `tools/clients/gomaasapi/build.sh failed (exit ${String(build.code)}):\n${build.stderr}${build.stdout}`,
    );
  return out;
}

/** Runs the harness against `url` with `env` (MODE, MAAS_API_KEY, …) and parses its JSON line. */
export async function runGomaasapiHarness(
  binary: string,
  url: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ run: ToolRun; result: Record<string, unknown> }> {
  const run = await runTool(binary, [], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', MAAS_URL: url, TIMEOUT_SECONDS: '20', ...env },
    timeoutMs,
  });
  return { run, result: parseJsonLine(run, 'gomaasapi-client') };
}
