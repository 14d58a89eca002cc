import type { Kysely } from 'kysely';
import { AppError, statusFromValue } from '@ferrum/domain';
import type { Database, MachineRow } from '../db/schema.js';
import type { PowerWork, PowerWorkSink } from './machine-lifecycle.js';

export type PowerState = 'on' | 'off' | 'unknown' | 'error';

/** The part of a power driver the power service uses (the full interface comes with the power work). */
export interface PowerControl {
  on(params: Readonly<Record<string, string>>): Promise<void>;
  off(params: Readonly<Record<string, string>>): Promise<void>;
  query(params: Readonly<Record<string, string>>): Promise<PowerState>;
}

/**
 * MAAS's `manual` power type (also what a machine without a power type gets): the operator
 * switches the machine by hand, so on and off succeed at once and the state is unknown.
 */
export const manualPowerControl: PowerControl = {
  on: () => Promise.resolve(),
  off: () => Promise.resolve(),
  query: () => Promise.resolve('unknown'),
};

export interface PowerServiceDeps {
  readonly db: Kysely<Database>;
  readonly control: (powerType: string) => PowerControl | undefined;
  readonly parameters: (row: MachineRow) => Record<string, string>;
  /** Called when power work a status waits for is done (release: the machine is off). */
  readonly confirmed: (systemId: string, work: PowerWork) => Promise<void>;
}

/**
 * Runs power work for the lifecycle after its transaction committed. Only the manual driver
 * exists until the rack and power issues land, and it never waits on a BMC, so the work runs
 * right away in this process; the job queue takes this place when real drivers arrive.
 */
export class PowerService implements PowerWorkSink {
  constructor(private readonly deps: PowerServiceDeps) {}

  async enqueue(systemId: string, work: PowerWork): Promise<void> {
    const row = await this.deps.db
      .selectFrom('machines')
      .selectAll()
      .where('system_id', '=', systemId)
      .executeTakeFirst();
    if (!row) return;
    const control = this.controlFor(row);
    const params = this.deps.parameters(row);
    if (work === 'off') await control.off(params);
    else await control.on(params);
    const state = await control.query(params);
    await this.deps.db
      .updateTable('machines')
      .set({ power_state: state, power_state_updated: new Date() })
      .where('id', '=', row.id)
      .execute();
    const status = statusFromValue(row.status);
    if (work === 'off' && (status === 'RELEASING' || status === 'EXITING_RESCUE_MODE'))
      await this.deps.confirmed(systemId, work);
  }

  /** `query_power_state`: asks the driver and records what it says. */
  async query(row: MachineRow): Promise<PowerState> {
    const state = await this.controlFor(row).query(this.deps.parameters(row));
    await this.deps.db
      .updateTable('machines')
      .set({ power_state: state, power_state_updated: new Date() })
      .where('id', '=', row.id)
      .execute();
    return state;
  }

  private controlFor(row: MachineRow): PowerControl {
    const control = this.deps.control(row.power_type || 'manual');
    if (!control)
      throw new AppError(
        'validation_failed',
        `Power type '${row.power_type}' of machine ${row.hostname} is not supported yet; only 'manual' is.`,
      );
    return control;
  }
}
