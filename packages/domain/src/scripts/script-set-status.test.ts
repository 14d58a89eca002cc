import { describe, expect, it } from 'vitest';
import { scriptSetOutcome, type OutcomeInput } from './script-set-status.js';
import type { ScriptStatus } from './script-enums.js';

const result = (name: string, status: ScriptStatus, suppressed = false): OutcomeInput => ({
  name,
  status,
  suppressed,
});

describe('scriptSetOutcome', () => {
  it('has no status for an empty set, which has passed', () => {
    expect(scriptSetOutcome([])).toEqual({ status: undefined, finished: true, passed: true, failed: [] });
  });

  it('is running while a script runs, and not finished while one is pending', () => {
    expect(scriptSetOutcome([result('a', 'PASSED'), result('b', 'RUNNING'), result('c', 'PENDING')])).toEqual(
      {
        status: 'RUNNING',
        finished: false,
        passed: false,
        failed: [],
      },
    );
    expect(scriptSetOutcome([result('a', 'FAILED'), result('b', 'PENDING')]).status).toBe('PENDING');
    expect(scriptSetOutcome([result('a', 'INSTALLING')]).status).toBe('INSTALLING');
  });

  it('fails when a script failed, naming it; aborted counts as failed', () => {
    const outcome = scriptSetOutcome([result('a', 'PASSED'), result('b', 'FAILED'), result('c', 'ABORTED')]);
    expect(outcome.status).toBe('ABORTED');
    expect(outcome.passed).toBe(false);
    expect(outcome.failed).toEqual(['b', 'c']);
    expect(scriptSetOutcome([result('a', 'TIMEDOUT'), result('b', 'DEGRADED')]).status).toBe('TIMEDOUT');
  });

  it('passes with passed, skipped and degraded results (degraded is shown)', () => {
    expect(scriptSetOutcome([result('a', 'PASSED'), result('b', 'SKIPPED')])).toMatchObject({
      status: 'PASSED',
      passed: true,
    });
    expect(scriptSetOutcome([result('a', 'PASSED'), result('b', 'DEGRADED')])).toMatchObject({
      status: 'DEGRADED',
      passed: true,
    });
  });

  it('does not count suppressed failures', () => {
    expect(scriptSetOutcome([result('a', 'PASSED'), result('b', 'FAILED', true)])).toMatchObject({
      status: 'PASSED',
      passed: true,
      failed: [],
    });
  });
});
