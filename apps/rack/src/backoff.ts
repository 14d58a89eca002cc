/** How long to wait before reconnect attempt `attempt` (0-based). */
export interface Backoff {
  delayMs(attempt: number): number;
}

/**
 * Exponential backoff with full jitter (AWS's "Exponential Backoff And Jitter"): a delay drawn
 * uniformly from [0, min(cap, base·2^attempt)], so racks that lost their region together do not
 * come back in lockstep. `random` is passed in for tests.
 */
export function jitteredBackoff(
  options: { baseMs?: number; capMs?: number; random?: () => number } = {},
): Backoff {
  const baseMs = options.baseMs ?? 500;
  const capMs = options.capMs ?? 30_000;
  const random = options.random ?? Math.random;
  return {
    delayMs: (attempt) => {
      const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
      // Never 0: a tight loop against a region that answers and drops would spin.
      return Math.max(50, Math.round(random() * ceiling));
    },
  };
}
