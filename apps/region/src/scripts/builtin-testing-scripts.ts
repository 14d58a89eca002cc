// MAAS's built-in tests (reference §7.1), written for Ferrum, each with its embedded metadata.
// A storage test takes its disk as its first argument (MAAS's `storage` parameter, passed as
// the device path) and tests every disk when given none; a network test takes its interface
// the same way. Written with String.raw so shell backslashes stay as they are.

/** Shell that sets $disks to the argument, or every disk of the machine. */
const disks = String.raw`if [ -n "$1" ]; then disks="$1"; else disks=$(lsblk -dnpo NAME,TYPE | awk '$2 == "disk" {print $1}'); fi
[ -n "$disks" ] || { echo "No disks to test."; exit 0; }`;

/** Shell that runs `body` for each $disk with SMART enabled; the script exits 1 when a body set status=1. */
function onSmartDisks(body: string): string {
  return String.raw`${disks}
status=0
for disk in $disks; do
    if ! smartctl -i "$disk" | grep -q 'SMART support is: Enabled'; then
        echo "$disk: SMART is not supported or not enabled, skipped"
        continue
    fi
${body}
done
exit $status`;
}

const storageParameter = '# parameters: {storage: {type: storage, argument_format: "{path}"}}';

function smartctlTest(kind: 'short' | 'long' | 'conveyance', timeout: string, description: string): string {
  return String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: smartctl-${kind}
# title: Storage integrity (${kind} SMART self-test)
# description: ${description}
# script_type: testing
# hardware_type: storage
# parallel: instance
# timeout: ${timeout}
# tags: [storage]
${storageParameter}
# packages: {apt: smartmontools}
# --- End MAAS 1.0 script metadata ---
${onSmartDisks(String.raw`    smartctl -t ${kind} "$disk" > /dev/null || { status=1; continue; }
    # Poll until the self-test is no longer in progress.
    while smartctl -c "$disk" | grep -q 'Self-test routine in progress'; do sleep 30; done
    smartctl -l selftest "$disk"
    smartctl -H "$disk" || status=1`)}
`;
}

const smartctlValidate = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: smartctl-validate
# title: Storage status
# description: Check the SMART health status of the disks (smartctl -H); run with commissioning by default.
# script_type: testing
# hardware_type: storage
# parallel: instance
# timeout: 00:05:00
# tags: [storage, commissioning]
${storageParameter}
# packages: {apt: smartmontools}
# --- End MAAS 1.0 script metadata ---
${onSmartDisks(String.raw`    smartctl -H "$disk" || status=1`)}
`;

const memtester = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: memtester
# title: Memory integrity
# description: Test the memory with memtester (one pass over all free memory but 32 MiB).
# script_type: testing
# hardware_type: memory
# parallel: disabled
# timeout: 0
# tags: [memory]
# packages: {apt: memtester}
# --- End MAAS 1.0 script metadata ---
free_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
test_mib=$((free_kib / 1024 - 32))
[ "$test_mib" -gt 0 ] || { echo "Not enough free memory to test" >&2; exit 1; }
exec memtester "$test_mib"M 1
`;

function stressNg(what: 'cpu' | 'memory', length: 'short' | 'long'): string {
  const run = length === 'short' ? '2m' : '12h';
  const timeout = length === 'short' ? '00:05:00' : '14:00:00';
  const stressor = what === 'cpu' ? '--matrix 0 --ignite-cpu' : '--vm 0 --vm-bytes 75% --vm-keep --page-in';
  return String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: stress-ng-${what}-${length}
# title: ${what === 'cpu' ? 'CPU' : 'Memory'} validation (${length})
# description: Stress the ${what === 'cpu' ? 'CPUs' : 'memory'} with stress-ng for ${run}, verifying results.
# script_type: testing
# hardware_type: ${what}
# parallel: disabled
# timeout: ${timeout}
# tags: [${what}]
# packages: {apt: stress-ng}
# --- End MAAS 1.0 script metadata ---
exec stress-ng ${stressor} --verify --metrics-brief --times --timeout ${run}
`;
}

const ntp = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: ntp
# title: NTP validation
# description: Check that the clock is synchronised with NTP.
# script_type: testing
# hardware_type: node
# parallel: any
# timeout: 60
# tags: [network, ntp]
# --- End MAAS 1.0 script metadata ---
if command -v chronyc >/dev/null 2>&1; then
    chronyc -a 'burst 4/4' >/dev/null 2>&1; sleep 10
    chronyc tracking
    chronyc tracking | grep -q 'Leap status *: Normal'
elif command -v ntpq >/dev/null 2>&1; then
    ntpq -pn
    ntpq -pn | grep -q '^\*'
else
    timedatectl show -p NTPSynchronized
    timedatectl show -p NTPSynchronized --value | grep -q yes
