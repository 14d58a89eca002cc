import type { NodeStatus } from './node-status.js';

/** What a machine's network boot brings up (MAAS get_boot_purpose). */
export type BootPurpose = 'commissioning' | 'xinstall' | 'local' | 'poweroff';

// Statuses that PXE-boot the ephemeral environment.
const commissioningLike: readonly NodeStatus[] = [
  'NEW',
  'COMMISSIONING',
  'DISK_ERASING',
  'ENTERING_RESCUE_MODE',
  'RELEASING',
  'RESCUE_MODE',
  'TESTING',
];

/**
 * The boot purpose of a known machine: the ephemeral environment while commissioning-like,
 * the installer while deploying with netboot on, its own disk once deployed, else power off.
 * (An unknown MAC is enlisted: `commissioning` with the enlistment preseed, decided by the caller.)
 */
export function bootPurpose(status: NodeStatus, netboot: boolean): BootPurpose {
  if (commissioningLike.includes(status)) return 'commissioning';
  if (status === 'DEPLOYING') return netboot ? 'xinstall' : 'local';
  if (status === 'DEPLOYED') return 'local';
  return 'poweroff';
}
