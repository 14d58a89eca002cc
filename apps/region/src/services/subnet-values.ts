import type { Kysely } from 'kysely';
import { AppError, checkSubnetFields, formatCidr, formatIp, type Cidr } from '@ferrum/domain';
import type { Database, FabricRow, SubnetRow, VlanRow } from '../db/schema.js';
import { parseBootArchitectures } from './boot-architectures.js';
import { FieldErrors } from './field-errors.js';
import { findFabric, parseNetworkId } from './network-lookup.js';
import { vlanLabel } from './vlan-service.js';
import { loadVlanView } from './vlan-views.js';

/** Subnet fields as a form sends them; undefined = not sent. */
export interface SubnetInput {
  readonly cidr?: string | undefined;
  readonly name?: string | undefined;
  readonly description?: string | undefined;
  readonly vlan?: string | undefined;
  readonly fabric?: string | undefined;
  readonly vid?: string | undefined;
  /** MAAS refuses `space` on subnets (it belongs to the VLAN); only whether it was sent matters. */
  readonly space?: string | undefined;
  readonly gatewayIp?: string | undefined;
  /** Every `dns_servers` value; each may hold several addresses separated by commas or spaces. */
  readonly dnsServers?: readonly string[] | undefined;
  readonly rdnsMode?: string | undefined;
  readonly allowDns?: string | undefined;
  readonly allowProxy?: string | undefined;
  readonly managed?: string | undefined;
  readonly activeDiscovery?: string | undefined;
  readonly disabledBootArchitectures?: readonly string[] | undefined;
}

/** The columns of a subnet as they will be written, and its CIDR as a value. */
export interface SubnetValues {
  readonly name: string;
  readonly description: string;
  readonly vlan_id: number;
  readonly cidr: string;
  readonly gateway_ip: string | null;
  readonly dns_servers: string[];
  readonly rdns_mode: number;
  readonly allow_dns: boolean;
  readonly allow_proxy: boolean;
  readonly managed: boolean;
  readonly active_discovery: boolean;
  readonly disabled_boot_architectures: string[];
  readonly parsedCidr: Cidr;
}

const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';
/** MAAS's SUBNET_NAME_VALIDATOR `^[.: \w/-]+$`, with Python's Unicode `\w`. */
const namePattern = /^[.: \p{L}\p{N}_/-]+$/u;
const NAME_MAX = 255;

/** allow_dns and allow_proxy, as SubnetForm.clean reads them: true only for true, t or 1. */
function truthy(value: string | undefined, fallback: boolean): boolean {
  return value === undefined ? fallback : ['true', 't', '1'].includes(value.toLowerCase());
}

/**
 * managed and active_discovery, as Django's BooleanField reads a form value: false for `false`
 * and for an empty value, true otherwise. Ferrum also reads `0` as false (Django takes it as true,
 * which no client sending managed=0 means).
 */
function checkbox(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return !['false', '0', ''].includes(value.toLowerCase());
}

/** Django's IntegerField for `vid` (min 0, max 4094). */
function parseVid(errors: FieldErrors, text: string | undefined): number | undefined {
  const value = text?.trim() ?? '';
  if (value === '') return undefined;
  if (!/^[+-]?\d+$/.test(value)) {
    errors.add('vid', 'Enter a whole number.');
    return undefined;
  }
  const vid = Number(value);
  if (vid < 0) errors.add('vid', 'Ensure this value is greater than or equal to 0.');
  else if (vid > 4094) errors.add('vid', 'Ensure this value is less than or equal to 4094.');
  else return vid;
  return undefined;
}

function checkName(errors: FieldErrors, name: string): void {
  if (name.length > NAME_MAX)
    errors.add('name', `Ensure this value has at most ${NAME_MAX} characters (it has ${name.length}).`);
  else if (!namePattern.test(name)) errors.add('name', 'Enter a valid value.');
}

/**
 * Reads a new subnet's or a subnet change's fields as MAAS's SubnetForm and Subnet model do,
 * with their messages, collecting every field's errors before failing (400 by field). A field not
 * sent keeps the current value (or MAAS's default on create). On create the VLAN may be named
 * by `vlan`, by `fabric` and `vid`, or not at all (the default fabric's untagged VLAN); on update
 * only `vlan` moves a subnet, as in MAAS.
 */
