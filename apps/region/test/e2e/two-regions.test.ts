// Two region processes on one database, as behind a load balancer: a rack holds a connection
// to one of them, and the other still counts it (by what it offered when it connected) in the
// OS check, describe_power_types and list_boot_images, and closes its connection when the rack
// is deleted through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegion, type RunningRegion } from '../../src/region.js';
import { oauthHeader } from '../support/oauth.js';
import {
  e2eLogger,
  e2eRegionConfig,
  startListeningRegion,
  type ListeningRegion,
} from './support/listening-region.js';
import { connectTestRack } from './support/test-rack.js';

let a: ListeningRegion;
let b: RunningRegion;
let rack: Awaited<ReturnType<typeof connectTestRack>>;

beforeAll(async () => {
  a = await startListeningRegion();
  b = await startRegion(e2eRegionConfig(a.database.url), e2eLogger(), '0.0.0-e2e');
  rack = await connectTestRack(a, 'rack-on-a');
  // The region holding the rack asks what it offers once it is registered.
  for (let i = 0; i < 100 && !(await a.region.services.racks.offersOf(rack.systemId)); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
}, 120_000);

afterAll(async () => {
  rack.socket.close();
  await b.stop();
  await a.close();
});

async function onB(path: string, method = 'GET'): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${b.url}api/2.0/${path}`, {
    method,
    headers: { authorization: oauthHeader(a.adminKey) },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('a rack held by another region process', () => {
  it('counts in the OS check of the region that does not hold it', async () => {
    expect(b.services.rackCaller.connectedIds()).toEqual([]);
    await expect(
      b.services.os.checkInstallable(undefined, 'jammy', { defaultOsystem: 'ubuntu' }),
    ).resolves.toEqual({
      osystem: 'ubuntu',
      distroSeries: 'jammy',
    });
    await expect(b.services.os.checkInstallable('centos', undefined)).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('shows in describe_power_types and list_boot_images through the other region', async () => {
    const types = (await onB('rackcontrollers/?op=describe_power_types')).body as { name: string }[];
    expect(types.map((t) => t.name)).toEqual(['ipmi', 'manual']);
    const images = (await onB(`rackcontrollers/${rack.systemId}/?op=list_boot_images`)).body as {
      connected: boolean;
      images: { name: string }[];
    };
    expect(images.connected).toBe(true);
    expect(images.images.map((i) => i.name)).toContain('ubuntu/noble');
  });

  it('loses its connection to the holding region when deleted through the other', async () => {
    const deleted = await onB(`rackcontrollers/${rack.systemId}/`, 'DELETE');
    expect(deleted.status).toBe(204);
    // The holding region finds it gone at its next liveness refresh (every 3 s).
    expect(await rack.closed).toMatch(/4003/);
  }, 15_000);
});
