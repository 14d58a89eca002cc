import { normaliseMac } from '@ferrum/domain';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { EventService } from './event-service.js';
import type { MachineLifecycle } from './machine-lifecycle.js';
import type { MachineInput, MachineService } from './machine-service.js';
import type { MachineView } from './machine-store.js';

export interface MachineEnlistmentDeps {
  readonly db: Kysely<Database>;
  readonly machines: Pick<MachineService, 'create' | 'get'>;
  readonly lifecycle: Pick<MachineLifecycle, 'accept'>;
  readonly events: EventService;
  /** The `enlist_commissioning` setting: enlisted machines go on to commission. */
  readonly enlistCommissioning: () => Promise<boolean>;
}

/** Who enlists and accepts a machine that announced itself (MAAS's node user). */
const ENLIST_ACTOR = 'maas-init-node';

/** What an enlistment did: a new machine, or one the region already had, found by BMC or MAC. */
export interface Enlisted {
  readonly view: MachineView;
  readonly matched?: 'bmc' | 'mac';
}

/**
 * Enlistment: a machine the region does not know announces itself (anonymous `POST machines/`
 * from the enlistment environment). As MAAS does, a machine already known is not created twice:
 * first by its BMC (same power type, address and, for BMCs of many machines, power_id), then by
 * any of its MACs. A new one is created New and, when `enlist_commissioning` is on and it
 * reported its BMC, accepted at once, so it commissions (powered on through that BMC).
 */
export class MachineEnlistment {
  constructor(private readonly deps: MachineEnlistmentDeps) {}

  async enlist(input: MachineInput): Promise<Enlisted> {
    const known = (await this.byBmc(input)) ?? (await this.byMac(input));
    if (known) {
      const view = await this.deps.machines.get(known.systemId);
      await this.deps.events.record({
        type: 'Enlisted again',
        level: 'INFO',
        description: `Announced itself again; matched by ${known.matched === 'bmc' ? 'its BMC address' : 'a MAC address'}, so no new machine was created.`,
        username: ENLIST_ACTOR,
        nodeSystemId: view.machine.system_id,
        nodeHostname: view.machine.hostname,
      });
      return { view, matched: known.matched };
    }
    const view = await this.deps.machines.create(input, { status: 'NEW', actor: null });
    // Without a BMC nothing could power it on to commission (the enlistment environment
    // powers off): it waits, New, for an administrator to set its power and accept it.
    const powered = input.powerType !== undefined && input.powerType !== '' && input.powerType !== 'manual';
    if (!powered || !(await this.deps.enlistCommissioning())) return { view };
    const [commissioning] = await this.deps.lifecycle.accept([view.machine.system_id], {
      username: ENLIST_ACTOR,
    });
    return { view: commissioning ?? view };
  }

  private async byBmc(input: MachineInput): Promise<{ systemId: string; matched: 'bmc' } | undefined> {
    const type = input.powerType;
    const address = input.powerParameters?.['power_address'];
    if (!type || type === 'manual' || !address) return undefined;
    const powerId = input.powerParameters['power_id'] ?? '';
    const row = await this.deps.db
      .selectFrom('machines')
      .select('system_id')
      .where('power_type', '=', type)
      .where((eb) => eb(eb.ref('power_parameters', '->>').key('power_address'), '=', address))
      .where((eb) =>
        eb(eb.fn.coalesce(eb.ref('power_parameters', '->>').key('power_id'), eb.val('')), '=', powerId),
      )
      .orderBy('id')
      .executeTakeFirst();
    return row ? { systemId: row.system_id, matched: 'bmc' } : undefined;
  }

  private async byMac(input: MachineInput): Promise<{ systemId: string; matched: 'mac' } | undefined> {
    const macs = (input.macAddresses ?? []).flatMap((m) => normaliseMac(m) ?? []);
    if (macs.length === 0) return undefined;
    const row = await this.deps.db
      .selectFrom('interfaces')
      .innerJoin('machines', 'machines.id', 'interfaces.machine_id')
      .select('machines.system_id')
      .where(sql<boolean>`interfaces.mac_address = ANY(${macs}::macaddr[])`)
      .orderBy('machines.id')
      .executeTakeFirst();
    return row ? { systemId: row.system_id, matched: 'mac' } : undefined;
  }
}
