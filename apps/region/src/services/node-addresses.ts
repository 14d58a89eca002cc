import { sql, type Kysely } from 'kysely';
import { AllocType, type Database, type MachineRow } from '../db/schema.js';
import type { EventService, NewEvent } from './event-service.js';
import type { IpAllocator } from './ip-allocator.js';
import type { NetworkChanges } from './network-changes.js';
import { deleteChildDevices } from './device-removal.js';
import { ensureLinkUp } from './interface-links.js';
import { linkChanges, lockHeldAddresses, withIp, type HeldAddress, type LinkNode } from './link-changes.js';

export interface NodeAddressesDeps {
  readonly events: EventService;
  readonly networkChanges: NetworkChanges;
  readonly allocator: IpAllocator;
}

/** The machine whose addresses change, as its row says (locked by the caller). */
type Machine = Pick<MachineRow, 'id' | 'system_id' | 'hostname' | 'domain_id'>;

/**
 * A machine's addresses through its lifecycle, each step inside the caller's transaction (which
 * holds the machine's row lock), with its events and DHCP/DNS changes in the same transaction:
 *
 * - deploy claims an address for every AUTO link (class 1: the boot NIC's address);
 * - release deletes the machine's child devices (Juju's containers) when it starts (MAAS's
 *   Node._release), and once the machine is off and Ready returns the AUTO addresses (the link
 *   stays, without its IP), deletes the addresses and interfaces its owner added while it was
 *   allocated (class 2, `for_allocation`);
 * - deleting the machine deletes every address of its interfaces and its child devices.
 */
export class NodeAddresses {
  constructor(private readonly deps: NodeAddressesDeps) {}

  /**
   * Claims an address for each AUTO link of the machine without one, subnet by subnet in id
   * order (so two deploys sharing subnets take their locks in the same order). A subnet with no
   * free address throws 503 (MAAS's StaticIPAddressExhaustion) and the caller's transaction,
   * the deploy with it, rolls back.
   */
  async claimAuto(trx: Kysely<Database>, machine: Machine): Promise<string[]> {
    const held = await lockHeldAddresses(trx, await interfaceIdsOf(trx, machine.id));
    const pending = held
      .filter((h) => h.alloc_type === AllocType.auto && h.ip === null && h.subnet_id !== null)
      .sort((a, b) => (a.subnet_id ?? 0) - (b.subnet_id ?? 0) || Number(a.id) - Number(b.id));
    if (pending.length === 0) return [];
    const claimed: HeldAddress[] = [];
    for (const link of pending) {
      const subnetId = link.subnet_id ?? 0;
      const { ip } = await this.deps.allocator.claim(trx, { subnetId }, (candidate) =>
        trx
          .updateTable('ip_addresses')
          .set({ ip: candidate, updated: new Date() })
          .where('id', '=', link.id)
          .execute(),
      );
      claimed.push({ ...link, ip });
    }
    await this.record(
      trx,
      machine,
      claimed.map((c) => ({
        type: 'Assigned IP',
        description: `Assigned IP ${c.ip ?? ''} to ${c.interface_name}.`,
      })),
    );
    await this.deps.networkChanges.emit(
      trx,
      linkChanges('upsert', await nodeOf(trx, machine), withIp(claimed)),
    );
    return claimed.flatMap((c) => (c.ip === null ? [] : [c.ip]));
  }

  /** Returns the addresses of the machine's AUTO links (they keep their row, without an IP). */
  async releaseAuto(trx: Kysely<Database>, machine: Machine): Promise<void> {
    const held = await lockHeldAddresses(trx, await interfaceIdsOf(trx, machine.id));
    await this.returnAuto(trx, machine, held);
  }

  /** Release starting (the machine goes to Releasing): its child devices go, as MAAS's _release does. */
  async releaseStarted(trx: Kysely<Database>, machine: Machine): Promise<void> {
    const deleted = await deleteChildDevices(trx, this.deps.networkChanges, machine.id);
    await this.record(
      trx,
      machine,
      deleted.map((systemId) => ({
        type: 'Deleted device',
        description: `Deleted child device ${systemId}.`,
      })),
    );
  }

