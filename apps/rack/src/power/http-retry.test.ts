import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { withRetries, type RetryPolicy } from './http-retry.js';

const policy: RetryPolicy = { tries: 4, firstDelayMs: 10, maxDelayMs: 40 };
const busy = new AppError('power_bmc_busy', 'The BMC answered HTTP 503.');

describe(withRetries, () => {
  const run = (
    outcomes: readonly (string | AppError)[],
    options: {
      retry?: boolean;
      afterMs?: number;
      deadlineMs?: number;
      signal?: AbortSignal;
      tries?: number;
    } = {},
  ): { result: Promise<string>; calls: number[] } => {
    const calls: number[] = [];
    let i = 0;
    const result = withRetries({
      policy: { ...policy, tries: options.tries ?? policy.tries },
      deadline: Date.now() + (options.deadlineMs ?? 5_000),
      signal: options.signal ?? new AbortController().signal,
      attempt: (timeoutMs) => {
        calls.push(timeoutMs);
        const outcome = outcomes[Math.min(i++, outcomes.length - 1)]!;
        return typeof outcome === 'string' ? Promise.resolve(outcome) : Promise.reject(outcome);
      },
      judge: (error) => ({
        error,
        retry: options.retry ?? true,
        ...(options.afterMs === undefined ? {} : { afterMs: options.afterMs }),
      }),
      random: () => 0.5,
    });
    return { result, calls };
  };

  it('tries again after a retryable failure until one succeeds', async () => {
    const { result, calls } = run([busy, busy, 'done']);
    await expect(result).resolves.toBe('done');
    expect(calls).toHaveLength(3);
  });

  it('reports at once a failure that another try cannot help', async () => {
    const auth = new AppError('power_auth_failed', 'refused.');
    const { result, calls } = run([auth, 'done'], { retry: false });
    await expect(result).rejects.toBe(auth);
    expect(calls).toHaveLength(1);
  });

  it('stops after the policy’s tries and says how many it took', async () => {
    const { result, calls } = run([busy], { tries: 3 });
    const error = (await result.catch((e: unknown) => e)) as AppError;
    expect(calls).toHaveLength(3);
    expect(error.code).toBe('power_bmc_busy');
    expect(error.message).toMatch(/^The BMC answered HTTP 503 \(3 tries over \d+\.\d s\)\.$/);
    expect(error.details['tries']).toBe(3);
  });

  it('waits twice as long before each try, up to the longest wait', async () => {
    const started = Date.now();
    const { result } = run([busy, busy, busy, 'done'], { tries: 4 });
    await result;
    // With the jitter at its middle: 7.5 + 15 + 30 ms (the third capped at 40 · 0.75).
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('waits as long as the peer’s Retry-After asks, within the longest wait', async () => {
    const started = Date.now();
    const { result } = run([busy, 'done'], { afterMs: 10_000 });
    await result;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(38);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('gives each try only what is left of the deadline, and gives up before a wait would pass it', async () => {
    const { result, calls } = run([busy], { tries: 100, deadlineMs: 100 });
    await expect(result).rejects.toMatchObject({ code: 'power_bmc_busy' });
    expect(calls[0]).toBeLessThanOrEqual(100);
    expect(calls.every((left, i) => i === 0 || left < calls[i - 1]!)).toBe(true);
    expect(calls.length).toBeLessThan(100);
  });

  it('stops with the signal’s reason when aborted during a wait', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const { result, calls } = run([busy], { tries: 100, signal: controller.signal });
    setTimeout(() => {
      controller.abort(reason);
    }, 25);
    await expect(result).rejects.toBe(reason);
    expect(calls.length).toBeGreaterThanOrEqual(1);
  });
});
