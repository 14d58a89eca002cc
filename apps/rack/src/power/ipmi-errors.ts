import type { ErrorCode } from '@ferrum/domain';

/**
 * What ipmitool's output means, first match wins (MAAS keeps the same kind of table for
 * freeipmi). Samples are real ipmitool 1.8.19 output against OpenIPMI's ipmi_sim.
 */
export const ipmitoolErrors: readonly {
  readonly pattern: RegExp;
  readonly code: ErrorCode;
  readonly reason: string;
}[] = [
  // A wrong password or user: the RAKP exchange fails.
  {
    pattern: /RAKP 2 HMAC is invalid|RAKP 2 message indicates an error|unauthorized name|Invalid user name/i,
    code: 'power_auth_failed',
    reason: 'The BMC refused the user name or password',
  },
  {
    pattern: /password invalid|k_g invalid|invalid authentication key|Authentication type .* not supported/i,
    code: 'power_auth_failed',
    reason: 'The BMC refused the credentials',
  },
  {
    pattern: /Invalid privilege level|Requested privilege level exceeds|insufficient privilege/i,
    code: 'power_settings_invalid',
    reason: 'The privilege level is not allowed for this user',
  },
  {
    pattern: /invalid authentication algorithm|cipher suite|Unsupported cipher/i,
    code: 'power_settings_invalid',
    reason: 'The BMC does not support the cipher suite',
  },
  {
    pattern: /Node busy|BMC busy|Insufficient resources for session|compcode = c0/i,
    code: 'power_bmc_busy',
    reason: 'The BMC is busy',
  },
  // No answer at all: nothing listens there, or the address does not resolve.
  {
    pattern:
      /Get Auth Capabilities error|Error issuing Get Channel Authentication|Unable to establish|Address lookup for .* failed|No response|Connection refused|timeout/i,
    code: 'power_unreachable',
    reason: 'The BMC did not answer',
  },
];

/** The error class and a readable reason for ipmitool's output (power_failed when nothing matches). */
export function classifyIpmitool(output: string): { code: ErrorCode; reason: string } {
  for (const entry of ipmitoolErrors) if (entry.pattern.test(output)) return entry;
  return { code: 'power_failed', reason: 'ipmitool failed' };
}
