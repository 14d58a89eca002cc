import { describe, expect, it } from 'vitest';
import { manualDriver } from './manual-driver.js';

describe('manualDriver', () => {
  it('never knows the power state: the operator switches the machine by hand', async () => {
    const signal = new AbortController().signal;
    await manualDriver.on({}, { signal });
    expect(await manualDriver.query({}, { signal })).toBe('unknown');
    await manualDriver.off({}, { signal });
    expect(await manualDriver.query({}, { signal })).toBe('unknown');
  });

  it('takes no settings and needs no programs', () => {
    expect(manualDriver.settings).toEqual([]);
    expect(manualDriver.requiredTools).toEqual([]);
  });
});