  /**
   * Release finished (off and Ready): AUTO addresses returned, class-2 addresses deleted, the
   * interfaces the owner added while it was allocated deleted (the links they took over from
   * their parent, like a bridge's, moved back to the parent first).
   */
  async releaseFinished(trx: Kysely<Database>, machine: Machine): Promise<void> {
    const interfaces = await trx
      .selectFrom('interfaces')
      .select(['id', 'for_allocation', 'name', 'enabled'])
      .where('machine_id', '=', machine.id)
      .orderBy('id')
      .forUpdate()
      .execute();
    const added = interfaces.filter((i) => i.for_allocation);
    const addedIds = new Set(added.map((i) => i.id));
    const held = await lockHeldAddresses(
      trx,
      interfaces.map((i) => i.id),
    );
    // A link of the machine's own (not class 2) on an interface that goes moves to its parent.
    const moving = held.filter(
      (h) => h.interface_id !== null && addedIds.has(h.interface_id) && !h.for_allocation,
    );
    for (const link of moving) {
      const parent = await rootParent(trx, link.interface_id ?? 0, addedIds);
      if (parent === undefined) continue;
      await trx
        .updateTable('ip_addresses')
        .set({ interface_id: parent, updated: new Date() })
        .where('id', '=', link.id)
        .execute();
    }
    const moved = new Set(moving.map((m) => m.id));
    const gone = held.filter(
      (h) =>
        h.for_allocation || (h.interface_id !== null && addedIds.has(h.interface_id) && !moved.has(h.id)),
    );
    const staying = held.filter((h) => !gone.includes(h));
    await this.returnAuto(trx, machine, staying);
    if (gone.length > 0) {
      await trx
        .deleteFrom('ip_addresses')
        .where(
          'id',
          'in',
          gone.map((g) => g.id),
        )
        .execute();
      const removed = withIp(gone);
      await this.record(
        trx,
        machine,
        gone
          .filter((g) => g.ip !== null)
          .map((g) => ({
            type: 'Released IP',
            description: `Released IP ${g.ip ?? ''} from ${g.interface_name}.`,
          })),
      );
      await this.deps.networkChanges.emit(trx, linkChanges('remove', await nodeOf(trx, machine), removed));
      // An interface that stays comes back up LINK_UP when its class-2 links were all it had.
      const enabled = new Set(interfaces.filter((i) => i.enabled && !i.for_allocation).map((i) => i.id));
      for (const id of new Set(gone.flatMap((g) => (g.interface_id === null ? [] : [g.interface_id]))))
        if (enabled.has(id)) await ensureLinkUp(trx, id, false);
    }
    if (added.length > 0) {
      await trx
        .deleteFrom('interfaces')
        .where(
          'id',
          'in',
          added.map((i) => i.id),
        )
        .execute();
      await this.record(
        trx,
        machine,
        added.map((i) => ({ type: 'Deleted interface', description: `Deleted interface ${i.name}.` })),
      );
    }
  }

  /**
   * Before the machine's row is deleted: every address of its interfaces (observations too:
   * `interface_id` is ON DELETE SET NULL, so a cascade would leave them behind as leaks) and its
   * child devices with theirs, with the DHCP and DNS removes.
   */
  async machineDeleted(trx: Kysely<Database>, machine: Machine): Promise<void> {
    const held = await lockHeldAddresses(trx, await interfaceIdsOf(trx, machine.id));
    if (held.length > 0) {
      const node = await nodeOf(trx, machine);
      await trx
        .deleteFrom('ip_addresses')
        .where(
          'id',
          'in',
          held.map((h) => h.id),
        )
        .execute();
      await this.deps.networkChanges.emit(trx, linkChanges('remove', node, withIp(held)));
    }
    await deleteChildDevices(trx, this.deps.networkChanges, machine.id);
  }

  private async returnAuto(
    trx: Kysely<Database>,
    machine: Machine,
    held: readonly HeldAddress[],
  ): Promise<void> {
    const returned = held.filter((h) => h.alloc_type === AllocType.auto && h.ip !== null);
    if (returned.length === 0) return;
    await trx
      .updateTable('ip_addresses')
      .set({ ip: null, updated: new Date() })
      .where(
        'id',
        'in',
        returned.map((r) => r.id),
      )
      .execute();
    await this.record(
      trx,
      machine,
      returned.map((r) => ({
        type: 'Released IP',
        description: `Released IP ${r.ip ?? ''} from ${r.interface_name}.`,
      })),
    );
    await this.deps.networkChanges.emit(
      trx,
      linkChanges('remove', await nodeOf(trx, machine), withIp(returned)),
    );
  }

  private async record(
    trx: Kysely<Database>,
    machine: Machine,
    events: readonly Pick<NewEvent, 'type' | 'description'>[],
  ): Promise<void> {
    for (const event of events)
      await this.deps.events.record(
        {
          ...event,
          level: 'INFO',
          nodeSystemId: machine.system_id,
          nodeHostname: machine.hostname,
        },
        trx,
      );
  }
}

async function interfaceIdsOf(trx: Kysely<Database>, machineId: number): Promise<number[]> {
  const rows = await trx.selectFrom('interfaces').select('id').where('machine_id', '=', machineId).execute();
  return rows.map((r) => r.id);
}

async function nodeOf(trx: Kysely<Database>, machine: Machine): Promise<LinkNode> {
  const domain = await trx
    .selectFrom('domains')
    .select('name')
    .where('id', '=', machine.domain_id)
    .executeTakeFirst();
  return { hostname: machine.hostname, domain: domain?.name ?? '' };
}

/** The nearest ancestor of `interfaceId` that is not among `leaving`, following first parents. */
async function rootParent(
  trx: Kysely<Database>,
  interfaceId: number,
  leaving: ReadonlySet<number>,
): Promise<number | undefined> {
  let current = interfaceId;
  for (let depth = 0; depth < 8; depth++) {
    const parent = await sql<{ parent_id: number }>`
      SELECT parent_id FROM interface_parents WHERE child_id = ${current} ORDER BY parent_id LIMIT 1`.execute(
      trx,
    );
    const next = parent.rows[0]?.parent_id;
    if (next === undefined) return undefined;
    if (!leaving.has(next)) return next;
    current = next;
  }
  return undefined;
}
