import { AppError } from '@ferrum/domain';
import { createLogger } from '@ferrum/kit';
import { MachineSimulator, simHardware } from '@ferrum/sim';
import { output } from '../output.js';
import { untilStopSignal } from './stop-signal.js';

export interface SimOptions {
  readonly machines?: string | undefined;
  readonly url?: string | undefined;
  readonly key?: string | undefined;
  readonly 'bmc-host'?: string | undefined;
  readonly 'bmc-port'?: string | undefined;
  readonly speed?: string | undefined;
  readonly seed?: string | undefined;
  readonly prefix?: string | undefined;
  /** Scripts (comma list) that fail on the simulated machines, e.g. to try Failed commissioning. */
  readonly 'fail-scripts'?: string | undefined;
  /** On how many machines (the first ones) those scripts fail; default all. */
  readonly 'fail-machines'?: string | undefined;
}

/** Pause between a simulated machine's steps, by `--speed`. */
const stepMsBySpeed: Readonly<Record<string, number>> = { fast: 0, normal: 500, slow: 3000 };

function whole(name: string, raw: string | undefined, fallback: number, max: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw AppError.invalid({
      [name]: `must be a whole number from 0 to ${String(max)}, got ${JSON.stringify(raw)}`,
    });
  return value;
}

/**
 * `ferrum sim --machines N --url URL --key KEY`: N simulated machines against a region, until
 * SIGINT/SIGTERM. Each is created through the API with a `sim` BMC served by this process and
 * commissions by itself; later deploys, tests and releases are played as they come. A test and
 * benchmark tool, and a way to try Ferrum without hardware.
 */
export async function simCommand(env: NodeJS.ProcessEnv, options: SimOptions): Promise<number> {
  const url = options.url ?? env['FERRUM_URL'];
  const key = options.key ?? env['FERRUM_API_KEY'];
  const problems: Record<string, string> = {};
  if (!url) problems['url'] = 'give the region URL, e.g. --url http://127.0.0.1:5240/MAAS/ (or FERRUM_URL)';
  if (!key)
    problems['key'] = 'give an administrator API key (ferrum apikey --username admin), or FERRUM_API_KEY';
  const speed = options.speed ?? 'fast';
  if (!(speed in stepMsBySpeed))
    problems['speed'] = `must be fast, normal or slow, got ${JSON.stringify(speed)}`;
  if (Object.keys(problems).length > 0 || !url || !key) throw AppError.invalid(problems);
  const machines = whole('machines', options.machines, 10, 100_000);
  const seed = whole('seed', options.seed, 1, 2 ** 31);
  const prefix = options.prefix ?? 'sim';
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(prefix))
    throw AppError.invalid({
      prefix: `must be a hostname start (a-z, 0-9, -), got ${JSON.stringify(prefix)}`,
    });
  const failing = new Set(
    (options['fail-scripts'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  );
  const failMachines = whole('fail-machines', options['fail-machines'], machines, 100_000);
  if (options['fail-machines'] !== undefined && failing.size === 0)
    throw AppError.invalid({ 'fail-machines': 'needs --fail-scripts: which scripts are to fail' });
  const bmcPort =
    options['bmc-port'] === undefined ? undefined : whole('bmc-port', options['bmc-port'], 0, 65_535);
  const logger = createLogger({
    level: env['FERRUM_LOG_LEVEL'] ?? 'info',
    pretty: process.stderr.isTTY,
    name: 'ferrum-sim',
    fd: 2,
  });
  return untilStopSignal(logger, async (stopping) => {
    output.line(`Creating ${String(machines)} simulated machines against ${url}…`);
    const simulator = await MachineSimulator.start({
      url,
      apiKey: key,
      machines,
      hardware: (index) => simHardware(index, seed, prefix),
      hostnamePrefix: prefix,
      ...(options['bmc-host'] ? { bmcHost: options['bmc-host'] } : {}),
      ...(bmcPort === undefined ? {} : { bmcPort }),
      stepMs: stepMsBySpeed[speed] ?? 0,
      ...(failing.size > 0 ? { failing, failOn: (index: number) => index < failMachines } : {}),
      log: (line) => {
        logger.warn(line);
      },
    });
    if (!stopping())
      output.line(
        `${String(machines)} machines created` +
          (simulator.snapshot().adopted > 0
            ? ` (${String(simulator.snapshot().adopted)} of them known to the region from an earlier run)`
            : '') +
          `; their BMCs answer at ${simulator.bmcUrl}. Ctrl-C stops the simulator.`,
      );
    let last = '';
    const progress = setInterval(() => {
      const c = simulator.snapshot();
      const text = `boots ${String(c.boots)}, commissioned ${String(c.commissioned)}, tested ${String(c.tested)}, deployed ${String(c.deployed)}, failed ${String(c.failed)}`;
      if (text !== last) output.line(text);
      last = text;
    }, 5000);
    progress.unref();
    return async () => {
      clearInterval(progress);
      await simulator.stop();
    };
  });
}
