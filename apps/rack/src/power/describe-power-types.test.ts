import { powerDescribeTypes, type PowerDriver } from '@ferrum/protocol';
import { describe, expect, it } from 'vitest';
import { describePowerTypes } from './describe-power-types.js';
import { manualDriver } from './manual-driver.js';

const fakeIpmi: PowerDriver = {
  name: 'fake_ipmi',
  description: 'Fake IPMI',
  settings: [
    {
      name: 'power_driver',
      label: 'Power driver',
      kind: 'choice',
      required: true,
      secret: false,
      default: 'LAN_2_0',
      choices: [
        { value: 'LAN', label: 'LAN [IPMI 1.5]' },
        { value: 'LAN_2_0', label: 'LAN_2_0 [IPMI 2.0]' },
      ],
    },
    { name: 'power_address', label: 'IP address', kind: 'string', required: true, secret: false },
    { name: 'power_pass', label: 'Power password', kind: 'password', required: false, secret: false },
    { name: 'k_g', label: 'K_g BMC key', kind: 'string', required: false, secret: true, default: '' },
    {
      name: 'mac_address',
      label: 'MAC address',
      kind: 'string',
      required: false,
      secret: false,
      scope: 'node',
    },
  ],
  requiredTools: ['ipmipower', 'no-such-tool-ferrum', 'ipmipower'],
  queryable: true,
  on: () => Promise.resolve(),
  off: () => Promise.resolve(),
  query: () => Promise.resolve('on'),
};

const installed = new Set(['ipmipower']);
const lookedUp: string[] = [];
const hasTool = (name: string): Promise<boolean> => {
  lookedUp.push(name);
  return Promise.resolve(installed.has(name));
};

describe(describePowerTypes, () => {
  it('describes each driver in the RPC’s shape, listing the tools it lacks', async () => {
    lookedUp.length = 0;
    const answer = await describePowerTypes([manualDriver, fakeIpmi], hasTool);
    expect(powerDescribeTypes.checkResult(answer)).toEqual({ ok: true, value: answer });
    expect(answer).toEqual({
      powerTypes: [
        { name: 'manual', description: 'Manual', fields: [], missingPackages: [], queryable: false },
        {
          name: 'fake_ipmi',
          description: 'Fake IPMI',
          fields: [
            {
              name: 'power_driver',
              label: 'Power driver',
              required: true,
              fieldType: 'choice',
              choices: [
                ['LAN', 'LAN [IPMI 1.5]'],
                ['LAN_2_0', 'LAN_2_0 [IPMI 2.0]'],
              ],
              default: 'LAN_2_0',
              scope: 'bmc',
              secret: false,
            },
            {
              name: 'power_address',
              label: 'IP address',
              required: true,
              fieldType: 'string',
              choices: [],
              default: '',
              scope: 'bmc',
              secret: false,
            },
            // A password is secret even when its declaration forgot to say so.
            {
              name: 'power_pass',
              label: 'Power password',
              required: false,
              fieldType: 'password',
              choices: [],
              default: '',
              scope: 'bmc',
              secret: true,
            },
            {
              name: 'k_g',
              label: 'K_g BMC key',
              required: false,
              fieldType: 'string',
              choices: [],
              default: '',
              scope: 'bmc',
              secret: true,
            },
            {
              name: 'mac_address',
              label: 'MAC address',
              required: false,
              fieldType: 'string',
              choices: [],
              default: '',
              scope: 'node',
              secret: false,
            },
          ],
          missingPackages: ['no-such-tool-ferrum'],
          queryable: true,
        },
      ],
    });
  });

  it('looks each tool up once, however many drivers need it', async () => {
    lookedUp.length = 0;
    await describePowerTypes([fakeIpmi, { ...fakeIpmi, name: 'fake_ipmi_2' }], hasTool);
    expect(lookedUp.sort()).toEqual(['ipmipower', 'no-such-tool-ferrum']);
  });

  it('lists nothing missing when every tool is found', async () => {
    const answer = await describePowerTypes([fakeIpmi], () => Promise.resolve(true));
    expect(answer.powerTypes[0]?.missingPackages).toEqual([]);
  });
});
