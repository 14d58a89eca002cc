import { describe, expect, it } from 'vitest';
import { manualDriver } from './power/manual-driver.js';
import { describePowerTypes } from './power/describe-power-types.js';
import { powerDrivers } from './power/power-drivers.js';
import { powerServiceReport } from './rack.js';

describe(powerServiceReport, () => {
  it('names the power types and the programs missing, each with the types that need it', async () => {
    const drivers = [
      manualDriver,
      { ...manualDriver, name: 'one', requiredTools: ['ipmitool', 'fence_ipmilan'] },
      { ...manualDriver, name: 'two', requiredTools: ['ipmitool'] },
    ];
    const types = await describePowerTypes(drivers, (tool) => Promise.resolve(tool === 'fence_ipmilan'));
    expect(powerServiceReport(types)).toEqual({
      name: 'power',
      status: 'running',
      info: '3 power types: manual, one, two; missing packages: ipmitool (one, two).',
    });
  });

  it('says when no tool is missing, and keeps within the RPC’s 1,000 characters', async () => {
    const all = await describePowerTypes(powerDrivers(), () => Promise.resolve(true));
    expect(powerServiceReport(all).info).toBe(
      `${String(all.powerTypes.length)} power types: ${all.powerTypes.map((t) => t.name).join(', ')}; no packages missing.`,
    );
    const many = Array.from({ length: 200 }, (_, i) => ({ ...manualDriver, name: `type_${String(i)}` }));
    const long = powerServiceReport(await describePowerTypes(many, () => Promise.resolve(true)));
    expect(long.info.length).toBe(1000);
  });
});
