import { describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { NETWORK_CHANGE_RETENTION_MS, NetworkChangePruner } from './network-change-pruner.js';

const logger = createLogger({ level: 'silent', pretty: false });

describe(NetworkChangePruner, () => {
  it('prunes what is older than the retention, from the clock it is given', async () => {
    const cutoffs: Date[] = [];
    const pruner = new NetworkChangePruner(
      {
        prune: (olderThan) => {
          cutoffs.push(olderThan);
          return Promise.resolve(3);
        },
      },
      logger,
      { now: () => Date.UTC(2026, 0, 8) },
    );
    expect(await pruner.prune()).toBe(3);
    expect(cutoffs).toEqual([new Date(Date.UTC(2026, 0, 8) - NETWORK_CHANGE_RETENTION_MS)]);
    expect(cutoffs[0]?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('survives a failing database: logged, nothing pruned, tried again next time', async () => {
    let calls = 0;
    const pruner = new NetworkChangePruner(
      {
        prune: () => {
          calls += 1;
          return calls === 1 ? Promise.reject(new Error('database down')) : Promise.resolve(1);
        },
      },
      logger,
    );
    expect(await pruner.prune()).toBe(0);
    expect(await pruner.prune()).toBe(1);
  });

  it('runs on its interval until stopped', async () => {
    let calls = 0;
    const pruner = new NetworkChangePruner(
      {
        prune: () => {
          calls += 1;
          return Promise.resolve(0);
        },
      },
      logger,
      { intervalMs: 10 },
    );
    pruner.start();
    await new Promise((r) => setTimeout(r, 60));
    await pruner.stop();
    const seen = calls;
    expect(seen).toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(seen);
  });
});
