import { describe, expect, it } from 'vitest';
import { jitteredBackoff } from './backoff.js';

describe(jitteredBackoff, () => {
  it('grows the ceiling exponentially up to the cap', () => {
    const top = jitteredBackoff({ baseMs: 100, capMs: 5_000, random: () => 1 });
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((a) => top.delayMs(a))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('draws each delay at random below the ceiling, never below 50 ms', () => {
    const values = [0, 0.25, 0.5];
    let i = 0;
    const jittered = jitteredBackoff({ baseMs: 1000, capMs: 30_000, random: () => values[i++ % 3] ?? 0 });
    expect([jittered.delayMs(3), jittered.delayMs(3), jittered.delayMs(3)]).toEqual([50, 2000, 4000]);
  });

  it('spreads racks that reconnect together', () => {
    const backoff = jitteredBackoff();
    const delays = new Set(Array.from({ length: 100 }, () => backoff.delayMs(5)));
    expect(delays.size).toBeGreaterThan(50);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(16_000);
  });
});
