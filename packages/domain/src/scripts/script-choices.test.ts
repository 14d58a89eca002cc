import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  readHardwareType,
  readResultType,
  readScriptParallel,
  readScriptType,
  readTimeoutSeconds,
} from './script-choices.js';

describe('readScriptType', () => {
  it('reads names, aliases and MAAS numbers', () => {
    expect(readScriptType('testing')).toEqual({ ok: true, value: 'testing' });
    expect(readScriptType(' Commission ')).toEqual({ ok: true, value: 'commissioning' });
    expect(readScriptType('deploy')).toEqual({ ok: true, value: 'deployment' });
    expect(readScriptType(0)).toEqual({ ok: true, value: 'commissioning' });
    expect(readScriptType('3')).toEqual({ ok: true, value: 'release' });
  });

  it('refuses the number MAAS skips and unknown words, listing the choices', () => {
    const one = readScriptType('1');
    expect(one.ok).toBe(false);
    if (!one.ok) expect(one.error).toContain("'commissioning'");
    expect(readScriptType('nonsense').ok).toBe(false);
  });

  it('does not take inherited object keys for choices', () => {
    expect(readScriptType('constructor').ok).toBe(false);
    expect(readHardwareType('tostring').ok).toBe(false);
    expect(readScriptParallel('__proto__').ok).toBe(false);
  });
});

describe('readHardwareType', () => {
  it('reads names, aliases and numbers', () => {
    expect(readHardwareType('storage')).toEqual({ ok: true, value: 'storage' });
    expect(readHardwareType('disk')).toEqual({ ok: true, value: 'storage' });
    expect(readHardwareType('4')).toEqual({ ok: true, value: 'network' });
    expect(readHardwareType('9').ok).toBe(false);
  });
});

describe('readScriptParallel', () => {
  it('reads names, aliases and numbers', () => {
    expect(readScriptParallel('instance')).toEqual({ ok: true, value: 'instance' });
    expect(readScriptParallel('none')).toEqual({ ok: true, value: 'disabled' });
    expect(readScriptParallel(2)).toEqual({ ok: true, value: 'any' });
  });
});

describe('readResultType', () => {
  it('reads the results filter words and numbers', () => {
    expect(readResultType('installation')).toEqual({ ok: true, value: 'installation' });
    expect(readResultType('test')).toEqual({ ok: true, value: 'testing' });
    expect(readResultType('1')).toEqual({ ok: true, value: 'installation' });
  });
});

describe('readTimeoutSeconds', () => {
  it('reads whole seconds and [[HH:]MM:]SS', () => {
    expect(readTimeoutSeconds('300')).toBe(300);
    expect(readTimeoutSeconds(60)).toBe(60);
    expect(readTimeoutSeconds('5:00')).toBe(300);
    expect(readTimeoutSeconds('0:05:00')).toBe(300);
    expect(readTimeoutSeconds('14:00:00')).toBe(50400);
    expect(readTimeoutSeconds('1 day, 2:00:00')).toBe(93600);
  });

  it('refuses what is neither', () => {
    expect(readTimeoutSeconds('five minutes')).toBeUndefined();
    expect(readTimeoutSeconds(-1)).toBeUndefined();
    expect(readTimeoutSeconds(1.5)).toBeUndefined();
    expect(readTimeoutSeconds('')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('prints seconds as Python prints a timedelta', () => {
    expect(formatDuration(0)).toBe('0:00:00');
    expect(formatDuration(300)).toBe('0:05:00');
    expect(formatDuration(50400)).toBe('14:00:00');
    expect(formatDuration(86400)).toBe('1 day, 0:00:00');
    expect(formatDuration(2 * 86400 + 61)).toBe('2 days, 0:01:01');
  });

  it('round-trips through readTimeoutSeconds', () => {
    for (const seconds of [0, 59, 3600, 93600])
      expect(readTimeoutSeconds(formatDuration(seconds))).toBe(seconds);
  });
});
