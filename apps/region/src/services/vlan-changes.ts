import type { Kysely } from 'kysely';
import { AppError, checkObjectName } from '@ferrum/domain';
import type { Database, VlanRow } from '../db/schema.js';
import { parseNetworkId } from './network-lookup.js';

// MAAS's VLANForm (forms/vlan.py) and VLAN.clean (models/vlan.py), read as rules: which values a
// create or update ends with, or the field errors MAAS gives, in its words.

/** VLAN fields as a form sends them; undefined = not sent (the VLAN keeps its value). */
export interface VlanInput {
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly vid?: string | undefined;
  readonly mtu?: string | undefined;
  /** A space's id or name; "" or "undefined" for none. */
  readonly space?: string | undefined;
  /** The id of the VLAN to relay DHCP to; "" for none. */
  readonly relayVlan?: string | undefined;
  readonly dhcpOn?: boolean | undefined;
  /** Rack system_ids; "" for none. */
  readonly primaryRack?: string | undefined;
  readonly secondaryRack?: string | undefined;
}

/** The settable columns of a VLAN, as they will be written. */
export type VlanValues = Pick<
  VlanRow,
  | 'vid'
  | 'name'
  | 'description'
  | 'mtu'
  | 'dhcp_on'
  | 'primary_rack_id'
  | 'secondary_rack_id'
  | 'relay_vlan_id'
  | 'space_id'
>;

const VID_RANGE = 'VID must be between 0 and 4094.';
const WHOLE_NUMBER = 'Enter a whole number.';
const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';

/** Django's IntegerField: optional surrounding whitespace and sign, ASCII digits. */
function parseWhole(text: string): number | undefined {
  return /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : undefined;
}

class FieldErrors {
  readonly all: Record<string, string[]> = {};
  add(field: string, message: string): void {
    (this.all[field] ??= []).push(message);
  }
  get empty(): boolean {
    return Object.keys(this.all).length === 0;
  }
}

interface RackRef {
  readonly id: number;
  readonly systemId: string;
}

/**
 * The values a VLAN has after `input` is applied to `current` (undefined when creating one), or
 * a 400 with every field error. Runs in the caller's transaction: the relay VLAN it accepts is
 * locked (so no relay cycle can form between concurrent updates), and so are the VLAN's subnets
 * when DHCP is to be on (a dynamic range cannot go while the check that needs it runs).
 */
export async function resolveVlanValues(
  trx: Kysely<Database>,
  current: VlanRow | undefined,
  input: VlanInput,
): Promise<VlanValues> {
  const errors = new FieldErrors();
  const values: VlanValues = {
    vid: current?.vid ?? 0,
    name: current?.name ?? null,
    description: current?.description ?? '',
    mtu: current?.mtu ?? 1500,
    dhcp_on: current?.dhcp_on ?? false,
    primary_rack_id: current?.primary_rack_id ?? null,
    secondary_rack_id: current?.secondary_rack_id ?? null,
    relay_vlan_id: current?.relay_vlan_id ?? null,
    space_id: current?.space_id ?? null,
  };

  // vid: required on create; the model's range check runs as well when the field is missing.
  if (input.vid === undefined || input.vid.trim() === '') {
    if (!current || input.vid !== undefined) errors.add('vid', 'This field is required.');
    if (!current) errors.add('vid', VID_RANGE);
  } else {
    const vid = parseWhole(input.vid);
    if (vid === undefined) {
      errors.add('vid', WHOLE_NUMBER);
      if (!current) errors.add('vid', VID_RANGE);
    } else if (vid < 0 || vid > 4094) errors.add('vid', VID_RANGE);
    else values.vid = vid;
  }

  if (input.mtu !== undefined && input.mtu.trim() !== '') {
    const mtu = parseWhole(input.mtu);
    if (mtu === undefined) errors.add('mtu', WHOLE_NUMBER);
    // The form's min_value, then the model's range.
    else if (mtu < 552) errors.add('mtu', 'Ensure this value is greater than or equal to 552.');
    else if (mtu > 65535) errors.add('mtu', 'MTU must be between 552 and 65535.');
    else values.mtu = mtu;
  }

  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') values.name = null;
    else {
      const problem = checkObjectName(name);
      if (problem) errors.add('name', problem);
      else values.name = name;
    }
  }
  if (input.description !== undefined) values.description = input.description;

  if (input.space !== undefined) {
    const key = input.space.trim();
    if (key === '' || key === 'undefined') values.space_id = null;
    else {
      const id = parseNetworkId(key);
      const space = await trx
        .selectFrom('spaces')
        .select('id')
        .where((eb) =>
          id !== undefined ? eb.or([eb('id', '=', id), eb('name', '=', key)]) : eb('name', '=', key),
        )
        .orderBy((eb) =>
          eb
            .case()
            .when('id', '=', id ?? -1)
            .then(0)
            .else(1)
            .end(),
        )
        .executeTakeFirst();
      if (space) values.space_id = space.id;
      else errors.add('space', INVALID_CHOICE);
    }
  }

  const primary = await rackOf(trx, input.primaryRack, errors, 'primary_rack');
  const secondary = await rackOf(trx, input.secondaryRack, errors, 'secondary_rack');
  if (primary !== undefined) values.primary_rack_id = primary?.id ?? null;
  if (secondary !== undefined) values.secondary_rack_id = secondary?.id ?? null;
  if (input.dhcpOn !== undefined) values.dhcp_on = input.dhcpOn;

  if (input.relayVlan !== undefined) {
    if (input.relayVlan.trim() === '') values.relay_vlan_id = null;
    else {
      const relayId = await relayCandidate(trx, current, input.relayVlan.trim());
      if (relayId === undefined) errors.add('relay_vlan', INVALID_CHOICE);
      else values.relay_vlan_id = relayId;
    }
  }

  checkRacks(current, values, secondary, errors);

  // clean_dhcp_on: DHCP needs a dynamic range on one of the VLAN's subnets.
  if (values.dhcp_on && !(current && (await hasDynamicRange(trx, current.id))))
    errors.add('dhcp_on', 'dhcp can only be turned on when a dynamic IP range is defined.');
  if (values.dhcp_on && values.primary_rack_id === null)
    errors.add('__all__', 'dhcp can only be turned on when a primary rack controller is set.');

  if (!errors.empty) throw AppError.invalid(errors.all);
  // A VLAN whose DHCP Ferrum serves relays to no other.
  if (values.dhcp_on) values.relay_vlan_id = null;
  return values;
}

