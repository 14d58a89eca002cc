import type { PowerState } from '@ferrum/protocol';

/** The states `virsh domstate` prints (libvirt's virDomainState, in virsh's words). */
export type DomainState =
  'running' | 'idle' | 'paused' | 'in shutdown' | 'shut off' | 'crashed' | 'pmsuspended' | 'no state';

// MAAS's VM_STATE_TO_POWER_STATE, but for `idle` (libvirt's BLOCKED: running, its vCPUs
// waiting on I/O), which MAAS calls off: a machine that runs is on. Paused and suspended
// domains are off as in MAAS — the machine does nothing — and `on` resumes or wakes them.
const powerOf: Readonly<Record<DomainState, PowerState>> = {
  running: 'on',
  idle: 'on',
  'in shutdown': 'on',
  paused: 'off',
  pmsuspended: 'off',
  'shut off': 'off',
  crashed: 'off',
  'no state': 'unknown',
};

/** `virsh domstate` output (`running`, `shut off (destroyed)`, …) as a domain state, if it is one. */
export function parseDomainState(output: string): DomainState | undefined {
  // `--reason` adds " (why)"; older virsh says "blocked" where newer says "idle".
  const text = (output.trim().split('\n')[0] ?? '')
    .replace(/\s*\(.*\)$/, '')
    .trim()
    .toLowerCase();
  const state = text === 'blocked' ? 'idle' : text;
  return Object.hasOwn(powerOf, state) ? (state as DomainState) : undefined;
}

/** What a domain state means for the machine's power. */
export function powerStateOf(state: DomainState): PowerState {
  return powerOf[state];
}
