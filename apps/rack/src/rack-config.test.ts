import { describe, expect, it } from 'vitest';
import { ConfigError } from '@ferrum/kit';
import { loadRackConfig } from './rack-config.js';

describe(loadRackConfig, () => {
  it('runs 32 power sequences at once, one per BMC, unless told otherwise', () => {
    const config = loadRackConfig({});
    expect([config.powerMaxConcurrent, config.powerMaxPerBmc]).toEqual([32, 1]);
    const tuned = loadRackConfig({
      FERRUM_RACK_POWER_MAX_CONCURRENT: '8',
      FERRUM_RACK_POWER_MAX_PER_BMC: '4',
    });
    expect([tuned.powerMaxConcurrent, tuned.powerMaxPerBmc]).toEqual([8, 4]);
  });

  it('refuses power limits out of range, naming each variable', () => {
    let error: unknown;
    try {
      loadRackConfig({ FERRUM_RACK_POWER_MAX_CONCURRENT: '65', FERRUM_RACK_POWER_MAX_PER_BMC: 'two' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'FERRUM_RACK_POWER_MAX_CONCURRENT: expected a whole number 1-64, got "65"',
      'FERRUM_RACK_POWER_MAX_PER_BMC: expected a whole number 1-16, got "two"',
    ]);
    expect(() => loadRackConfig({ FERRUM_RACK_POWER_MAX_PER_BMC: '0' })).toThrow(ConfigError);
  });
});
