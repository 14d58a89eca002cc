import { describe, expect, it } from 'vitest';
import { isFinalSignal, openScriptStatuses, scriptStatusAfterSignal } from './signal-script-status.js';

describe('scriptStatusAfterSignal', () => {
  it('starts a script on WORKING', () => {
    expect(scriptStatusAfterSignal('PENDING', 'WORKING')).toBe('RUNNING');
    expect(scriptStatusAfterSignal('RUNNING', 'WORKING')).toBe('RUNNING');
  });

  it("takes WORKING with an exit status as the result, as MAAS's runner sends it", () => {
    expect(scriptStatusAfterSignal('RUNNING', 'WORKING', undefined, 0)).toBe('PASSED');
    expect(scriptStatusAfterSignal('RUNNING', 'WORKING', undefined, 127)).toBe('FAILED');
    expect(scriptStatusAfterSignal('INSTALLING', 'WORKING', undefined, 1)).toBe('FAILED_INSTALLING');
    expect(scriptStatusAfterSignal('RUNNING', 'WORKING', 'SKIPPED', 0)).toBe('SKIPPED');
  });

  it('passes on OK with exit status 0 (or none) and fails on OK with another', () => {
    expect(scriptStatusAfterSignal('RUNNING', 'OK')).toBe('PASSED');
    expect(scriptStatusAfterSignal('RUNNING', 'OK', undefined, 0)).toBe('PASSED');
    expect(scriptStatusAfterSignal('RUNNING', 'OK', undefined, 2)).toBe('FAILED');
  });

  it('fails on FAILED, as the failure of the step it was in', () => {
    expect(scriptStatusAfterSignal('RUNNING', 'FAILED')).toBe('FAILED');
    expect(scriptStatusAfterSignal('INSTALLING', 'FAILED')).toBe('FAILED_INSTALLING');
    expect(scriptStatusAfterSignal('APPLYING_NETCONF', 'FAILED')).toBe('FAILED_APPLYING_NETCONF');
  });

  it('times out on TIMEDOUT', () => {
    expect(scriptStatusAfterSignal('RUNNING', 'TIMEDOUT', 'PASSED', 0)).toBe('TIMEDOUT');
  });

  it("takes the status the script's structured result reports", () => {
    expect(scriptStatusAfterSignal('RUNNING', 'OK', 'DEGRADED', 0)).toBe('DEGRADED');
    expect(scriptStatusAfterSignal('RUNNING', 'OK', 'SKIPPED')).toBe('SKIPPED');
    expect(scriptStatusAfterSignal('RUNNING', 'FAILED', 'DEGRADED', 1)).toBe('DEGRADED');
  });

  it('follows package installation and network configuration', () => {
    expect(scriptStatusAfterSignal('PENDING', 'INSTALLING')).toBe('INSTALLING');
    expect(scriptStatusAfterSignal('PENDING', 'APPLYING_NETCONF')).toBe('APPLYING_NETCONF');
  });
});

describe('isFinalSignal', () => {
  it('is true for results and false for progress', () => {
    expect(['OK', 'FAILED', 'TIMEDOUT'].every((s) => isFinalSignal(s as 'OK'))).toBe(true);
    expect(isFinalSignal('WORKING')).toBe(false);
    expect(isFinalSignal('WORKING', 0)).toBe(true);
    expect(isFinalSignal('TESTING')).toBe(false);
  });
});

describe('openScriptStatuses', () => {
  it('holds no finished status', () => {
    for (const status of ['PASSED', 'FAILED', 'TIMEDOUT', 'ABORTED', 'SKIPPED'] as const)
      expect(openScriptStatuses).not.toContain(status);
  });
});
