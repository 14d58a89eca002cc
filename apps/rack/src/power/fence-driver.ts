import { delimiter } from 'node:path';
import { AppError } from '@ferrum/domain';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';
import {
  fencePowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';
import { classifyFenceOutput } from './fence-errors.js';
import { fenceAgentProgram, fenceInput, type FenceAction } from './fence-options.js';
import { toolOnPath } from './tool-on-path.js';

/** How one agent run is made (a test passes its own to see the input). */
export type FenceRunner = (
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
) => Promise<CommandResult>;

/** Tunables of the fence driver; the defaults suit real devices, tests shorten them. */
export interface FenceDriverOptions {
  readonly run?: FenceRunner;
  /**
   * Where `fence_<agent>` is looked for and run from (default: the rack's PATH, plus /usr/sbin
   * and /sbin, where Debian installs the agents and which a service user's PATH may lack).
   */
  readonly searchPath?: string;
  /**
   * One agent run (default 50 s, inside the runner's 60 s call limit). The agents have their
   * own limits too (`power_timeout`, 20 s by default, `login_timeout`…), settable in fence_options.
   */
  readonly timeoutMs?: number;
}

/** The Debian package that holds the fence agents (every `fence_*` program). */
export const FENCE_AGENTS_PACKAGE = 'fence-agents';

// fence_ipmilan and its aliases: at verbose they log ipmitool's command with `-P [set]` and
// add ipmitool's own reason (`RAKP 2 HMAC is invalid`), which tells a wrong password from a
// dead BMC. Other agents log every line they send at verbose, the password included, to
// stderr and syslog: they run without it.
const VERBOSE_SAFE = new Set([
  'fence_ipmilan',
  'fence_ipmilanplus',
  'fence_ilo3',
  'fence_ilo4',
  'fence_ilo5',
  'fence_imm',
  'fence_idrac',
]);

const defaultSearchPath = (): string => {
  const dirs = (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter);
  for (const sbin of ['/usr/sbin', '/sbin']) if (!dirs.includes(sbin)) dirs.push(sbin);
  return dirs.join(delimiter);
};

/** `text` with every secret value (and the shell-quoted form Python agents log) blanked out. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of [secret, `'${secret.replace(/'/g, `'"'"'`)}'`]) out = out.split(form).join('[secret]');
  }
  return out;
}

// fencing.py's log lines: `2026-12-03 09:06:03,137 ERROR: Failed: …`.
const LOG_PREFIX = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+): /;

/** The few lines of an agent's output worth showing: the deciding one and its ERROR lines. */
function summary(output: string, decisive: string | undefined): string {
  const errors = output
    .split('\n')
    .filter((l) => LOG_PREFIX.exec(l)?.[1] === 'ERROR')
    .map((l) => l.replace(LOG_PREFIX, '').trim());
  // ipmitool marks some of its verbose lines with `> `.
  const lines = [decisive?.replace(LOG_PREFIX, '').replace(/^>\s*/, '').trim(), ...errors].filter(
    (l): l is string => l !== undefined && l !== '',
  );
  const unique = [...new Set(lines.map((l) => l.replace(/\.$/, '')))];
  const said = (unique.length > 3 ? [unique[0], ...unique.slice(-2)] : unique).join(' / ');
  return said.length > 400 ? `${said.slice(0, 400)}…` : said;
}

/**
 * Ferrum's `fence` power type: any installed fence agent (`fence_<agent>` from fence-agents,
 * as Pacemaker runs them), with its options on stdin — `action`, `ip`, `username`,
 * `password`, `plug` and the `fence_options` lines — so that no secret is on a command line
 * of ours. Status is the agent's exit code (0 on, 2 off); a failure is classified from what
 * the agent says, with every secret value blanked out of the message.
 */
export function createFenceDriver(options: FenceDriverOptions = {}): PowerDriver {
  const run = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? 50_000;

  async function agent(
    params: PowerParameters,
    ctx: PowerContext,
    action: FenceAction,
  ): Promise<CommandResult> {
    ctx.signal.throwIfAborted();
    const program = fenceAgentProgram(params['fence_agent'] ?? '');
    const input = fenceInput(params, action, VERBOSE_SAFE.has(program));
    const searchPath = options.searchPath ?? defaultSearchPath();
    const address = params['power_address'] ?? '';
    const missing = () =>
      new AppError(
        'power_tool_missing',
        `${program} is not installed on this rack (Debian package ${FENCE_AGENTS_PACKAGE}), or there is no such fence agent.`,
        { tool: program, package: FENCE_AGENTS_PACKAGE },
      );
    if (!(await toolOnPath(program, searchPath))) throw missing();
    ctx.signal.throwIfAborted();
    const env = {
      PATH: searchPath,
      LANG: 'C',
      LC_ALL: 'C',
      // fence-agents 4.12 on Python 3.11+ warns that `pipes` is deprecated on every run.
      PYTHONWARNINGS: 'ignore',
      ...(process.env['HOME'] ? { HOME: process.env['HOME'] } : {}),
    };
    let result: CommandResult;
    try {
      result = await run(program, [], { timeoutMs, env, signal: ctx.signal, input });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if ((error as { code?: unknown }).code === 'ENOENT') throw missing();
      throw error;
    }
    if (result.timedOut)
      throw new AppError(
        'power_unreachable',
        `${program} did not finish within ${String(timeoutMs / 1000)} s (fence device ${address}).`,
      );
    const secrets = [params['power_pass'] ?? ''];
    const output = redactSecrets(`${result.stderr}\n${result.stdout}`, secrets);
    const ok = result.exitCode === 0 || (action === 'status' && result.exitCode === 2);
    // `reboot` reports success even when the machine did not come back on: it only logs it.
    const cameBack = !(action === 'reboot' && /Timed out waiting to power ON/i.test(output));
    if (ok && cameBack) return result;
    const { code, reason, line } = classifyFenceOutput(output);
    const said = summary(output, line);
    throw new AppError(code, `${reason} (${program}, fence device ${address})${said ? `: ${said}` : ''}.`);
  }

  return {
    ...fencePowerType,
    on: async (params, ctx) => {
      await agent(params, ctx, 'on');
    },
    off: async (params, ctx) => {
      await agent(params, ctx, 'off');
    },
    // The agent's reboot: off (waiting until it is off), then on.
    cycle: async (params, ctx) => {
      await agent(params, ctx, 'reboot');
    },
    query: async (params, ctx): Promise<PowerState> => {
      const { exitCode } = await agent(params, ctx, 'status');
      return exitCode === 0 ? 'on' : 'off';
    },
  };
}

/** The fence driver with its defaults, as the rack registers it. */
export const fenceDriver: PowerDriver = createFenceDriver();
