import { describe, expect, it } from 'vitest';
import { manualDriver } from './manual-driver.js';
import { runPowerDriverContract } from './power-driver-contract.js';

runPowerDriverContract('manual', () => ({ driver: manualDriver, parameters: {} }));

describe('manualDriver', () => {
  it('is MAAS’s manual power type', () => {
    expect([manualDriver.name, manualDriver.description]).toEqual(['manual', 'Manual']);
  });

  it('never knows the power state: the operator switches the machine by hand', async () => {
    const signal = new AbortController().signal;
    await expect(manualDriver.on({}, { signal })).resolves.toBeUndefined();
    expect(await manualDriver.query({}, { signal })).toBe('unknown');
    await expect(manualDriver.off({}, { signal })).resolves.toBeUndefined();
    expect(await manualDriver.query({}, { signal })).toBe('unknown');
  });

  it('takes no settings and needs no programs', () => {
    expect(manualDriver.settings).toEqual([]);
    expect(manualDriver.requiredTools).toEqual([]);
  });

  it.each(['on', 'off', 'query'] as const)(
    'rejects %s with the reason when its signal is aborted',
    async (action) => {
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      controller.abort(reason);
      await expect(manualDriver[action]({}, { signal: controller.signal })).rejects.toBe(reason);
    },
  );
});
