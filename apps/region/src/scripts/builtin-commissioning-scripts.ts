// MAAS's built-in commissioning scripts (reference §7.1), written for Ferrum: each is the text
// the machine runs, with MAAS's embedded metadata header. Numbered ones run in name order, one
// at a time; the maas-* ones may run alongside others. Scripts share what they collect through
// /run/maas-commissioning (the runner gives each its own working directory).
// Written with String.raw so shell backslashes stay as they are; no `${` appears in them.

const installLldpd = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 20-maas-01-install-lldpd
# title: Install lldpd
# description: Install and start lldpd so that LLDP neighbours are captured while commissioning.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 30
# packages: {apt: lldpd}
# --- End MAAS 1.0 script metadata ---
set -e
if ! command -v lldpd >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q lldpd
fi
# Listen only: the machine does not advertise itself while commissioning.
lldpd -r -c -f -s 2>/dev/null || lldpd -r
echo "lldpd started (receive only)"
`;

const dhcpUnconfigured = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 20-maas-02-dhcp-unconfigured-ifaces
# title: Enable DHCP on unconfigured interfaces
# description: Bring up every physical interface without an IPv4 address and ask for DHCP on it, so the networks it is connected to are discovered.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 10
# --- End MAAS 1.0 script metadata ---
for path in /sys/class/net/*; do
    iface=$(basename "$path")
    # Physical interfaces only: they have a device link.
    [ -e "$path/device" ] || continue
    if ip -4 -o addr show dev "$iface" | grep -q inet; then
        echo "$iface: already configured"
        continue
    fi
    ip link set dev "$iface" up
    if command -v dhclient >/dev/null 2>&1; then
        dhclient -4 -nw "$iface" && echo "$iface: DHCP requested"
    elif command -v dhcpcd >/dev/null 2>&1; then
        dhcpcd -4 -b "$iface" && echo "$iface: DHCP requested"
    else
        echo "$iface: no DHCP client available" >&2
    fi
done
exit 0
`;

const machineResources = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 20-maas-03-machine-resources
# title: Gather machine resources
# description: Run machine-resources (LXD's resources API as JSON, with CPU, memory, NUMA, disks, NICs, PCI, USB and DMI) and keep its output for 50-maas-01-commissioning.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 60
# --- End MAAS 1.0 script metadata ---
set -e
mkdir -p /run/maas-commissioning
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
binary=$(command -v machine-resources || true)
if [ -z "$binary" ] && [ -x "/usr/share/maas/machine-resources/$arch" ]; then
    binary="/usr/share/maas/machine-resources/$arch"
fi
if [ -z "$binary" ] && [ -n "$MAAS_BASE_URL" ]; then
    binary=/run/maas-commissioning/machine-resources
    curl -sSfL -o "$binary" "$MAAS_BASE_URL/machine-resources/$arch"
    chmod 755 "$binary"
fi
if [ -z "$binary" ]; then
    echo "machine-resources for $arch is not available in this environment" >&2
    exit 1
fi
"$binary" > /run/maas-commissioning/resources.json
cat /run/maas-commissioning/resources.json
`;

const bmcConfig = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 30-maas-01-bmc-config
# title: Detect the BMC
# description: Detect an IPMI BMC and report its LAN settings (address, MAC, users). Skipped by skip_bmc_config.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 00:05:00
# tags: [bmc-config]
# packages: {apt: ipmitool}
# --- End MAAS 1.0 script metadata ---
modprobe ipmi_devintf 2>/dev/null
modprobe ipmi_si 2>/dev/null
if ! ls /dev/ipmi* >/dev/null 2>&1; then
    echo "No IPMI BMC detected."
    [ -n "$RESULT_PATH" ] && printf 'status: skipped\n' > "$RESULT_PATH"
    exit 0
fi
if ! command -v ipmitool >/dev/null 2>&1; then
    echo "ipmitool is not installed: cannot read the BMC" >&2
    exit 1
fi
set -e
ipmitool mc info
for channel in 1 2 3 8; do
    if ipmitool lan print "$channel" > /tmp/bmc-lan 2>/dev/null; then
        echo "LAN channel $channel:"
        grep -E 'IP Address|MAC Address|IP Address Source' /tmp/bmc-lan
        break
    fi
done
ipmitool user list 1 || true
`;

const configHints = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 40-maas-01-machine-config-hints
# title: Machine configuration hints
# description: Report the platform, firmware and virtualisation, kept for 50-maas-01-commissioning as machine-extra.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 60
# --- End MAAS 1.0 script metadata ---
set -e
mkdir -p /run/maas-commissioning
firmware=bios
[ -d /sys/firmware/efi ] && firmware=uefi
virt=$(systemd-detect-virt 2>/dev/null || echo none)
platform=generic
case "$(uname -m)" in
    aarch64) [ -e /proc/device-tree/model ] && platform=$(tr -d '\0' < /proc/device-tree/model | tr ' ' '-') ;;
