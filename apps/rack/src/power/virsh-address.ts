import { AppError, redactUrlCredentials } from '@ferrum/domain';
import { powerParameterField } from '@ferrum/protocol';

/** A libvirt connection URI from `power_address`, checked as safe to hand to `virsh --connect`. */
export interface VirshAddress {
  /** The URI exactly as given (libvirt parses it again). */
  readonly uri: string;
  /** The hypervisor driver: `qemu`, `xen`, `test`, … */
  readonly driver: string;
  /**
   * How the client reaches the daemon: `local` for a URI without host or transport
   * (`qemu:///system`); a host without a transport means tls, as in libvirt.
   */
  readonly transport: 'local' | 'unix' | 'ssh' | 'libssh' | 'libssh2' | 'tcp' | 'tls';
  /** The login name before `@`, if any (the ssh user, or the SASL user name). */
  readonly user?: string;
  /** The host, empty for a local daemon. */
  readonly host: string;
}

const transports = new Set(['unix', 'ssh', 'libssh', 'libssh2', 'tcp', 'tls']);

// URI parameters that only choose among libvirt's own behaviours. Everything else is refused,
// as MAAS refuses every parameter: `command=` and `netcat=` name programs libvirt runs (on the
// rack or the remote host), `keyfile=`, `pkipath=` and `known_hosts=` point it at the rack's
// own files.
const allowedParameters: Readonly<Record<string, RegExp>> = {
  socket: /^\/[A-Za-z0-9._/+-]*$/,
  mode: /^(auto|legacy|direct)$/,
  proxy: /^(auto|netcat|native)$/,
  no_verify: /^[01]$/,
  no_tty: /^[01]$/,
  name: /^[A-Za-z0-9+.:/_-]*$/,
};

// driver[+transport]://[user@][host[:port]]/path[?query]
const shape = /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Reads `power_address` as a libvirt URI, or throws power_settings_invalid naming what is wrong. */
export function parseVirshAddress(address: string): VirshAddress {
  const invalid = (why: string): AppError =>
    new AppError(
      'power_settings_invalid',
      `power_address ${JSON.stringify(redactUrlCredentials(address))} ${why}`,
      {
        fields: { [powerParameterField('power_address')]: [why] },
      },
    );
  if (address.trim() === '')
    throw invalid('is empty: give a libvirt URI such as qemu+ssh://user@host/system.');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(address)) throw invalid('contains white space or control characters.');
  const match = shape.exec(address);
  if (!match)
    throw invalid(
      'is not a libvirt URI (driver[+transport]://[user@]host/path, e.g. qemu+ssh://user@host/system).',
    );
  const [, driver = '', transport, userinfo, hostport = '', , query] = match;
  if (transport !== undefined && !transports.has(transport))
    throw invalid(
      transport === 'ext'
        ? 'uses the ext transport, which runs a program on the rack: use ssh, tcp, tls or unix.'
        : `uses an unknown transport '${transport}' (ssh, libssh, libssh2, tcp, tls or unix).`,
    );
  if (userinfo?.includes(':')) throw invalid('holds a password: put it in power_pass, never in the address.');
  const user = userinfo === undefined ? undefined : decode(userinfo);
  if (user === undefined && userinfo !== undefined) throw invalid('has a malformed user name.');
  if (user !== undefined && !/^[A-Za-z0-9._@+-]+$/.test(user)) throw invalid('has a malformed user name.');
  for (const pair of (query ?? '').split(/[&;]/)) {
    if (pair === '') continue;
    const [rawName = '', ...rest] = pair.split('=');
    const name = decode(rawName);
    const value = decode(rest.join('='));
    const allowed = name === undefined ? undefined : allowedParameters[name];
    if (name === undefined || !Object.hasOwn(allowedParameters, name) || !allowed)
      throw invalid(
        `has the parameter '${rawName}', which the rack does not pass on (allowed: ${Object.keys(allowedParameters).join(', ')}).`,
      );
    if (value === undefined || !allowed.test(value))
      throw invalid(`has a malformed value for the parameter '${name}'.`);
  }
  const host = hostport.replace(/:\d+$/, '');
  return {
    uri: address,
    driver,
    transport: (transport ?? (host === '' ? 'local' : 'tls')) as VirshAddress['transport'],
    ...(user !== undefined ? { user } : {}),
    host,
  };
}
