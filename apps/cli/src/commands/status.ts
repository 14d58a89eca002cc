import type { HealthInfo } from '@ferrum/region';
import { output } from '../output.js';
import type { CliContext } from '../context.js';

function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}

/** `ferrum status`: asks the running region for its health; exit 0 when healthy. */
export async function statusCommand(
  ctx: CliContext,
  options: { json: boolean; url?: string | undefined },
): Promise<number> {
  const host =
    ctx.config.bindAddress === '0.0.0.0' || ctx.config.bindAddress === '::'
      ? '127.0.0.1'
      : ctx.config.bindAddress;
  const base = options.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${ctx.config.httpPort}`;
  let health: HealthInfo | undefined;
  let problem: string | undefined;
  try {
    const response = await fetch(new URL('/api/v1/health', base), { signal: AbortSignal.timeout(5000) });
    health = (await response.json()) as HealthInfo;
  } catch (error) {
    problem = `region not reachable at ${base}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`;
  }
  if (options.json) {
    output.json(health ?? { status: 'down', error: problem });
  } else if (health) {
    output.line(`region:    ${health.status} (Ferrum ${health.version})`);
    output.line(`url:       ${health.url}`);
    output.line(`uptime:    ${formatDuration(health.uptimeSeconds)}`);
    output.line(
      `database:  ${health.database.reachable ? 'reachable' : `UNREACHABLE (${health.database.error ?? 'unknown error'})`}`,
    );
    output.line(`schema:    ${health.database.schemaVersion ?? 'none'}`);
  } else {
    output.line(`region:    down`);
    output.line(`           ${problem ?? ''}`);
  }
  return health?.status === 'ok' ? 0 : 1;
}
