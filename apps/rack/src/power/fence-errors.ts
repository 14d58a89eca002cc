import type { ErrorCode } from '@ferrum/domain';

/**
 * What a failed fence agent's output means, first match wins. The agents' library
 * (fencing.py) exits 1 for every failure and says why on stderr (`ERROR: Connection timed
 * out`, `ERROR: Unable to connect/login to fencing device`…); the ipmilan family at
 * verbose_level 2 adds ipmitool's own words. Samples are real fence-agents 4.12 output,
 * fence_ipmilan against OpenIPMI's ipmi_sim.
 */
export const fenceErrors: readonly {
  readonly pattern: RegExp;
  readonly code: ErrorCode;
  readonly reason: string;
}[] = [
  {
    pattern: /Ipmitool not found or not accessible/i,
    code: 'power_tool_missing',
    reason: 'The fence agent needs ipmitool, which is not installed on this rack (Debian package ipmitool)',
  },
  // Any agent whose helper program cannot start ("Unable to run /usr/bin/…"), a Python
  // module missing.
  {
    pattern: /not found or not accessible|Unable to run \S+|No module named|command not found/i,
    code: 'power_tool_missing',
    reason: 'The fence agent could not run a program or module it needs',
  },
  // ipmitool's RAKP answers (wrong password, unknown user), and the usual login refusals.
  {
    pattern:
      /RAKP 2 HMAC is invalid|RAKP 2 message indicates an error|unauthorized name|Invalid user name|password invalid|invalid authentication key|Authentication failed|Permission denied|Login incorrect|Invalid (login|credentials)|401 Unauthorized|Activate Session command failed/i,
    code: 'power_auth_failed',
    reason: 'The fence device refused the user name or password',
  },
  {
    pattern:
      /does not have the correct privileges|Invalid privilege level|Requested privilege level exceeds/i,
    code: 'power_settings_invalid',
    reason: 'The user lacks the privilege for this action',
  },
  // fencing.py's option checks ("Failed: You have to enter fence address", "…not a valid
  // choice…", "Unrecognised action"), ipmitool's cipher suite refusal.
  {
    pattern:
      /You have to (set|enter|use)|is not a valid|valid choice|Unrecognised action|Identity file .* does not exist|invalid authentication algorithm|cipher suite|Unsupported cipher/i,
    code: 'power_settings_invalid',
    reason: 'The fence agent refused its settings',
  },
  {
    pattern: /Node busy|BMC busy|Insufficient resources for session/i,
    code: 'power_bmc_busy',
    reason: 'The fence device is busy',
  },
  // The agent switched, then the state did not follow within power_timeout.
  {
    pattern: /Timed out waiting to power (ON|OFF)/i,
    code: 'power_failed',
    reason: 'The machine did not reach the new power state in time',
  },
  {
    pattern:
      /Connection timed out|Connection lost|Connection refused|No route to host|Network is unreachable|Name or service not known|Could not resolve|Address lookup for .* failed|No response|Get Auth Capabilities error|Unable to establish IPMI v(1\.5|2)/i,
    code: 'power_unreachable',
    reason: 'The fence device did not answer',
  },
  // EC_LOGIN_DENIED: the agents say this both when the login is refused and when the
  // device never showed a login prompt, so the message names both.
  {
    pattern: /Unable to connect\/login to fencing device/i,
    code: 'power_auth_failed',
    reason: 'The fence device refused the login or could not be reached',
  },
  {
    pattern: /Unable to obtain correct plug status or plug is not available/i,
    code: 'power_failed',
    reason: 'The fence agent could not read the power state (or there is no such plug)',
  },
];

/** The error class and a readable reason for a fence agent's output (power_failed when nothing matches). */
export function classifyFenceOutput(output: string): {
  code: ErrorCode;
  reason: string;
  /** The output line that decided it, if any. */
  line?: string;
} {
  const lines = output.split('\n');
  for (const entry of fenceErrors) {
    const line = lines.find((l) => entry.pattern.test(l));
    if (line !== undefined) return { code: entry.code, reason: entry.reason, line };
  }
  return { code: 'power_failed', reason: 'The fence agent failed' };
}
