// Power work through the real job queue (pg-boss), as the running region does it: the
// release request answers at once with Releasing, and the power worker completes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@ferrum/kit';
import { JobQueue } from '../../src/jobs/job-queue.js';
import { createServices, type Services } from '../../src/services/services.js';
import { POWER_QUEUE, type PowerJob } from '../../src/services/power-service.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testSecrets } from '../support/test-secrets.js';
import { fakeRackCaller } from '../support/fake-racks.js';

let database: TestDatabase;
let jobs: JobQueue;
let services: Services;

beforeAll(async () => {
  database = await createTestDatabase();
  jobs = new JobQueue({
    pool: database.pool,
    logger: createLogger({ level: 'silent', pretty: false }),
    pollingIntervalSeconds: 0.5,
  });
  await jobs.start();
  await jobs.defineQueue(POWER_QUEUE, { retryLimit: 3, expireInSeconds: 120 });
  services = createServices({
    db: database.db,
    secrets: testSecrets(),
    powerQueue: jobs,
    rackCaller: fakeRackCaller(),
  });
  await jobs.work<PowerJob>(POWER_QUEUE, (job) => services.power.run(job.systemId, job.work));
});
afterAll(async () => {
  await jobs.stop({ timeoutMs: 2000 });
  await database.drop();
});

describe('power work through the job queue', () => {
  it('answers release with Releasing and completes it to Ready in the power worker', async () => {
    const admin = await services.users.create({
      username: 'admin',
      email: 'admin@example.com',
      password: 'admin-pass',
      isSuperuser: true,
    });
    const created = await services.machines.create(
      { architecture: 'amd64', macAddresses: ['52:54:00:11:22:33'], hostname: 'queued', powerType: 'manual' },
      { status: 'COMMISSIONING', actor: 'admin' },
    );
    const systemId = created.machine.system_id;
    await services.lifecycle.report(systemId, 'succeeded');
    await services.lifecycle.act(systemId, 'deploy', admin);
    await services.lifecycle.report(systemId, 'succeeded');
    const releasing = await services.lifecycle.act(systemId, 'release', admin);
    expect(releasing.machine.status).toBe(12); // Releasing: the request did not wait for power
    const deadline = Date.now() + 15_000;
    let status = releasing.machine.status;
    while (status !== 4 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await services.machines.row(systemId)).status;
    }
    expect(status).toBe(4); // Ready, and no longer owned
    expect((await services.machines.row(systemId)).owner_id).toBeNull();
  }, 30_000);
});
