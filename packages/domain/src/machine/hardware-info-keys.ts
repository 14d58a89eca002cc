/**
 * The hardware_info keys MAAS always sends (its NodeMetadata keys from DMI, and cpu_model),
 * "Unknown" until commissioning finds a value.
 */
export const hardwareInfoKeys = [
  'system_vendor',
  'system_product',
  'system_family',
  'system_version',
  'system_sku',
  'system_serial',
  'cpu_model',
  'mainboard_vendor',
  'mainboard_product',
  'mainboard_serial',
  'mainboard_version',
  'mainboard_firmware_vendor',
  'mainboard_firmware_date',
  'mainboard_firmware_version',
  'chassis_vendor',
  'chassis_type',
  'chassis_serial',
  'chassis_version',
] as const;

/** The hardware_info keys the DMI section of the resources document sets: all but cpu_model. */
export const dmiKeys: readonly string[] = hardwareInfoKeys.filter((key) => key !== 'cpu_model');
