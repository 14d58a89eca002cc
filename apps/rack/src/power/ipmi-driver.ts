import { AppError } from '@ferrum/domain';
import { runCommand, type CommandResult, type RunCommandOptions } from '@ferrum/kit';
import { ipmiPowerType, type PowerContext, type PowerDriver, type PowerParameters } from '@ferrum/protocol';
import { classifyIpmitool } from './ipmi-errors.js';

/** How one ipmitool run is made (a test passes its own to see the argv). */
export type IpmitoolRunner = (
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
) => Promise<CommandResult>;

// ipmitool -L takes these words (MAAS's ADMIN is ipmitool's ADMINISTRATOR).
const privilege: Record<string, string> = { USER: 'USER', OPERATOR: 'OPERATOR', ADMIN: 'ADMINISTRATOR' };

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
export function ipmiAddress(value: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { host: bracketed[1] ?? '', ...(bracketed[2] ? { port: bracketed[2] } : {}) };
  const withPort = /^([^:]+):(\d+)$/.exec(value);
  if (withPort) return { host: withPort[1] ?? '', port: withPort[2] ?? '' };
  return { host: value };
}

/**
 * The argv of one ipmitool call: no secret in it. The password goes in IPMI_PASSWORD (`-E`),
 * the K_g key in IPMI_KGKEY (`-K`). One retry and a 3 s wait per try, so a dead BMC fails
 * within seconds rather than ipmitool's minute.
 */
export function ipmitoolArgs(params: PowerParameters, command: readonly string[]): string[] {
  const address = params['power_address'] ?? '';
  if (!/^[A-Za-z0-9.:[\]_-]+$/.test(address))
    throw new AppError(
      'power_settings_invalid',
      `'${address}' is not an IPMI address (host, host:port or [v6]:port).`,
    );
  const { host, port } = ipmiAddress(address);
  // -v: ipmitool then says why a session failed (RAKP answers), which tells auth from no answer.
  const args = ['-v', '-I', params['power_driver'] === 'LAN' ? 'lan' : 'lanplus', '-H', host];
  if (port) args.push('-p', port);
  if (params['power_user']) args.push('-U', params['power_user']);
  args.push('-E');
  if (params['k_g']) args.push('-K');
  if (params['power_driver'] !== 'LAN' && params['cipher_suite_id'])
    args.push('-C', params['cipher_suite_id']);
  args.push('-L', privilege[params['privilege_level'] ?? 'OPERATOR'] ?? 'OPERATOR', '-R', '1', '-N', '3');
  return [...args, ...command];
}

/** MAAS's `ipmi` power type, through ipmitool (lanplus for IPMI 2.0). */
export function createIpmiDriver(run: IpmitoolRunner = runCommand): PowerDriver {
  const ipmitool = async (params: PowerParameters, ctx: PowerContext, command: readonly string[]) => {
    const args = ipmitoolArgs(params, command);
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      IPMI_PASSWORD: params['power_pass'] ?? '',
      ...(params['k_g'] ? { IPMI_KGKEY: params['k_g'] } : {}),
    };
    let result: CommandResult;
    try {
      result = await run('ipmitool', args, { timeoutMs: 20_000, env, signal: ctx.signal });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      if ((error as { code?: unknown }).code === 'ENOENT')
        throw new AppError(
          'power_tool_missing',
          'ipmitool is not installed on this rack (Debian package ipmitool).',
        );
      throw error;
    }
    if (result.timedOut)
      throw new AppError(
        'power_unreachable',
        `The BMC at ${params['power_address'] ?? ''} did not answer within 20 s.`,
      );
    if (result.exitCode !== 0) {
      const output = `${result.stderr}\n${result.stdout}`.trim();
      const { code, reason } = classifyIpmitool(output);
      const said = output.split('\n').filter(Boolean).slice(-2).join(' / ');
      throw new AppError(code, `${reason} (BMC ${params['power_address'] ?? ''}): ${said}`);
    }
    return result.stdout;
  };
  return {
    ...ipmiPowerType,
    on: async (params, ctx) => {
      await ipmitool(params, ctx, ['chassis', 'power', 'on']);
    },
    off: async (params, ctx) => {
      const soft = (ctx.stopMode ?? params['power_off_mode']) === 'soft';
      await ipmitool(params, ctx, ['chassis', 'power', soft ? 'soft' : 'off']);
    },
    cycle: async (params, ctx) => {
      await ipmitool(params, ctx, ['chassis', 'power', 'cycle']);
    },
    query: async (params, ctx) => {
      const out = await ipmitool(params, ctx, ['chassis', 'power', 'status']);
      const state = /Chassis Power is (on|off)/i.exec(out)?.[1]?.toLowerCase();
      if (state === 'on' || state === 'off') return state;
      throw new AppError('power_failed', `ipmitool answered an unknown power status: ${out.trim()}`);
    },
    setNextBootPxe: async (params, ctx) => {
      // One boot only (ipmitool's default); EFI when the machine boots EFI.
      const efi = params['power_boot_type'] === 'efi';
      await ipmitool(params, ctx, ['chassis', 'bootdev', 'pxe', ...(efi ? ['options=efiboot'] : [])]);
    },
  };
}

export const ipmiDriver: PowerDriver = createIpmiDriver();
