import { describe, expect, it } from 'vitest';
import { AppError } from '@ferrum/domain';
import { IpAllocator, type AllocationRequest } from '../../src/services/ip-allocator.js';
import { useTestRegion } from '../support/test-region.js';
import { addRange, createSubnet, type SubnetSpec } from './ipaddresses-fixtures.js';

const region = useTestRegion();

let next = 0;
/** A fresh subnet of its own for each case: 10.40.N.0/24 unless told otherwise. */
async function subnet(spec: Partial<SubnetSpec> = {}): Promise<number> {
  next += 1;
  return createSubnet(region.database.db, { cidr: `10.40.${next}.0/24`, ...spec });
}

function allocator(): IpAllocator {
  return region.services.ipAllocator;
}

/** Picks and records the address as a STICKY one, as deploy would. */
async function take(request: AllocationRequest): Promise<string> {
  return region.database.db.transaction().execute(async (trx) => {
    const { ip } = await allocator().claim(trx, request, (address) =>
      trx
        .insertInto('ip_addresses')
        .values({ ip: address, subnet_id: request.subnetId, alloc_type: 1 })
        .execute(),
    );
    return ip;
  });
}

async function refusal(request: AllocationRequest): Promise<AppError> {
  try {
    await take(request);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(request)} was not refused`);
}

async function insertAddress(subnetId: number | null, ip: string, allocType: number): Promise<void> {
  await region.database.db
    .insertInto('ip_addresses')
    .values({ ip, subnet_id: subnetId, alloc_type: allocType })
    .execute();
}

describe(IpAllocator, () => {
  it('hands out the next free address after the last one, wrapping round to reuse released ones', async () => {
    const id = await subnet({ cidr: '10.40.200.0/27' });
    // Usable .1–.30; .3 is taken, .10–.20 is a reserved range.
    await insertAddress(id, '10.40.200.3', 1);
    await addRange(region.database.db, id, 'reserved', '10.40.200.10', '10.40.200.20');
    const first = [await take({ subnetId: id }), await take({ subnetId: id }), await take({ subnetId: id })];
    expect(first).toEqual(['10.40.200.1', '10.40.200.2', '10.40.200.4']);
    // A released address is not handed out again at once: the others come first.
    await region.database.db.deleteFrom('ip_addresses').where('ip', '=', '10.40.200.2').execute();
    const rest: string[] = [];
    for (let i = 0; i < 15; i += 1) rest.push(await take({ subnetId: id }));
    expect(rest).toEqual([
      ...[5, 6, 7, 8, 9].map((n) => `10.40.200.${n}`),
      ...[21, 22, 23, 24, 25, 26, 27, 28, 29, 30].map((n) => `10.40.200.${n}`),
    ]);
    expect(await take({ subnetId: id })).toBe('10.40.200.2');
    expect((await refusal({ subnetId: id })).code).toBe('unavailable');
  });

  it('walks past a long run of used addresses', async () => {
    const id = await createSubnet(region.database.db, { cidr: '10.42.0.0/16' });
    // 10,000 addresses in a row from .0.1, put there by someone else: the walk reads them in
    // growing batches and finds the first free one after them.
    await region.database.db
      .insertInto('ip_addresses')
      .values(
        Array.from({ length: 10_000 }, (_, i) => ({
          ip: `10.42.${Math.floor((i + 1) / 256)}.${(i + 1) % 256}`,
          subnet_id: id,
          alloc_type: 1,
        })),
      )
      .execute();
    expect(await take({ subnetId: id })).toBe('10.42.39.17');
  });

  it('avoids the gateway, DNS servers, observed addresses, leases and reserved IPs', async () => {
    const id = await subnet({ cidr: '10.40.201.0/29', gateway: '10.40.201.1', dns: ['10.40.201.2'] });
    await insertAddress(id, '10.40.201.3', 6); // observed
    await insertAddress(id, '10.40.201.4', 5); // DHCP lease
    await region.database.db
      .insertInto('reserved_ips')
      .values({ subnet_id: id, ip: '10.40.201.5' })
      .execute();
    expect(await take({ subnetId: id })).toBe('10.40.201.6');
    const exhausted = await refusal({ subnetId: id });
    expect(exhausted.code).toBe('unavailable');
    expect(exhausted.message).toBe('No more IPs available in subnet: 10.40.201.0/29.');
  });

  it('never picks the network or broadcast address, nor a dynamic range', async () => {
    const id = await subnet({ cidr: '10.40.202.0/29' });
    await addRange(region.database.db, id, 'dynamic', '10.40.202.1', '10.40.202.5');
    expect(await take({ subnetId: id })).toBe('10.40.202.6');
    expect((await refusal({ subnetId: id })).code).toBe('unavailable');
  });

  it('on an unmanaged subnet picks only inside reserved ranges', async () => {
    const id = await subnet({ cidr: '10.40.203.0/24', managed: false });
    await addRange(region.database.db, id, 'reserved', '10.40.203.50', '10.40.203.51');
    expect(await take({ subnetId: id })).toBe('10.40.203.50');
    expect(await take({ subnetId: id })).toBe('10.40.203.51');
    expect((await refusal({ subnetId: id })).code).toBe('unavailable');
    // An address asked for there may be in the reserved range (it is where MAAS allocates).
    const asked = await subnet({ cidr: '10.40.204.0/24', managed: false });
    await addRange(region.database.db, asked, 'reserved', '10.40.204.50', '10.40.204.60');
    expect(await take({ subnetId: asked, ip: '10.40.204.55' })).toBe('10.40.204.55');
  });

  it('keeps the low /64 addresses MAAS holds back on IPv6', async () => {
    const id = await createSubnet(region.database.db, { cidr: '2001:db8:40::/64' });
    expect(await take({ subnetId: id })).toBe('2001:db8:40::1:0:0');
    expect(await take({ subnetId: id, ip: '2001:db8:40::abcd' })).toBe('2001:db8:40::abcd');
  });

  it("checks an address asked for with MAAS's errors", async () => {
    const id = await subnet({ cidr: '10.40.205.0/24' });
    await addRange(region.database.db, id, 'dynamic', '10.40.205.100', '10.40.205.150');
    await addRange(region.database.db, id, 'reserved', '10.40.205.200', '10.40.205.210');
    await insertAddress(id, '10.40.205.9', 4);
    const cases: [string, string, string][] = [
      ['10.41.0.1', 'forbidden', '10.41.0.1 is not within subnet CIDR: 10.40.205.0/24'],
      [
        '10.40.205.120',
        'not_found',
        '10.40.205.120 is within the dynamic range from 10.40.205.100 to 10.40.205.150',
      ],
      [
        '10.40.205.205',
        'not_found',
        '10.40.205.205 is within the reserved range from 10.40.205.200 to 10.40.205.210',
      ],
      ['10.40.205.9', 'not_found', 'The IP address 10.40.205.9 is already in use.'],
      ['10.40.205.0', 'forbidden', expect.stringContaining('network or broadcast') as string],
    ];
    for (const [ip, code, message] of cases) {
      const error = await refusal({ subnetId: id, ip });
      expect({ ip, code: error.code, message: error.message }).toEqual({ ip, code, message });
    }
    // An observed address may be taken over by a reservation, as in MAAS.
    await insertAddress(id, '10.40.205.30', 6);
    expect(await take({ subnetId: id, ip: '10.40.205.30' })).toBe('10.40.205.30');
  });

  it('picks again when a writer that bypassed the subnet lock took the address first', async () => {
    const id = await subnet({ cidr: '10.40.206.0/24' });
    const seen: string[] = [];
    const ip = await region.database.db.transaction().execute(async (trx) => {
      const claimed = await allocator().claim(trx, { subnetId: id }, async (address) => {
        seen.push(address);
        // The first time, another connection commits the same address without the lock. The
        // subnet lock must not hold it up (a foreign key check is not blocked by it).
        if (seen.length === 1) await insertAddress(id, address, 1);
        await trx.insertInto('ip_addresses').values({ ip: address, subnet_id: id, alloc_type: 1 }).execute();
      });
      return claimed.ip;
    });
    expect(seen).toEqual(['10.40.206.1', '10.40.206.2']);
    expect(ip).toBe('10.40.206.2');
  });

  it('skips an address the unique index refuses when it inserts the row itself', async () => {
    const id = await subnet({ cidr: '10.40.208.0/24' });
    const elsewhere = await subnet();
    // Inconsistent data the walk cannot see: .1 held under another subnet's id.
    await insertAddress(elsewhere, '10.40.208.1', 1);
    const claimed = await region.database.db
      .transaction()
      .execute((trx) => allocator().claimAddress(trx, { subnetId: id }, { alloc_type: 1 }));
    expect(claimed.ip).toBe('10.40.208.2');
    const asked = await region.database.db
      .transaction()
      .execute((trx) => allocator().claimAddress(trx, { subnetId: id, ip: '10.40.208.1' }, { alloc_type: 1 }))
      .catch((error: unknown) => error);
    expect(asked).toEqual(new AppError('not_found', 'The IP address 10.40.208.1 is already in use.'));
  });

  it('serialises concurrent picks on one subnet across connections', async () => {
    const id = await subnet({ cidr: '10.40.207.0/28' });
    const ips = await Promise.all(Array.from({ length: 14 }, () => take({ subnetId: id })));
    expect(new Set(ips).size).toBe(14);
    expect((await refusal({ subnetId: id })).code).toBe('unavailable');
  });

  it('answers 404 for a subnet that does not exist', async () => {
    const error = await refusal({ subnetId: 999_999 });
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('No Subnet matches the given query.');
  });
});
