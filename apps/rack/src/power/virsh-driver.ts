import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '@ferrum/domain';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';
import {
  powerParameterField,
  virshPowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
} from '@ferrum/protocol';
import { parseVirshAddress, type VirshAddress } from './virsh-address.js';
import { networkFirstBootOrder } from './virsh-boot-order.js';
import { writeVirshCredentials } from './virsh-credentials.js';
import { parseDomainState, powerStateOf, type DomainState } from './virsh-domain-state.js';
import { alreadyOff, classifyVirsh } from './virsh-errors.js';

/** How one virsh run is made (a test passes its own to see the argv and the environment). */
export type VirshRunner = (
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
) => Promise<CommandResult>;

export interface VirshDriverOptions {
  readonly run?: VirshRunner;
  /** Per virsh run (a dead ssh host takes ssh's own connect timeout). Default 30 s, as MAAS. */
  readonly timeoutMs?: number;
  /** Where PATH, HOME, SSH_AUTH_SOCK, XDG_RUNTIME_DIR come from. Default: this process's. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
}

interface Target {
  readonly address: VirshAddress;
  readonly domain: string;
  readonly password: string;
}

function target(params: PowerParameters): Target {
  const address = parseVirshAddress(params['power_address'] ?? '');
  const domain = params['power_id'] ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (domain.trim() === '' || /[\u0000-\u001f\u007f]/.test(domain))
    throw new AppError(
      'power_settings_invalid',
      `power_id ${JSON.stringify(domain)} is not a domain name or UUID.`,
      {
        fields: { [powerParameterField('power_id')]: ['Give the libvirt domain name or UUID.'] },
      },
    );
  const password = params['power_pass'] ?? '';
  // eslint-disable-next-line no-control-regex -- a line break would end the answer early
  if (/[\r\n\u0000]/.test(password))
    throw new AppError('power_settings_invalid', 'power_pass contains a line break.', {
      fields: { [powerParameterField('power_pass')]: ['A password cannot contain a line break.'] },
    });
  return { address, domain, password };
}

/** MAAS's `virsh` power type: libvirt domains through `virsh --connect <power_address>`. */
export function createVirshDriver(options: VirshDriverOptions = {}): PowerDriver {
  const run = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const environment = options.environment ?? process.env;

  /**
   * Runs one virsh command and answers its output. `{xml}` in the command stands for a private
   * file holding `xml`; a failure whose output matches `accept` counts as done.
   */
  const virsh = async (
    params: PowerParameters,
    ctx: PowerContext,
    command: readonly string[],
    more: { readonly xml?: string; readonly accept?: RegExp } = {},
  ): Promise<string> => {
    const { xml, accept } = more;
    ctx.signal.throwIfAborted();
    const { address, domain, password } = target(params);
    const ssh = address.transport === 'ssh';
    const dir =
      ssh || password !== '' || xml !== undefined ? await mkdtemp(join(tmpdir(), 'ferrum-virsh-')) : '';
    let result: CommandResult;
    try {
      const env: Record<string, string> = {
        PATH: environment['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        LC_ALL: 'C',
      };
      // HOME, XDG_CONFIG_HOME: libvirt's client config; SSH_AUTH_SOCK: ssh's agent (ssh finds
      // its keys and known_hosts by the passwd entry); XDG_RUNTIME_DIR: qemu:///session's socket.
      for (const name of ['HOME', 'USER', 'LOGNAME', 'SSH_AUTH_SOCK', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME']) {
        const value = environment[name];
        if (value !== undefined) env[name] = value;
      }
      if (dir !== '') Object.assign(env, await writeVirshCredentials(dir, address, password));
      let args = [...command];
      if (xml !== undefined) {
        const file = join(dir, 'domain.xml');
        // It may hold the domain's VNC/SPICE passwords (dumpxml --security-info).
        await writeFile(file, xml, { mode: 0o600, flag: 'wx' });
        args = args.map((a) => (a === '{xml}' ? file : a));
      }
      const argv = ['--quiet', '--connect', address.uri, ...args];
      // A new session has no terminal, so ssh asks SSH_ASKPASS instead of a terminal someone
      // may have started the rack from. (setsid execs virsh itself: signals reach virsh.)
      result = ssh
        ? await run('setsid', ['--wait', 'virsh', ...argv], { timeoutMs, env, signal: ctx.signal })
        : await run('virsh', argv, { timeoutMs, env, signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if ((error as { code?: unknown }).code === 'ENOENT')
        throw new AppError(
          'power_tool_missing',
          ssh
            ? 'virsh or setsid is not installed on this rack (Debian packages libvirt-clients, util-linux).'
            : 'virsh is not installed on this rack (Debian package libvirt-clients).',
        );
      throw error;
    } finally {
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    }
    if (result.timedOut)
      throw new AppError(
        'power_unreachable',
        `libvirt at ${address.uri} did not answer within ${String(Math.round(timeoutMs / 1000))} s.`,
      );
    if (result.exitCode === 0) return result.stdout;
    const output = `${result.stderr}\n${result.stdout}`.trim();
    if (accept?.test(output)) return '';
    const said = output
      .split('\n')
      .map((line) => line.replace(/^error:\s*/, '').trim())
      .filter(Boolean)
      .slice(-3)
      .join(' / ')
      .slice(0, 600);
    const { code, reason, field } = classifyVirsh(output);
    if (field === 'power_id')
      throw new AppError(
        code,
        `libvirt at ${address.uri} has no domain ${JSON.stringify(domain)} (power_id): ${said}`,
        {
          fields: {
            [powerParameterField(field)]: [`No domain ${JSON.stringify(domain)} on ${address.uri}.`],
          },
        },
      );
    throw new AppError(code, `${reason} (${address.uri}, domain ${JSON.stringify(domain)}): ${said}`, {
      virsh: command[0] ?? '',
      ...(field ? { fields: { [powerParameterField(field)]: [`${reason}: ${said}`] } } : {}),
    });
  };

  const domainArgs = (params: PowerParameters) => ['--domain', params['power_id'] ?? ''];

  const domainState = async (params: PowerParameters, ctx: PowerContext): Promise<DomainState> => {
    const out = await virsh(params, ctx, ['domstate', ...domainArgs(params)]);
    const state = parseDomainState(out);
    if (state === undefined)
      throw new AppError(
        'power_failed',
        `virsh domstate answered an unknown state: ${out.trim().slice(0, 200)}`,
      );
    return state;
  };

  /** destroy (or shutdown), where a domain that is not running is already what was asked. */
  const stop = async (params: PowerParameters, ctx: PowerContext, how: 'destroy' | 'shutdown') => {
    await virsh(params, ctx, [how, ...domainArgs(params)], { accept: alreadyOff });
  };

  const start = async (params: PowerParameters, ctx: PowerContext) => {
    const state = await domainState(params, ctx);
    switch (state) {
      case 'running':
      case 'idle':
      case 'in shutdown':
        return;
      case 'paused':
        await virsh(params, ctx, ['resume', ...domainArgs(params)]);
        return;
      case 'pmsuspended':
        await virsh(params, ctx, ['dompmwakeup', ...domainArgs(params)]);
        return;
      case 'crashed':
        // A crashed domain kept for inspection (on_crash=preserve) is still active.
        await stop(params, ctx, 'destroy');
        await virsh(params, ctx, ['start', ...domainArgs(params)]);
        return;
      case 'shut off':
      case 'no state':
        await virsh(params, ctx, ['start', ...domainArgs(params)]);
        return;
    }
  };

  return {
    ...virshPowerType,
    on: start,
    // MAAS destroys (cuts the power); a soft stop asks the guest to shut down (ACPI).
    off: (params, ctx) => stop(params, ctx, ctx.stopMode === 'soft' ? 'shutdown' : 'destroy'),
    // Off then on, not `virsh reset`: a reset keeps the running definition, so a boot order
    // just set by setNextBootPxe (a new persistent definition) would not apply.
    cycle: async (params, ctx) => {
      await stop(params, ctx, 'destroy');
      await virsh(params, ctx, ['start', ...domainArgs(params)]);
    },
    query: async (params, ctx) => powerStateOf(await domainState(params, ctx)),
    // As MAAS: the persistent definition boots from the network first, then the disk — for
    // every boot, not once: a deployed machine's PXE boot is told to boot from its disk.
    setNextBootPxe: async (params, ctx) => {
      // --inactive: the persistent definition, not the running one; --security-info: keep the
      // graphics passwords, which `define` would otherwise drop.
      const current = await virsh(params, ctx, [
        'dumpxml',
        ...domainArgs(params),
        '--inactive',
        '--security-info',
      ]);
      const edit = networkFirstBootOrder(current);
      switch (edit.kind) {
        case 'unchanged':
          return;
        case 'impossible':
          throw new AppError(
            'power_settings_invalid',
            `Cannot boot domain ${JSON.stringify(params['power_id'] ?? '')} from the network: ${edit.why}.`,
          );
        case 'changed':
          await virsh(params, ctx, ['define', '--file', '{xml}'], { xml: edit.xml });
          return;
      }
    },
  };
}

export const virshDriver: PowerDriver = createVirshDriver();