/** The rack named by `systemId`: undefined when not sent, null when cleared. */
async function rackOf(
  trx: Kysely<Database>,
  systemId: string | undefined,
  errors: FieldErrors,
  field: string,
): Promise<RackRef | null | undefined> {
  if (systemId === undefined) return undefined;
  const key = systemId.trim();
  if (key === '') return null;
  const rack = await trx
    .selectFrom('rack_controllers')
    .select(['id', 'system_id'])
    .where('system_id', '=', key)
    .executeTakeFirst();
  if (!rack) {
    errors.add(field, `Select a valid choice. ${key} is not one of the available choices.`);
    return undefined;
  }
  return { id: rack.id, systemId: rack.system_id };
}

/**
 * MAAS's clean() for the racks: removing the primary promotes the secondary; making the
 * secondary the primary drops the secondary; the current primary cannot become the secondary;
 * the two must differ.
 */
function checkRacks(
  current: VlanRow | undefined,
  values: VlanValues,
  secondary: RackRef | null | undefined,
  errors: FieldErrors,
): void {
  const currentPrimary = current?.primary_rack_id ?? null;
  const currentSecondary = current?.secondary_rack_id ?? null;
  if (values.primary_rack_id === null && currentSecondary !== null) {
    values.primary_rack_id = currentSecondary;
    values.secondary_rack_id = null;
  }
  if (values.primary_rack_id !== null && values.primary_rack_id === currentSecondary)
    values.secondary_rack_id = null;
  if (values.secondary_rack_id !== null && values.secondary_rack_id === currentPrimary && secondary) {
    errors.add('__all__', `${secondary.systemId} is already set as the primary rack controller`);
    return;
  }
  if (values.primary_rack_id !== null && values.primary_rack_id === values.secondary_rack_id) {
    errors.add('__all__', 'The primary and secondary rack must be different');
  }
}

/**
 * The id of the VLAN `key` when this VLAN may relay DHCP to it: one that relays to no other,
 * not this one; while this VLAN's DHCP is on, only the relay it has (MAAS's choice list). The
 * chosen VLAN is locked until the transaction ends.
 */
async function relayCandidate(
  trx: Kysely<Database>,
  current: VlanRow | undefined,
  key: string,
): Promise<number | undefined> {
  const id = parseNetworkId(key);
  if (id === undefined || id === current?.id) return undefined;
  if (current?.dhcp_on === true) return id === current.relay_vlan_id ? id : undefined;
  const target = await trx
    .selectFrom('vlans')
    .select(['id', 'relay_vlan_id'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  return target && target.relay_vlan_id === null ? target.id : undefined;
}

async function hasDynamicRange(trx: Kysely<Database>, vlanId: number): Promise<boolean> {
  // The subnets are share-locked: a range service that changes ranges under the subnet's row
  // lock waits for this transaction, so the range checked cannot vanish before it commits.
  await trx.selectFrom('subnets').select('id').where('vlan_id', '=', vlanId).forShare().execute();
  const range = await trx
    .selectFrom('ip_ranges as r')
    .innerJoin('subnets as s', 's.id', 'r.subnet_id')
    .select('r.id')
    .where('s.vlan_id', '=', vlanId)
    .where('r.type', '=', 'dynamic')
    .limit(1)
    .executeTakeFirst();
  return range !== undefined;
}
