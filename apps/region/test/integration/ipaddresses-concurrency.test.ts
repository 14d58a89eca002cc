import { beforeAll, describe, expect, it } from 'vitest';
import { useTestRegion } from '../support/test-region.js';
import { addRange, createSubnet } from './ipaddresses-fixtures.js';

const region = useTestRegion();
const api = '/MAAS/api/2.0';

let subnetId: number;

beforeAll(async () => {
  // 10.30.0.0/24: 254 usable addresses, minus the gateway .1 and the dynamic range .100–.199:
  // 153 free.
  subnetId = await createSubnet(region.database.db, { cidr: '10.30.0.0/24', gateway: '10.30.0.1' });
  await addRange(region.database.db, subnetId, 'dynamic', '10.30.0.100', '10.30.0.199');
});

const FREE = 153;

describe('concurrent ipaddresses/?op=reserve', () => {
  it('hands out every free address of a /24 exactly once to 500 concurrent requests, and 503 to the rest', async () => {
    const keys = [region.userKey, region.adminKey];
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        region.request('POST', `${api}/ipaddresses/?op=reserve`, {
          key: keys[i % 2] ?? region.userKey,
          form: { subnet: '10.30.0.0/24' },
        }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200).map((r) => r.json<{ ip: string }>().ip);
    const refused = responses.filter((r) => r.statusCode !== 200);
    expect(ok).toHaveLength(FREE);
    expect(new Set(ok).size).toBe(FREE);
    for (const ip of ok) {
      const last = Number(ip.split('.')[3]);
      expect(ip.startsWith('10.30.0.')).toBe(true);
      expect(last).toBeGreaterThanOrEqual(2);
      expect(last).toBeLessThanOrEqual(254);
      expect(last >= 100 && last <= 199, ip).toBe(false);
    }
    expect(refused).toHaveLength(500 - FREE);
    for (const r of refused) {
      expect(r.statusCode).toBe(503);
      expect(r.body).toBe('No more IPs available in subnet: 10.30.0.0/24.');
    }
    // What the database holds agrees: one row per address handed out.
    const rows = await region.database.db
      .selectFrom('ip_addresses')
      .select('ip')
      .where('subnet_id', '=', subnetId)
      .execute();
    expect(rows).toHaveLength(FREE);
  });

  it('gives one address asked for by 50 concurrent requests to exactly one of them', async () => {
    const other = await createSubnet(region.database.db, { cidr: '10.31.0.0/24' });
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        region.request('POST', `${api}/ipaddresses/?op=reserve`, {
          key: region.userKey,
          form: { ip: '10.31.0.7' },
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of responses.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(404);
      expect(r.body).toBe('The IP address 10.31.0.7 is already in use.');
    }
    const rows = await region.database.db
      .selectFrom('ip_addresses')
      .select('id')
      .where('subnet_id', '=', other)
      .execute();
    expect(rows).toHaveLength(1);
  });
});
