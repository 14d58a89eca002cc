import { describe, expect, it } from 'vitest';
import { classifyIpmitool } from './ipmi-errors.js';

// Real ipmitool 1.8.19 output against ipmi_sim (wrong password, wrong user, dead port, cipher 17).
describe(classifyIpmitool, () => {
  it.each([
    ['> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session', 'power_auth_failed'],
    [
      'RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session',
      'power_auth_failed',
    ],
    [
      'Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session',
      'power_unreachable',
    ],
    [
      'Error in open session response message : invalid authentication algorithm\nError: Unable to establish IPMI v2 / RMCP+ session',
      'power_settings_invalid',
    ],
    ['Invalid privilege level ADMIN', 'power_settings_invalid'],
    ['Set Chassis Power Control to Up/On failed: Node busy', 'power_bmc_busy'],
    ['Something nobody expected', 'power_failed'],
  ])('classifies %j', (output, code) => {
    expect(classifyIpmitool(output).code).toBe(code);
  });
});
