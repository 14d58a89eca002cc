import type { JsonObject, ResourceFields } from './lxd-resource-fields.js';

/** What `system` (DMI) says: MAAS's NodeMetadata keys, the hardware UUID, whether it is a VM. */
export interface InventorySystem {
  /** Only the keys with a value (hardware_info shows "Unknown" for the others). */
  readonly hardwareInfo: Readonly<Record<string, string>>;
  /** Null when DMI has none or it is not a UUID (some vendors put the service tag there). */
  readonly hardwareUuid: string | null;
  /** `system.type` is set and is not "physical": MAAS tags the machine `virtual`. */
  readonly virtual: boolean;
}

const uuidPattern = /^[\da-f]{8}-?([\da-f]{4}-?){3}[\da-f]{12}$/i;

/** Placeholders vendors write instead of leaving a DMI field empty (MAAS ignores them). */
const placeholders = new Set(['0123456789', 'none']);

const sections: readonly (readonly [string | undefined, string, readonly string[]])[] = [
  [undefined, 'system', ['vendor', 'product', 'family', 'version', 'sku', 'serial']],
  ['motherboard', 'mainboard', ['vendor', 'product', 'serial', 'version']],
  ['firmware', 'mainboard_firmware', ['vendor', 'date', 'version']],
  ['chassis', 'chassis', ['vendor', 'type', 'serial', 'version']],
];

export function parseSystem(
  fields: ResourceFields,
  system: JsonObject | undefined,
  path: string,
): InventorySystem {
  const hardwareInfo: Record<string, string> = {};
  if (!system) return { hardwareInfo, hardwareUuid: null, virtual: false };
  for (const [section, prefix, keys] of sections) {
    const at = section === undefined ? path : `${path}.${section}`;
    const source = section === undefined ? system : fields.object(system, section, path);
    if (!source) continue;
    for (const key of keys) {
      const value = fields.string(source, key, at)?.trim();
      if (value && !placeholders.has(value.toLowerCase())) hardwareInfo[`${prefix}_${key}`] = value;
    }
  }
  const uuid = fields.string(system, 'uuid', path);
  const type = fields.string(system, 'type', path);
  return {
    hardwareInfo,
    hardwareUuid: uuid !== undefined && uuidPattern.test(uuid) ? uuid.toLowerCase() : null,
    virtual: type !== undefined && type !== '' && type !== 'physical',
  };
}
