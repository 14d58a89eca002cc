import { describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';

// Enlistment as the enlistment environment does it: an anonymous POST machines/ with the
// machine's architecture, MACs and (when it found one) its BMC. A machine the region already
// has is never created twice: matched by its BMC first, then by a MAC.

const region = useTestRegion();
const machines = '/MAAS/api/2.0/machines/';

interface Machine {
  system_id: string;
  status_name: string;
  power_type: string;
}

let counter = 0;
function nextMac(): string {
  counter++;
  return `52:54:01:00:${(counter >> 8).toString(16).padStart(2, '0')}:${(counter & 255).toString(16).padStart(2, '0')}`;
}

async function enlist(form: Record<string, string | string[]>): Promise<Machine> {
  const response = await region.request('POST', machines, {
    form: { architecture: 'amd64/generic', ...form },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Machine>();
}

async function setEnlistCommissioning(value: boolean): Promise<void> {
  const response = await region.request('POST', '/MAAS/api/2.0/maas/?op=set_config', {
    key: region.adminKey,
    form: { name: 'enlist_commissioning', value: String(value) },
  });
  expect(response.statusCode, response.body).toBe(200);
}

async function machineCount(): Promise<number> {
  const row = await region.database.db
    .selectFrom('machines')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('enlistment', () => {
  it('creates an unknown machine without a BMC New, even with enlist_commissioning on', async () => {
    await setEnlistCommissioning(true);
    const machine = await enlist({ mac_addresses: nextMac() });
    expect(machine.status_name).toBe('New');
  });

  it('answers a machine that enlists again with the same MAC with the machine it already is', async () => {
    const mac = nextMac();
    const first = await enlist({ mac_addresses: [nextMac(), mac] });
    const before = await machineCount();
    const again = await enlist({ mac_addresses: mac.toUpperCase() });
    expect(again.system_id).toBe(first.system_id);
    expect(await machineCount()).toBe(before);
    const events = await region.database.db
      .selectFrom('events')
      .select(['type', 'description'])
      .where('node_system_id', '=', first.system_id)
      .where('type', '=', 'Enlisted again')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.description).toMatch(/matched by a MAC address/);
  });

  it('matches by BMC before MAC: a machine with new NICs behind a known BMC is the same machine', async () => {
    await setEnlistCommissioning(false);
    const bmc = {
      power_type: 'ipmi',
      power_parameters: JSON.stringify({ power_address: '10.9.9.9', power_user: 'u', power_pass: 'p' }),
    };
    const first = await enlist({ mac_addresses: nextMac(), ...bmc });
    expect(first.status_name).toBe('New');
    const before = await machineCount();
    const again = await enlist({ mac_addresses: nextMac(), ...bmc });
    expect(again.system_id).toBe(first.system_id);
    expect(await machineCount()).toBe(before);
    // Another BMC address is another machine.
    const other = await enlist({
      mac_addresses: nextMac(),
      power_type: 'ipmi',
      power_parameters: JSON.stringify({ power_address: '10.9.9.10', power_user: 'u', power_pass: 'p' }),
    });
    expect(other.system_id).not.toBe(first.system_id);
  });

  it('tells machines behind one multi-machine BMC apart by power_id', async () => {
    const at = (id: string) => ({
      power_type: 'sim',
      power_parameters: JSON.stringify({ power_address: 'http://127.0.0.1:9/', power_id: id }),
    });
    const a = await enlist({ mac_addresses: nextMac(), ...at('a') });
    const b = await enlist({ mac_addresses: nextMac(), ...at('b') });
    expect(b.system_id).not.toBe(a.system_id);
    expect((await enlist({ mac_addresses: nextMac(), ...at('a') })).system_id).toBe(a.system_id);
  });

  it('goes on to commission a machine that reported its BMC when enlist_commissioning is on', async () => {
    await setEnlistCommissioning(true);
    const machine = await enlist({
      mac_addresses: nextMac(),
      power_type: 'ipmi',
      power_parameters: JSON.stringify({ power_address: '10.9.9.20', power_user: 'u', power_pass: 'p' }),
    });
    // Accepted at once: it went to Commissioning (the test region has no rack, so its power-on
    // then fails it; that is the power work's outcome, not enlistment's).
    const history = await region.database.db
      .selectFrom('machine_status_history')
      .innerJoin('machines', 'machines.id', 'machine_status_history.machine_id')
      .select('machine_status_history.to_status')
      .where('machines.system_id', '=', machine.system_id)
      .execute();
    expect(history.map((h) => h.to_status)).toContain(1);
    expect(['Commissioning', 'Failed commissioning']).toContain(machine.status_name);
    await setEnlistCommissioning(false);
    const waiting = await enlist({
      mac_addresses: nextMac(),
      power_type: 'ipmi',
      power_parameters: JSON.stringify({ power_address: '10.9.9.21', power_user: 'u', power_pass: 'p' }),
    });
    expect(waiting.status_name).toBe('New');
  });

  it('refuses an enlistment without MACs, naming the field, and creates nothing', async () => {
    const before = await machineCount();
    const response = await region.request('POST', machines, { form: { architecture: 'amd64/generic' } });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/mac_addresses/);
    expect(await machineCount()).toBe(before);
  });
});
