import { describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { TimeoutMonitor } from './timeout-monitor.js';

const logger = createLogger({ level: 'silent', pretty: false });

describe(TimeoutMonitor, () => {
  it('sweeps on its interval, never two sweeps at once, and stops', async () => {
    let active = 0;
    let most = 0;
    let sweeps = 0;
    const monitor = new TimeoutMonitor(
      {
        failOverdue: async () => {
          active++;
          most = Math.max(most, active);
          sweeps++;
          await new Promise((resolve) => setTimeout(resolve, 30));
          active--;
          return [];
        },
      },
      logger,
      5,
    );
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await monitor.stop();
    const after = sweeps;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(after).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
    expect(sweeps).toBe(after);
  });

  it('survives a failing sweep', async () => {
    const monitor = new TimeoutMonitor({ failOverdue: () => Promise.reject(new Error('db down')) }, logger);
    expect(await monitor.sweep()).toEqual([]);
  });
});
