import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningRegion, type ListeningRegion } from './support/listening-region.js';

let listening: ListeningRegion;
beforeAll(async () => {
  listening = await startListeningRegion();
});
afterAll(async () => {
  await listening.close();
});

describe('a region started on port 0', () => {
  it('reports the port it actually listens on', async () => {
    expect(listening.port).toBeGreaterThan(0);
    const health = (await (
      await fetch(`http://${listening.host}:${listening.port}/api/v1/health`)
    ).json()) as { url: string };
    expect(health.url).toBe(`http://127.0.0.1:${listening.port}/MAAS/`);
  });
});
