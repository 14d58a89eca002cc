import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CompiledQuery, type Transaction } from 'kysely';
import { createLogger } from '@ferrum/kit';
import type { Database } from '../../src/db/schema.js';
import { openDatabase } from '../../src/db/database.js';
import { JobQueue, type JobQueueDeps } from '../../src/jobs/job-queue.js';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../support/test-database.js';

const logger = createLogger({ level: 'silent', pretty: false });

let database: TestDatabase;
const running: JobQueue[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((queue) => queue.stop({ timeoutMs: 1000 })));
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await database.drop();
});

async function startQueue(overrides: Partial<JobQueueDeps> = {}): Promise<JobQueue> {
  const queue = new JobQueue({ pool: database.pool, logger, pollingIntervalSeconds: 0.5, ...overrides });
  await queue.start();
  running.push(queue);
  return queue;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe(JobQueue, () => {
  it('runs a sent job once with its data, and records it completed', async () => {
    const queue = await startQueue();
    await queue.defineQueue('echo');
    const seen: { data: unknown; retryCount: number }[] = [];
    await queue.work<{ machine: string }>('echo', (data, job) => {
      seen.push({ data, retryCount: job.retryCount });
      return Promise.resolve();
    });
    const id = await queue.send('echo', { machine: 'abc123' });
    expect(id).toEqual(expect.any(String));
    const job = await waitFor('completion', async () => {
      const found = await queue.findJob('echo', id!);
      return found?.state === 'completed' ? found : undefined;
    });
    expect(job).toMatchObject({ id, name: 'echo', data: { machine: 'abc123' }, retryCount: 0 });
    expect(seen).toEqual([{ data: { machine: 'abc123' }, retryCount: 0 }]);
  });

  it('sends within a transaction: the job exists only if the transaction commits', async () => {
    const queue = await startQueue();
    await queue.defineQueue('atomic');
    const within = (trx: Transaction<Database>) => ({
      executeSql: async (text: string, values: unknown[]) => ({
        rows: [...(await trx.executeQuery(CompiledQuery.raw(text, values))).rows],
      }),
    });
    let rolledBack: string | undefined;
    await expect(
      database.db.transaction().execute(async (trx) => {
        rolledBack = await queue.send('atomic', { n: 1 }, { within: within(trx) });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(rolledBack).toEqual(expect.any(String));
    expect(await queue.findJob('atomic', rolledBack!)).toBeFalsy();
    const committed = await database.db
      .transaction()
      .execute(async (trx) => queue.send('atomic', { n: 2 }, { within: within(trx) }));
    expect(await queue.findJob('atomic', committed!)).toMatchObject({ data: { n: 2 } });
  });

  it('starts a job at once, not a polling interval later: sent alone, or woken after its transaction', async () => {
    // Workers that would otherwise sleep 30 s between fetches.
    const queue = await startQueue({ pollingIntervalSeconds: 30 });
    await queue.defineQueue('prompt');
    const started: number[] = [];
    await queue.work<{ n: number }>(
      'prompt',
      () => {
        started.push(Date.now());
        return Promise.resolve();
      },
      { concurrency: 2 },
    );
    // Let both workers find the queue empty and go to sleep.
    await new Promise((resolve) => setTimeout(resolve, 500));
    let sent = Date.now();
    await queue.send('prompt', { n: 1 });
    await waitFor('the first job', () => started[0], 5000);
    expect(started[0]! - sent).toBeLessThan(2000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    sent = Date.now();
    await database.db.transaction().execute(async (trx) =>
      queue.send(
        'prompt',
        { n: 2 },
        {
          within: {
            executeSql: async (text: string, values: unknown[]) => ({
              rows: [...(await trx.executeQuery(CompiledQuery.raw(text, values))).rows],
            }),
          },
        },
      ),
    );
    queue.wake('prompt', 1);
    await waitFor('the second job', () => started[1], 5000);
    expect(started[1]! - sent).toBeLessThan(2000);
  });

  it('retries a failing job until it succeeds, and fails it for good after the retry limit', async () => {
    const queue = await startQueue();
    await queue.defineQueue('flaky', { retryLimit: 2, retryDelaySeconds: 0 });
    const attempts: number[] = [];
    await queue.work<{ failUntil: number }>('flaky', (data, job) => {
      attempts.push(job.retryCount);
      return job.retryCount < data.failUntil
        ? Promise.reject(new Error(`BMC unreachable (attempt ${job.retryCount})`))
        : Promise.resolve();
    });
    const recovers = await queue.send('flaky', { failUntil: 2 });
    const neverRecovers = await queue.send('flaky', { failUntil: 99 }, { retryLimit: 1 });
    const recovered = await waitFor('the flaky job to complete', async () => {
      const job = await queue.findJob('flaky', recovers!);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(recovered.retryCount).toBe(2);
    const failed = await waitFor('the hopeless job to fail', async () => {
      const job = await queue.findJob('flaky', neverRecovers!);
      return job?.state === 'failed' ? job : undefined;
    });
    // The per-job retry limit (1) overrides the queue's (2): two attempts, then failed.
    expect(failed.retryCount).toBe(1);
    expect(JSON.stringify(failed.output)).toContain('BMC unreachable (attempt 1)');
    expect(attempts.sort()).toEqual([0, 0, 1, 1, 2]);
  });

  it('drops a second job with the same singletonKey while the first waits', async () => {
    const queue = await startQueue();
    await queue.defineQueue('power', { policy: 'exclusive' });
    const first = await queue.send('power', { action: 'on' }, { singletonKey: 'machine-1' });
    const duplicate = await queue.send('power', { action: 'off' }, { singletonKey: 'machine-1' });
    const other = await queue.send('power', { action: 'on' }, { singletonKey: 'machine-2' });
    expect(first).toEqual(expect.any(String));
    expect(duplicate).toBeUndefined();
    expect(other).toEqual(expect.any(String));
    expect(other).not.toBe(first);
  });

  it('lets the key be used again once its job has finished', async () => {
    const queue = await startQueue();
    await queue.defineQueue('power-reuse', { policy: 'exclusive' });
    await queue.work('power-reuse', () => Promise.resolve());
    const first = await queue.send('power-reuse', {}, { singletonKey: 'machine-1' });
    await waitFor('the first job to complete', async () =>
      (await queue.findJob('power-reuse', first!))?.state === 'completed' ? true : undefined,
    );
    expect(await queue.send('power-reuse', {}, { singletonKey: 'machine-1' })).toEqual(expect.any(String));
  });

  it('refuses a singletonKey on a standard queue, which would silently not deduplicate', async () => {
    const queue = await startQueue();
    await queue.defineQueue('plain');
    await expect(queue.send('plain', {}, { singletonKey: 'k' })).rejects.toThrow(/ignores singletonKey/);
  });

  it('refuses a queue that was not defined, and a policy change of an existing queue', async () => {
    const queue = await startQueue();
    await expect(queue.send('undefined-queue', {})).rejects.toThrow(/before defineQueue/);
    await queue.defineQueue('fixed-policy', { policy: 'short' });
    await expect(queue.defineQueue('fixed-policy', { policy: 'exclusive' })).rejects.toThrow(/cannot change/);
  });

  it('holds a job until startAfter', async () => {
    const queue = await startQueue();
    await queue.defineQueue('later');
    let ranAt = 0;
    await queue.work('later', () => {
      ranAt = Date.now();
      return Promise.resolve();
    });
    const sentAt = Date.now();
    await queue.send('later', {}, { startAfter: new Date(sentAt + 1500) });
    await waitFor('the deferred job', () => (ranAt > 0 ? true : undefined));
    expect(ranAt - sentAt).toBeGreaterThanOrEqual(1400);
  });

  it('waits for running handlers when it stops', async () => {
    const queue = await startQueue();
    await queue.defineQueue('slow');
    const started = deferred();
    let finished = false;
    await queue.work('slow', async () => {
      started.resolve();
      await new Promise((resolve) => setTimeout(resolve, 700));
      finished = true;
    });
    const id = await queue.send('slow', {});
    await started.promise;
    await queue.stop({ timeoutMs: 5000 });
    running.splice(running.indexOf(queue), 1);
    expect(finished).toBe(true);
    const observer = await startQueue();
    await observer.defineQueue('slow');
    expect((await observer.findJob('slow', id!))?.state).toBe('completed');
  });

  it('gives up on a handler that outlasts the stop timeout, aborting it and leaving the job to be retried', async () => {
    const queue = await startQueue();
    await queue.defineQueue('stuck', { retryLimit: 3 });
    const started = deferred();
    let aborted = false;
    await queue.work('stuck', (_data, job) => {
      started.resolve();
      return new Promise<void>((_resolve, reject) => {
        job.signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        });
      });
    });
    const id = await queue.send('stuck', {});
    await started.promise;
    const stopStarted = Date.now();
    await queue.stop({ timeoutMs: 1000 });
    running.splice(running.indexOf(queue), 1);
    const stopMs = Date.now() - stopStarted;
    expect(stopMs).toBeGreaterThanOrEqual(900);
    expect(stopMs).toBeLessThan(5000);
    expect(aborted).toBe(true);
    const next = await startQueue();
    await next.defineQueue('stuck');
    expect(await next.findJob('stuck', id!)).toMatchObject({ state: 'retry' });
    // Another process picks the job up again, as its second attempt.
    const retried = deferred();
    let retryCount = -1;
    await next.work('stuck', (_data, job) => {
      retryCount = job.retryCount;
      retried.resolve();
      return Promise.resolve();
    });
    await retried.promise;
    expect(retryCount).toBe(1);
  });

  it('drains a backlog without sleeping a polling interval between jobs', async () => {
    const queue = await startQueue({ pollingIntervalSeconds: 2 });
    await queue.defineQueue('backlog');
    let done = 0;
    await Promise.all(Array.from({ length: 40 }, (_, i) => queue.send('backlog', { i })));
    const startedAt = Date.now();
    await queue.work(
      'backlog',
      () => {
        done += 1;
        return Promise.resolve();
      },
      { concurrency: 2 },
    );
    await waitFor('the backlog to drain', () => (done >= 40 ? true : undefined));
    // One job per polling interval per worker would take 40 s; draining takes well under a second.
    expect(Date.now() - startedAt).toBeLessThan(6000);
  });

  it('runs each job exactly once across two region processes on one database', async () => {
    // The second "process" has its own pool, as another region would.
    const other = openDatabase(database.url, 5);
    closers.push(() => other.close());
    const a = await startQueue();
    const b = await startQueue({ pool: other.pool });
    await a.defineQueue('shared');
    await b.defineQueue('shared');
    const runs: { id: string; by: 'a' | 'b' }[] = [];
    const bRan = deferred();
    await a.work(
      'shared',
      async (_data, job) => {
        runs.push({ id: job.id, by: 'a' });
        // A's jobs wait until B has run one, so B must be fetching from the same queue; after
        // that both drain it together.
        await Promise.race([bRan.promise, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
      { concurrency: 2 },
    );
    await b.work(
      'shared',
      (_data, job) => {
        runs.push({ id: job.id, by: 'b' });
        bRan.resolve();
        // Slow enough (30 × 50 ms over two slots) that one instance cannot drain the queue before
        // the other's next poll (0.5 s).
        return new Promise((resolve) => setTimeout(resolve, 50));
      },
      { concurrency: 2 },
    );
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => a.send('shared', { i })));
    await waitFor('all 30 jobs', () => (runs.length >= 30 ? true : undefined));
    // Any duplicate would show up shortly after the last first run.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(runs.some((r) => r.by === 'a')).toBe(true);
    expect(runs.some((r) => r.by === 'b')).toBe(true);
  });

  it('sends scheduled jobs on a cron expression', async () => {
    const queue = await startQueue({ scheduleCheckSeconds: 1 });
    await queue.defineQueue('tick');
    let ticks = 0;
    await queue.work('tick', () => {
      ticks += 1;
      return Promise.resolve();
    });
    await queue.schedule('tick', '* * * * * *');
    await waitFor('a scheduled job', () => (ticks > 0 ? true : undefined));
    await queue.unschedule('tick');
  });
});

describe('JobQueue on a database without the job queue schema', () => {
  it('refuses to start, saying the migrations are missing', async () => {
    const empty = await createEmptyDatabase();
    try {
      const queue = new JobQueue({ pool: empty.pool, logger });
      await expect(queue.start()).rejects.toThrow(/'pgboss' is missing.*run the database migrations/);
    } finally {
      await empty.drop();
    }
  });
});