export async function resolveSubnetValues(
  db: Kysely<Database>,
  current: SubnetRow | undefined,
  input: SubnetInput,
): Promise<SubnetValues> {
  const errors = new FieldErrors();
  if (input.space !== undefined) {
    errors.add('space', 'Spaces may no longer be set on subnets. Set the space on the underlying VLAN.');
  }
  const checked = checkSubnetFields({
    cidr: input.cidr ?? current?.cidr ?? '',
    gatewayIp: input.gatewayIp ?? current?.gateway_ip ?? undefined,
    dnsServers: input.dnsServers,
  });
  errors.addAll(checked.errors);
  const cidr = checked.cidr === undefined ? undefined : formatCidr(checked.cidr);

  const rdns = input.rdnsMode;
  let rdnsMode = current?.rdns_mode ?? 2;
  if (rdns !== undefined && rdns !== '') {
    if (['0', '1', '2'].includes(rdns)) rdnsMode = Number(rdns);
    else errors.add('rdns_mode', `Select a valid choice. ${rdns} is not one of the available choices.`);
  }

  let bootArchitectures = current?.disabled_boot_architectures ?? [];
  if (input.disabledBootArchitectures !== undefined) {
    const parsed = parseBootArchitectures(input.disabledBootArchitectures);
    for (const message of parsed.errors) errors.add('disabled_boot_architectures', message);
    bootArchitectures = parsed.names;
  }

  const vlanId = current
    ? await vlanForUpdate(db, errors, current, input.vlan)
    : await vlanForCreate(db, errors, input);

  const requested = input.name?.trim();
  let name = requested ?? current?.name ?? '';
  if (requested !== undefined && requested !== '') checkName(errors, requested);
  // An unnamed subnet is named after its CIDR, and one named after its CIDR follows it (_clean_name).
  if (
    cidr !== undefined &&
    (name === '' || (current !== undefined && name === current.name && name === current.cidr))
  )
    name = cidr;

  errors.throwIfAny();
  if (checked.cidr === undefined || cidr === undefined || vlanId === undefined)
    throw new AppError('internal', 'subnet values resolved without a CIDR or VLAN');
  const gatewayText = (input.gatewayIp ?? current?.gateway_ip ?? '').trim();
  return {
    name,
    description: input.description?.trim() ?? current?.description ?? '',
    vlan_id: vlanId,
    cidr,
    gateway_ip: gatewayText === '' || checked.gatewayIp === undefined ? null : formatIp(checked.gatewayIp),
    dns_servers: checked.dnsServers?.map(formatIp) ?? current?.dns_servers ?? [],
    rdns_mode: rdnsMode,
    allow_dns: truthy(input.allowDns, current?.allow_dns ?? true),
    allow_proxy: truthy(input.allowProxy, current?.allow_proxy ?? true),
    managed: checkbox(input.managed, current?.managed ?? true),
    active_discovery: checkbox(input.activeDiscovery, current?.active_discovery ?? false),
    disabled_boot_architectures: bootArchitectures,
    parsedCidr: checked.cidr,
  };
}

async function vlanById(db: Kysely<Database>, text: string): Promise<VlanRow | undefined> {
  const id = parseNetworkId(text.trim());
  if (id === undefined) return undefined;
  return db.selectFrom('vlans').selectAll().where('id', '=', id).executeTakeFirst();
}

async function vlanForUpdate(
  db: Kysely<Database>,
  errors: FieldErrors,
  current: SubnetRow,
  vlanText: string | undefined,
): Promise<number | undefined> {
  if (vlanText === undefined || vlanText.trim() === '') return current.vlan_id;
  const vlan = await vlanById(db, vlanText);
  if (!vlan) errors.add('vlan', INVALID_CHOICE);
  return vlan?.id;
}

/** The fabric's default VLAN (MAAS's Fabric.get_default_vlan: the lowest id). */
async function defaultVlanOf(db: Kysely<Database>, fabricId: number): Promise<VlanRow | undefined> {
  return db
    .selectFrom('vlans')
    .selectAll()
    .where('fabric_id', '=', fabricId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** MAAS's Fabric.__str__, as its messages show a fabric. */
const fabricText = (fabric: FabricRow): string => `name=${fabric.name}`;

/** SubnetForm._clean_vlan: the VLAN a new subnet goes on. */
async function vlanForCreate(
  db: Kysely<Database>,
  errors: FieldErrors,
  input: SubnetInput,
): Promise<number | undefined> {
  const vid = parseVid(errors, input.vid);
  let vlan: VlanRow | undefined;
  if (input.vlan !== undefined && input.vlan.trim() !== '') {
    vlan = await vlanById(db, input.vlan);
    if (!vlan) errors.add('vlan', INVALID_CHOICE);
  }
  let fabric: FabricRow | undefined;
  if (input.fabric !== undefined && input.fabric.trim() !== '') {
    fabric = await findFabric(db, input.fabric.trim()).catch(() => undefined);
    if (!fabric) errors.add('fabric', INVALID_CHOICE);
  }
  if (errors.has('vlan') || errors.has('fabric') || errors.has('vid')) return undefined;
  if (fabric === undefined) {
    if (vlan !== undefined) return vlan.id;
    // `not vid` in MAAS: vid 0 also means the fabric's default VLAN.
    if (!vid) return (await defaultVlanOf(db, 0))?.id;
    const found = await db
      .selectFrom('vlans')
      .select('id')
      .where('fabric_id', '=', 0)
      .where('vid', '=', vid)
      .executeTakeFirst();
    if (!found) errors.add('vid', `No VLAN with vid ${vid} in default fabric.`);
    return found?.id;
  }
  if (vlan === undefined) {
    if (!vid) return (await defaultVlanOf(db, fabric.id))?.id;
    const found = await db
      .selectFrom('vlans')
      .select('id')
      .where('fabric_id', '=', fabric.id)
      .where('vid', '=', vid)
      .executeTakeFirst();
    if (!found) errors.add('vid', `No VLAN with vid ${vid} in fabric ${fabricText(fabric)}.`);
    return found?.id;
  }
  if (vlan.fabric_id !== fabric.id) {
    const view = await loadVlanView(db, vlan.id);
    const label = view ? vlanLabel(view.fabricName, view) : String(vlan.id);
    errors.add('vlan', `VLAN ${label} is not in fabric ${fabricText(fabric)}.`);
    return undefined;
  }
  return vlan.id;
}
