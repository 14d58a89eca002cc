import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { archList, osList, rackRegister, rackReportServices, rpcMethods } from './methods.js';
import { MethodTable, rpcMethod } from './rpc-method.js';

const registration = {
  hostname: 'rack-1',
  version: '0.1.0',
  interfaces: [{ name: 'eth0', mac: '52:54:00:12:34:56', addresses: ['10.0.0.2/24'] }],
  capabilities: ['dhcp', 'tftp'],
};

describe('the RPC methods', () => {
  it('accept what their callers send', () => {
    expect(rackRegister.checkParams(registration)).toEqual({ ok: true, value: registration });
    expect(rackRegister.checkParams({ ...registration, systemId: 'abc123' }).ok).toBe(true);
    expect(
      rackReportServices.checkParams({ services: [{ name: 'dhcp', status: 'running', info: '' }] }).ok,
    ).toBe(true);
    expect(osList.checkParams({}).ok).toBe(true);
    expect(
      osList.checkResult({
        osystems: [
          {
            name: 'ubuntu',
            title: 'Ubuntu',
            releases: [
              { name: 'noble', title: 'Ubuntu 24.04 LTS', requiresLicenseKey: false, canCommission: true },
            ],
            defaultRelease: 'noble',
            defaultCommissioningRelease: 'noble',
          },
        ],
      }).ok,
    ).toBe(true);
  });

  it('refuse bad params, naming each field that is wrong', () => {
    const checked = rackRegister.checkParams({
      ...registration,
      interfaces: [{ name: 'eth0', mac: 'NOT-A-MAC', addresses: [] }],
      extra: 1,
    });
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.problems.some((p) => p.startsWith('/interfaces/0/mac'))).toBe(true);
      expect(checked.problems.some((p) => p.includes('extra') || p.startsWith('/extra'))).toBe(true);
    }
    const missing = rackRegister.checkParams({ version: '1' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.some((p) => p.startsWith('/hostname'))).toBe(true);
    expect(
      rackReportServices.checkParams({ services: [{ name: 'dhcp', status: 'sleeping', info: '' }] }).ok,
    ).toBe(false);
    expect(archList.checkResult({ architectures: [42] }).ok).toBe(false);
  });

  it('bound what a peer may send', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      name: `eth${String(i)}`,
      mac: '52:54:00:00:00:01',
      addresses: [],
    }));
    expect(rackRegister.checkParams({ ...registration, interfaces: many }).ok).toBe(false);
    expect(rackRegister.checkParams({ ...registration, hostname: 'x'.repeat(300) }).ok).toBe(false);
  });
});

describe(MethodTable, () => {
  it('finds a method only at the end that answers it and from its version on', () => {
    expect(rpcMethods.find('rack.register', 'region', 1)).toBe(rackRegister);
    expect(rpcMethods.find('rack.register', 'rack', 1)).toBeUndefined();
    expect(rpcMethods.find('os.list', 'rack', 1)).toBe(osList);
    expect(rpcMethods.find('no.such', 'rack', 1)).toBeUndefined();
    const later = rpcMethod({
      name: 'future.thing',
      answeredBy: 'rack',
      since: 2,
      doc: '',
      params: Type.Object({}),
      result: Type.Object({}),
      errors: [],
    });
    const table = new MethodTable([later]);
    expect(table.find('future.thing', 'rack', 1)).toBeUndefined();
    expect(table.find('future.thing', 'rack', 2)).toBe(later);
  });

  it('refuses a method declared twice', () => {
    expect(() => new MethodTable([osList, osList])).toThrow(/declared twice/);
  });

  it('declares every method with a dotted name, a doc and a version', () => {
    for (const m of rpcMethods.all()) {
      expect(m.name).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
      expect(m.doc.length).toBeGreaterThan(10);
      expect(m.since).toBeGreaterThanOrEqual(1);
    }
  });
});