fi
`;

function badblocks(destructive: boolean): string {
  return String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: badblocks${destructive ? '-destructive' : ''}
# title: Storage integrity (badblocks${destructive ? ', destructive' : ''})
# description: Scan the disks for bad blocks with badblocks ${destructive ? 'in write mode (ALL DATA ON THEM IS DESTROYED)' : 'in non-destructive read-write mode'}.
# script_type: testing
# hardware_type: storage
# parallel: instance
# timeout: 0
# destructive: ${destructive ? 'true' : 'false'}
# tags: [storage]
${storageParameter}
# packages: {apt: e2fsprogs}
# --- End MAAS 1.0 script metadata ---
${disks}
status=0
for disk in $disks; do
    block_size=$(blockdev --getbsz "$disk")
    badblocks -b "$block_size" -s -v ${destructive ? '-w' : '-n'} "$disk" || status=1
done
exit $status
`;
}

const sevenZip = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 7z
# title: CPU benchmark (7z)
# description: Benchmark the CPUs with 7-Zip's built-in benchmark.
# script_type: testing
# hardware_type: cpu
# parallel: disabled
# timeout: 00:05:00
# tags: [cpu]
# packages: {apt: p7zip-full}
# --- End MAAS 1.0 script metadata ---
exec 7z b
`;

const fio = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: fio
# title: Storage benchmark (fio)
# description: Benchmark random and sequential reads and writes on the disks with fio, directly on the device (ALL DATA ON THEM IS DESTROYED).
# script_type: testing
# hardware_type: storage
# parallel: instance
# timeout: 0
# destructive: true
# tags: [storage]
${storageParameter}
# packages: {apt: fio}
# --- End MAAS 1.0 script metadata ---
${disks}
status=0
for disk in $disks; do
    for mode in randread randwrite read write; do
        fio --name="$mode" --filename="$disk" --rw="$mode" --bs=4k --iodepth=64 --ioengine=libaio \
            --direct=1 --runtime=60 --time_based --group_reporting || status=1
    done
done
exit $status
`;

const interfaceParameter = '#   interface: {type: interface, argument_format: "{name}"}';

const internetConnectivity = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: internet-connectivity
# title: Internet connectivity
# description: Check that a URL on the Internet can be fetched (through the interface given, else any).
# script_type: testing
# hardware_type: network
# parallel: instance
# timeout: 00:05:00
# apply_configured_networking: true
# tags: [network, internet]
# parameters:
${interfaceParameter}
#   url: {type: url, default: "https://connectivity-check.ubuntu.com", argument_format: "{input}"}
# --- End MAAS 1.0 script metadata ---
iface="$1"
url="$2"
[ -n "$url" ] || url=https://connectivity-check.ubuntu.com
if [ -n "$iface" ]; then
    exec curl -sS -o /dev/null -w '%{http_code} %{url_effective}\n' --max-time 60 --interface "$iface" "$url"
fi
exec curl -sS -o /dev/null -w '%{http_code} %{url_effective}\n' --max-time 60 "$url"
`;

const gatewayConnectivity = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: gateway-connectivity
# title: Gateway connectivity
# description: Check that the default gateway (of the interface given, else of the machine) answers ping.
# script_type: testing
# hardware_type: network
# parallel: instance
# timeout: 00:05:00
# apply_configured_networking: true
# tags: [network]
# parameters:
${interfaceParameter}
# --- End MAAS 1.0 script metadata ---
if [ -n "$1" ]; then
    gateway=$(ip route show default dev "$1" | awk '{print $3; exit}')
else
    gateway=$(ip route show default | awk '{print $3; exit}')
fi
[ -n "$gateway" ] || { echo "No default gateway" >&2; exit 1; }
exec ping -c 3 -W 5 "$gateway"
`;

const rackConnectivity = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: rack-controller-connectivity
# title: Rack controller connectivity
# description: Check that the MAAS metadata service this machine was booted with answers (through the interface given, else any).
# script_type: testing
# hardware_type: network
# parallel: instance
# timeout: 00:05:00
# apply_configured_networking: true
# tags: [network]
# parameters:
${interfaceParameter}
# --- End MAAS 1.0 script metadata ---
url=$(grep -rhoE 'metadata_url: *[^ ]+' /etc/cloud/cloud.cfg.d/ 2>/dev/null | head -n1 | sed 's/metadata_url: *//; s/["'"'"']//g')
[ -n "$url" ] || { echo "The MAAS metadata URL is not in the cloud-init configuration" >&2; exit 1; }
if [ -n "$1" ]; then
    exec curl -sS -o /dev/null -w '%{http_code} %{url_effective}\n' --max-time 60 --interface "$1" "$url"
fi
exec curl -sS -o /dev/null -w '%{http_code} %{url_effective}\n' --max-time 60 "$url"
`;

/** The built-in tests, each with its embedded metadata. */
export const builtinTestingScripts: readonly string[] = [
  smartctlValidate,
  smartctlTest('short', '00:10:00', 'Run the short SMART self-test on the disks and check their health.'),
  smartctlTest('long', '0', 'Run the extended SMART self-test on the disks and check their health.'),
  smartctlTest('conveyance', '0', 'Run the conveyance SMART self-test (damage in transport) on the disks.'),
  memtester,
  stressNg('cpu', 'short'),
  stressNg('cpu', 'long'),
  stressNg('memory', 'short'),
  stressNg('memory', 'long'),
  ntp,
  badblocks(false),
  badblocks(true),
  sevenZip,
  fio,
  internetConnectivity,
  gatewayConnectivity,
  rackConnectivity,
];
