import { invalidChoice, normaliseMac } from '@ferrum/domain';
import type { FieldErrors } from './field-errors.js';

/**
 * The request fields an interface operation reads, as a form gives them (every key may repeat).
 * The MAAS adapter's form parameters are one; the service depends on nothing more.
 */
export interface FieldReader {
  get(key: string): string | undefined;
  getAll(key: string): string[];
  has(key: string): boolean;
}

/** Django's messages the interface forms give. */
export const REQUIRED = 'This field is required.';
export const BLANK = 'This field cannot be blank.';
export const INVALID_CHOICE = 'Select a valid choice. That choice is not one of the available choices.';

/** MAAS's bond and bridge choices (maasserver/enum.py), the first of each being the default. */
export const bondModes = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;
export const bondLacpRates = ['fast', 'slow'] as const;
export const bondXmitHashPolicies = ['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4'] as const;
export const bridgeTypes = ['standard', 'ovs'] as const;

/** A value given and not empty, else undefined (Django treats '' as not given). */
export function given(fields: FieldReader, key: string): string | undefined {
  const value = fields.get(key)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Tags as MAAS's interface forms take them: repeated keys and/or comma-separated values. */
export function readTags(fields: FieldReader): string[] | undefined {
  if (!fields.has('tags')) return undefined;
  const tags: string[] = [];
  for (const value of fields.getAll('tags'))
    for (const tag of value.split(',')) {
      const t = tag.trim();
      if (t !== '' && !tags.includes(t)) tags.push(t);
    }
  return tags;
}

/** A whole number field with Django's IntegerField messages; undefined when not given. */
export function readInt(
  fields: FieldReader,
  key: string,
  errors: FieldErrors,
  bounds: { readonly min?: number; readonly max?: number } = {},
): number | undefined {
  const value = given(fields, key);
  if (value === undefined) return undefined;
  if (!/^[-+]?\d+$/.test(value)) {
    errors.add(key, 'Enter a whole number.');
    return undefined;
  }
  const n = Number(value);
  if (bounds.min !== undefined && n < bounds.min) {
    errors.add(key, `Ensure this value is greater than or equal to ${String(bounds.min)}.`);
    return undefined;
  }
  if (bounds.max !== undefined && n > bounds.max) {
    errors.add(key, `Ensure this value is less than or equal to ${String(bounds.max)}.`);
    return undefined;
  }
  return n;
}

/**
 * A boolean field as Django's NullBooleanField and BooleanField read form values: true/1/on/yes,
 * false/0/off/no; undefined when not given.
 */
export function readBool(fields: FieldReader, key: string, errors: FieldErrors): boolean | undefined {
  const value = given(fields, key)?.toLowerCase();
  if (value === undefined) return undefined;
  if (['true', '1', 'on', 'yes'].includes(value)) return true;
  if (['false', '0', 'off', 'no'].includes(value)) return false;
  errors.add(key, `'${fields.get(key) ?? ''}' is not a valid boolean.`);
  return undefined;
}

/** One of `choices`, with MAAS's compose_invalid_choice_text message; undefined when not given. */
export function readChoice<T extends string>(
  fields: FieldReader,
  key: string,
  choices: readonly T[],
  errors: FieldErrors,
): T | undefined {
  const value = given(fields, key);
  if (value === undefined) return undefined;
  const found = choices.find((c) => c === value);
  if (found === undefined) errors.add(key, invalidChoice(value, key, choices));
  return found;
}

/** A MAC address, normalised; MAAS's message when it is not one. */
export function readMac(fields: FieldReader, key: string, errors: FieldErrors): string | undefined {
  const value = given(fields, key);
  if (value === undefined) return undefined;
  const mac = normaliseMac(value);
  if (mac === undefined) errors.add(key, `'${value}' is not a valid MAC address.`);
  return mac;
}

/** An interface name: Linux allows any but whitespace and '/' (MAAS stores up to 255 characters). */
export function readName(fields: FieldReader, errors: FieldErrors): string | undefined {
  const value = given(fields, 'name');
  if (value === undefined) return undefined;
  if (value.length > 255) errors.add('name', 'Ensure this value has at most 255 characters.');
  else if (/[\s/:]/.test(value)) errors.add('name', `'${value}' is not a valid interface name.`);
  else return value;
  return undefined;
}

/**
 * The ids of a ModelMultipleChoiceField (`parents`), as numbers; Django's messages for one
 * that is not a number. Whether each names one of the node's interfaces is the caller's check.
 */
export function readIds(fields: FieldReader, key: string, errors: FieldErrors): number[] | undefined {
  if (!fields.has(key)) return undefined;
  const ids: number[] = [];
  for (const raw of fields.getAll(key))
    for (const part of raw.split(',')) {
      const value = part.trim();
      if (value === '') continue;
      if (!/^\d{1,9}$/.test(value)) {
        errors.add(key, `\u201c${value}\u201d is not a valid value.`);
        return undefined;
      }
      const id = Number(value);
      if (!ids.includes(id)) ids.push(id);
    }
  return ids;
}

/**
 * The interface params common to every type (MAAS's InterfaceForm.set_extra_parameters): mtu
 * (at least 552, Linux's floor), accept_ra, autoconf. An empty value removes the key.
 */
export function readCommonParams(
  fields: FieldReader,
  errors: FieldErrors,
): { set: Record<string, unknown>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  const mtu = readInt(fields, 'mtu', errors, { min: 552, max: 65535 });
  if (mtu !== undefined) set['mtu'] = mtu;
  for (const key of ['accept_ra', 'autoconf']) {
    const value = readBool(fields, key, errors);
    if (value !== undefined) set[key] = value;
  }
  for (const key of ['mtu', 'accept_ra', 'autoconf']) if (fields.get(key) === '') unset.push(key);
  return { set, unset };
}

/** A bond's bond_* params; on create every one, its default where not given (MAAS's initial values). */
export function readBondParams(
  fields: FieldReader,
  errors: FieldErrors,
  creating: boolean,
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    bond_mode: readChoice(fields, 'bond_mode', bondModes, errors),
    bond_miimon: readInt(fields, 'bond_miimon', errors, { min: 0 }),
    bond_downdelay: readInt(fields, 'bond_downdelay', errors, { min: 0 }),
    bond_updelay: readInt(fields, 'bond_updelay', errors, { min: 0 }),
    bond_num_grat_arp: readInt(fields, 'bond_num_grat_arp', errors, { min: 0, max: 255 }),
    bond_lacp_rate: readChoice(fields, 'bond_lacp_rate', bondLacpRates, errors),
    bond_xmit_hash_policy: readChoice(fields, 'bond_xmit_hash_policy', bondXmitHashPolicies, errors),
  };
  const defaults: Record<string, unknown> = {
    bond_mode: bondModes[0],
    bond_miimon: 100,
    bond_downdelay: 0,
    bond_updelay: 0,
    bond_num_grat_arp: 1,
    bond_lacp_rate: bondLacpRates[0],
    bond_xmit_hash_policy: bondXmitHashPolicies[0],
  };
  return withDefaults(values, defaults, creating);
}

/** A bridge's bridge_* params; on create every one, its default where not given. */
export function readBridgeParams(
  fields: FieldReader,
  errors: FieldErrors,
  creating: boolean,
): Record<string, unknown> {
  const values: Record<string, unknown> = {
    bridge_type: readChoice(fields, 'bridge_type', bridgeTypes, errors),
    bridge_stp: readBool(fields, 'bridge_stp', errors),
    bridge_fd: readInt(fields, 'bridge_fd', errors, { min: 0 }),
  };
  return withDefaults(values, { bridge_type: bridgeTypes[0], bridge_stp: false, bridge_fd: 15 }, creating);
}

function withDefaults(
  values: Record<string, unknown>,
  defaults: Record<string, unknown>,
  creating: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) out[key] = value;
    else if (creating) out[key] = defaults[key];
  }
  return out;
}
