import type { ErrorCode } from '@ferrum/domain';

/**
 * What virsh's error output means, first match wins (MAAS keeps such a table for freeipmi).
 * Samples are virsh 9.0 (Debian 12) against a private libvirtd, qemu+tcp/ssh to dead ports and
 * unresolvable hosts; the ssh ones come wrapped as "Cannot recv data: ssh: …: Connection reset
 * by peer", so the credential rows come before the connection rows.
 */
export const virshErrors: readonly {
  readonly pattern: RegExp;
  readonly code: ErrorCode;
  readonly reason: string;
  /** The power parameter at fault, when it is one. */
  readonly field?: 'power_address' | 'power_id';
}[] = [
  // SASL refused the user or password ("authentication failed: authentication failed"), or no
  // user name was given to answer with.
  {
    pattern: /authentication failed|All-whitespace username/i,
    code: 'power_auth_failed',
    reason: 'libvirt refused the credentials',
  },
  // ssh: a wrong password or no key the host accepts.
  {
    pattern: /Permission denied \(|Permission denied, please try again|Too many authentication failures/i,
    code: 'power_auth_failed',
    reason: 'The host refused the ssh login',
  },
  {
    pattern: /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i,
    code: 'power_auth_failed',
    reason: "The host's ssh key does not match the one this rack knows",
  },
  // polkit or the socket's permissions: this rack's user may not manage the hypervisor.
  {
    pattern:
      /authentication unavailable|access denied|not authorized|Failed to connect socket to '[^']*': Permission denied/i,
    code: 'power_auth_failed',
    reason: 'libvirt does not let this user manage domains',
  },
  // dumpxml/start/… of a name or UUID the hypervisor does not have (qemu: "Domain not found:
  // no domain with matching name 'x'"; the test driver says only "failed to get domain 'x'").
  {
    pattern: /Domain not found|no domain with matching|failed to get domain/i,
    code: 'power_settings_invalid',
    reason: 'The hypervisor has no such domain',
    field: 'power_id',
  },
  // libvirtd holds the domain's job lock (another start or migration is running).
  {
    pattern: /cannot acquire state change lock|Timed out during operation/i,
    code: 'power_bmc_busy',
    reason: 'The hypervisor is busy with this domain',
  },
  // qemu+tls:// (or a bare host) on a rack without libvirt's client certificates.
  {
    pattern: /Cannot read CA certificate|Cannot read (client )?certificate|Cannot read private key/i,
    code: 'power_settings_invalid',
    reason: 'This rack has no TLS certificates for libvirt (use a qemu+ssh:// address)',
  },
  {
    pattern:
      /Connection refused|No route to host|Network is unreachable|Connection timed out|timed out|Name or service not known|Could not resolve hostname|Temporary failure in name resolution|Unable to resolve address|Failed to connect socket|Connection reset by peer|Cannot recv data|End of file while reading data|unable to connect to server/i,
    code: 'power_unreachable',
    reason: 'The libvirt daemon did not answer',
  },
  {
    pattern: /Unable to parse URI|no connection driver available|invalid argument|unsupported configuration/i,
    code: 'power_settings_invalid',
    reason: 'libvirt does not accept the address',
    field: 'power_address',
  },
  // Any other failure to open the connection.
  {
    pattern: /failed to connect to the hypervisor/i,
    code: 'power_unreachable',
    reason: 'The libvirt daemon did not answer',
  },
];

/** The error class and a readable reason for virsh's output (power_failed when nothing matches). */
export function classifyVirsh(output: string): Omit<(typeof virshErrors)[number], 'pattern'> {
  for (const entry of virshErrors) if (entry.pattern.test(output)) return entry;
  return { code: 'power_failed', reason: 'virsh failed' };
}

/**
 * virsh's answer to destroy or shutdown of a domain that is not running — already off, which
 * is what was asked (qemu and the test driver: "domain is not running"; the test driver's
 * shutdown: "domain 'x' not running").
 */
export const alreadyOff = /domain is not running|domain '[^']*' (is )?not running/i;
