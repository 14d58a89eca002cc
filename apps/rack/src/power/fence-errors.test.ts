import { describe, expect, it } from 'vitest';
import { classifyFenceOutput } from './fence-errors.js';

// Real fence-agents 4.12 output (fence_ipmilan at verbose_level 2 against ipmi_sim, and the
// fencing.py library's messages), with the log prefix agents print.
const log = (level: string, text: string) => `2026-12-03 09:06:13,903 ${level}: ${text}`;
const noStatus = log('ERROR', 'Failed: Unable to obtain correct plug status or plug is not available');

describe(classifyFenceOutput, () => {
  it.each([
    [
      'a wrong password',
      [log('DEBUG', '1  Loading IANA PEN Registry...'), '> RAKP 2 HMAC is invalid', noStatus],
      'power_auth_failed',
    ],
    [
      'an unknown user',
      [
        'RAKP 2 message indicates an error : unauthorized name',
        'Error: Unable to establish IPMI v2 / RMCP+ session',
        noStatus,
      ],
      'power_auth_failed',
    ],
    [
      'a wrong password over IPMI 1.5',
      ['Activate Session command failed', 'Error: Unable to establish LAN session', noStatus],
      'power_auth_failed',
    ],
    [
      'an SSH login refused',
      [log('ERROR', 'Unable to connect/login to fencing device')],
      'power_auth_failed',
    ],
    ['a dead address', [log('ERROR', 'Connection timed out')], 'power_unreachable'],
    [
      'a connection refused',
      [
        'ssh: connect to host 10.0.0.5 port 22: Connection refused',
        log('ERROR', 'Unable to connect/login to fencing device'),
      ],
      'power_unreachable',
    ],
    [
      'an unknown host',
      ['ssh: Could not resolve hostname bmc-x: Name or service not known'],
      'power_unreachable',
    ],
    ['a silent BMC', ['Error: Unable to establish IPMI v2 / RMCP+ session', noStatus], 'power_unreachable'],
    [
      'a cipher suite the BMC lacks',
      [
        'Error in open session response message : invalid authentication algorithm',
        'Error: Unable to establish IPMI v2 / RMCP+ session',
        noStatus,
      ],
      'power_settings_invalid',
    ],
    [
      'a missing address',
      [log('ERROR', 'Failed: You have to enter fence address')],
      'power_settings_invalid',
    ],
    [
      'a bad choice',
      [log('ERROR', 'Failed: You have to enter a valid choice for --lanplus from the valid values: ...')],
      'power_settings_invalid',
    ],
    [
      'an action the agent lacks',
      [log('ERROR', "Failed: Unrecognised action 'reboot'")],
      'power_settings_invalid',
    ],
    [
      'too little privilege',
      [log('ERROR', 'Failed: The user does not have the correct privileges to do the requested action.')],
      'power_settings_invalid',
    ],
    ['ipmitool missing', [log('ERROR', 'Ipmitool not found or not accessible')], 'power_tool_missing'],
    ['a helper missing', [log('ERROR', 'Unable to run /usr/bin/snmpget')], 'power_tool_missing'],
    ['a busy BMC', ['Get Session Challenge command failed: Node busy'], 'power_bmc_busy'],
    [
      'a machine that does not switch',
      [log('ERROR', 'Failed: Timed out waiting to power OFF')],
      'power_failed',
    ],
    ['a status it cannot read', [noStatus], 'power_failed'],
    ['anything else', ['Traceback (most recent call last):', 'KeyError: x'], 'power_failed'],
  ])('classifies %s', (_what, lines, code) => {
    expect(classifyFenceOutput(lines.join('\n')).code).toBe(code);
  });

  it('answers the line that decided', () => {
    expect(classifyFenceOutput(['x', '> RAKP 2 HMAC is invalid', noStatus].join('\n'))).toMatchObject({
      code: 'power_auth_failed',
      line: '> RAKP 2 HMAC is invalid',
    });
  });
});
