// MAAS's built-in release script (reference §7.1), written for Ferrum.

const wipeDisks = String.raw`#!/bin/sh
# --- Start MAAS 1.0 script metadata ---
# name: wipe-disks
# title: Wipe disks
# description: Erase the disks when the machine is released; secure erase where the disk supports it (--secure-erase), only the first and last MiB (--quick-erase), else every block overwritten with zeros.
# script_type: release
# hardware_type: storage
# parallel: disabled
# timeout: 0
# destructive: true
# parameters:
#   secure_erase: {type: boolean, default: false, argument_format: "--secure-erase"}
#   quick_erase: {type: boolean, default: false, argument_format: "--quick-erase"}
# --- End MAAS 1.0 script metadata ---
secure=no
quick=no
for arg in "$@"; do
    case "$arg" in
        --secure-erase) secure=yes ;;
        --quick-erase) quick=yes ;;
    esac
done
status=0
for disk in $(lsblk -dnpo NAME,TYPE | awk '$2 == "disk" {print $1}'); do
    echo "Erasing $disk"
    if [ "$secure" = yes ] && blkdiscard --secure "$disk" 2>/dev/null; then
        echo "$disk: secure discard done"
        continue
    fi
    if [ "$quick" = yes ]; then
        size_mib=$(($(blockdev --getsize64 "$disk") / 1048576))
        dd if=/dev/zero of="$disk" bs=1M count=1 conv=fsync status=none || status=1
        dd if=/dev/zero of="$disk" bs=1M count=1 seek=$((size_mib - 1)) conv=fsync status=none || status=1
        echo "$disk: quick erase done"
        continue
    fi
    dd if=/dev/zero of="$disk" bs=4M conv=fsync status=progress 2>&1 | tail -n 1
    # dd ends with "No space left on device" when the disk is full: that is success.
    echo "$disk: overwritten"
done
exit $status
`;

/** The built-in release scripts, each with its embedded metadata. */
export const builtinReleaseScripts: readonly string[] = [wipeDisks];
