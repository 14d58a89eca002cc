// The boot methods a subnet's DHCP may be told not to answer (MAAS's BootMethodRegistry, as
// listed in maascommon/osystem/bootmethods.py): name and DHCP option 93 client architecture.
// MAAS accepts a method that has an octet or is served over HTTP; `windows` is neither.
const bootMethods: readonly { readonly name: string; readonly octet: string | null }[] = [
  { name: 'ipxe', octet: null },
  { name: 'pxe', octet: '00:00' },
  { name: 'uefi_amd64_tftp', octet: '00:07' },
  { name: 'uefi_amd64_http', octet: '00:10' },
  { name: 'uefi_ebc_tftp', octet: '00:09' },
  { name: 'uefi_arm64_tftp', octet: '00:0B' },
  { name: 'uefi_arm64_http', octet: '00:13' },
  { name: 'open-firmware_ppc64el', octet: '00:0C' },
  { name: 'powernv', octet: '00:0E' },
  { name: 's390x', octet: '00:1F' },
  { name: 's390x_partition', octet: '00:20' },
];

/**
 * Reads `disabled_boot_architectures` as MAAS's SubnetForm does: values separated by commas or
 * spaces, each a boot method's name, its octet (`00:07`) or its IANA hex value (`0x07`); the
 * result is the set of method names, with a message for each unknown value.
 */
export function parseBootArchitectures(values: readonly string[]): { names: string[]; errors: string[] } {
  const names: string[] = [];
  const errors: string[] = [];
  for (const value of values.flatMap((v) => v.split(/[,\s]+/)).filter((v) => v !== '')) {
    const octet = value.replace('0x', '00:');
    const method = bootMethods.find((m) => m.name === value) ?? bootMethods.find((m) => m.octet === octet);
    if (!method) errors.push(`Unknown boot architecture ${value}`);
    else if (!names.includes(method.name)) names.push(method.name);
  }
  return { names, errors };
}