esac
printf '{"platform": "%s", "firmware": "%s", "virtualization": "%s"}\n' "$platform" "$firmware" "$virt" \
    | tee /run/maas-commissioning/machine-extra.json
`;

const commissioning = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: 50-maas-01-commissioning
# title: Commissioning resources
# description: The resources document the region reads the machine's hardware from, machine-resources' JSON with the hints of 40-maas-01-machine-config-hints as machine-extra.
# script_type: commissioning
# hardware_type: node
# parallel: disabled
# timeout: 60
# --- End MAAS 1.0 script metadata ---
set -e
if [ ! -s /run/maas-commissioning/resources.json ]; then
    echo "No resources were gathered (20-maas-03-machine-resources did not run or failed)" >&2
    exit 1
fi
exec python3 -c '
import json
with open("/run/maas-commissioning/resources.json") as f:
    document = json.load(f)
try:
    with open("/run/maas-commissioning/machine-extra.json") as f:
        document["machine-extra"] = json.load(f)
except (OSError, ValueError):
    pass
print(json.dumps(document))
'
`;

const supportInfo = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-support-info
# title: Support information
# description: A support dump of the kernel, OS release, devices, disks, network and recent kernel messages.
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 00:05:00
# --- End MAAS 1.0 script metadata ---
section() { echo; echo "-----BEGIN $1-----"; shift; "$@" 2>&1; echo "-----END-----"; }
section KERNEL uname -a
section OS-RELEASE cat /etc/os-release
section CMDLINE cat /proc/cmdline
section CPUINFO lscpu
section MEMINFO cat /proc/meminfo
section PCI lspci -nnv
section USB lsusb
section BLOCK-DEVICES lsblk -O
section NETWORK ip -d addr
section ROUTES ip route
section DMESG dmesg --ctime
exit 0
`;

const lshw = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-lshw
# title: lshw
# description: The hardware as lshw reports it, in XML (what XPath tag definitions are evaluated against).
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 00:05:00
# packages: {apt: lshw}
# --- End MAAS 1.0 script metadata ---
exec lshw -xml
`;

const modaliases = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-list-modaliases
# title: List modaliases
# description: The modaliases of the machine's devices (vendor and model tags, hardware-specific scripts and drivers).
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 10
# --- End MAAS 1.0 script metadata ---
find /sys/devices -name modalias -type f -exec cat {} + 2>/dev/null | sort -u
`;

const fruid = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-get-fruid-api-data
# title: FRUID API data
# description: The FRU data of switches that expose the FRUID API over their internal USB network (Wedge); nothing on other machines.
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 60
# --- End MAAS 1.0 script metadata ---
if [ ! -e /sys/class/net/usb0 ]; then
    echo "No internal BMC network (usb0): not a FRUID API switch."
    exit 0
fi
ip link set dev usb0 up
exec curl -sS --max-time 30 "http://[fe80::1%usb0]:8080/api/sys/mb/fruid"
`;

const kernelCmdline = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-kernel-cmdline
# title: Kernel command line
# description: The kernel command line, whose BOOTIF names the interface the machine booted from.
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 10
# --- End MAAS 1.0 script metadata ---
exec cat /proc/cmdline
`;

const serialPorts = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-serial-ports
# title: Serial ports
# description: The serial ports the kernel found, with their UART type.
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 10
# --- End MAAS 1.0 script metadata ---
for tty in /sys/class/tty/ttyS* /sys/class/tty/ttyAMA* /sys/class/tty/ttyUSB*; do
    [ -e "$tty/device" ] || continue
    echo "$(basename "$tty") type=$(cat "$tty/type" 2>/dev/null || echo unknown)"
done
exit 0
`;

const captureLldpd = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: maas-capture-lldpd
# title: Capture LLDP neighbours
# description: The LLDP neighbours lldpd heard (switches and their ports), in XML.
# script_type: commissioning
# hardware_type: node
# parallel: any
# timeout: 60
# --- End MAAS 1.0 script metadata ---
if ! command -v lldpcli >/dev/null 2>&1; then
    echo "lldpd is not installed (20-maas-01-install-lldpd did not run)" >&2
    exit 1
fi
# Switches advertise every 30 s: give lldpd that long to hear them.
sleep 30
exec lldpcli -f xml show neighbors
`;

/** The built-in commissioning scripts, each with its embedded metadata. */
export const builtinCommissioningScripts: readonly string[] = [
  installLldpd,
  dhcpUnconfigured,
  machineResources,
  bmcConfig,
  configHints,
  commissioning,
  supportInfo,
  lshw,
  modaliases,
  fruid,
  kernelCmdline,
  serialPorts,
  captureLldpd,
];
