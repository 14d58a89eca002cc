import type { Buffer } from 'node:buffer';
import { createSocket } from 'node:dgram';
import { AppError, isIpv4Address } from '@ferrum/domain';
import {
  powerParameterField,
  wakeonlanPowerType,
  type PowerContext,
  type PowerDriver,
  type PowerParameters,
  type PowerState,
} from '@ferrum/protocol';
import { magicPacket, parseMacBytes } from './wakeonlan-packet.js';

/** Tunables of the Wake-on-LAN driver. */
export interface WakeonlanDriverOptions {
  /** Sending one packet (default 5 s: a datagram goes at once or not at all). */
  readonly timeoutMs?: number;
}

/** Where one magic packet goes, checked. */
export interface WakeTarget {
  readonly packet: Buffer;
  readonly address: string;
  readonly port: number;
}

const invalid = (setting: string, why: string): AppError =>
  new AppError('power_settings_invalid', `${setting} ${why}`, {
    fields: { [powerParameterField(setting)]: [why] },
  });

/** The packet and its destination from the parameters, or a settings error naming the field. */
export function wakeTarget(params: PowerParameters): WakeTarget {
  const macText = params['mac_address'] ?? '';
  const mac = parseMacBytes(macText);
  if (!mac)
    throw invalid('mac_address', `'${macText.trim()}' is not a MAC address (e.g. 52:54:00:12:34:56).`);
  // The group bit: a multicast or broadcast address, which no network card has as its own.
  if (((mac[0] ?? 0) & 1) === 1 || mac.every((b) => b === 0))
    throw invalid(
      'mac_address',
      `'${macText.trim()}' is not a network card's address (it is multicast or zero).`,
    );
  const address = (params['broadcast_address'] ?? '').trim() || '255.255.255.255';
  if (!isIpv4Address(address))
    throw invalid(
      'broadcast_address',
      `'${address}' is not an IPv4 address (e.g. 255.255.255.255 or 10.0.0.255).`,
    );
  const portText = (params['port'] ?? '').trim() || '9';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535))
    throw invalid('port', `'${portText}' is not a UDP port (1-65535; Wake-on-LAN uses 9 or 7).`);
  return { packet: magicPacket(mac), address, port };
}

/** Sends one datagram; rejects with the signal's reason when the caller gives up. */
function send(target: WakeTarget, signal: AbortSignal, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const socket = createSocket('udp4');
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (error === undefined) resolve();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as given
      else reject(error);
    };
    const onAbort = () => {
      finish(signal.reason);
    };
    const timer = setTimeout(() => {
      finish(
        new AppError(
          'power_failed',
          `The magic packet to ${target.address}:${String(target.port)} was not sent within ${String(timeoutMs)} ms.`,
        ),
      );
    }, timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (error) => {
      finish(sendError(error, target));
    });
    socket.bind(0, () => {
      // Given up while binding: the socket is closed already.
      if (done) return;
      try {
        // A directed broadcast (10.0.0.255) cannot be told from a unicast address without
        // the netmask, and SO_BROADCAST changes nothing for unicast: set it always.
        socket.setBroadcast(true);
        socket.send(target.packet, target.port, target.address, (error) => {
          finish(error ? sendError(error, target) : undefined);
        });
      } catch (error) {
        finish(sendError(error as Error, target));
      }
    });
  });
}

function sendError(error: Error, target: WakeTarget): AppError {
  const code = (error as { code?: unknown }).code;
  const to = `${target.address}:${String(target.port)}`;
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'EADDRNOTAVAIL')
    return new AppError(
      'power_unreachable',
      `This rack has no route to ${to} for the magic packet (${code}).`,
    );
  return new AppError('power_failed', `The magic packet to ${to} could not be sent: ${error.message}`);
}

/**
 * Wake-on-LAN: `on` sends one magic packet over UDP to `broadcast_address:port`, which the
 * machine's network card answers by powering it up. Nothing can switch a machine off or ask
 * its state this way: `off` is refused as a settings error (retrying cannot help) and `query`
 * answers `unknown`, as for MAAS's non-queryable types.
 */
export function createWakeonlanDriver(options: WakeonlanDriverOptions = {}): PowerDriver {
  const timeoutMs = options.timeoutMs ?? 5000;
  return {
    ...wakeonlanPowerType,
    on: async (params, ctx: PowerContext) => {
      ctx.signal.throwIfAborted();
      await send(wakeTarget(params), ctx.signal, timeoutMs);
    },
    off: (_params, ctx) =>
      new Promise<void>(() => {
        ctx.signal.throwIfAborted();
        throw new AppError(
          'power_settings_invalid',
          'Wake-on-LAN can only switch a machine on: switch it off by hand (or from its OS), or give it a power type that can switch it off.',
        );
      }),
    query: (_params, ctx) =>
      new Promise<PowerState>((resolve) => {
        ctx.signal.throwIfAborted();
        resolve('unknown');
      }),
  };
}

/** The Wake-on-LAN driver with its defaults, as the rack registers it. */
export const wakeonlanDriver: PowerDriver = createWakeonlanDriver();
