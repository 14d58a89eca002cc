import { describe, expect, it } from 'vitest';
import {
  allNodeStatuses,
  simpleStatus,
  statusFromValue,
  statusLabel,
  statusValue,
  type NodeStatus,
} from './node-status.js';
import {
  canTransition,
  checkTransition,
  failedStatusOf,
  initialStatuses,
  monitoredStatuses,
  statusTimeoutMinutes,
  statusTransitions,
} from './status-transitions.js';
import { bootPurpose } from './boot-purpose.js';

describe('node statuses', () => {
  it('are the 23 MAAS statuses numbered 0 to 22, each number once', () => {
    expect(allNodeStatuses).toHaveLength(23);
    expect(allNodeStatuses.map(statusValue).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 23 }, (_, i) => i),
    );
    for (const status of allNodeStatuses) expect(statusFromValue(statusValue(status))).toBe(status);
    expect(statusFromValue(23)).toBeUndefined();
  });

  it.each([
    [0, 'New'],
    [4, 'Ready'],
    [6, 'Deployed'],
    [10, 'Allocated'],
    [13, 'Releasing failed'],
    [18, 'Failed to enter rescue mode'],
    [22, 'Failed testing'],
  ])('labels status %i as MAAS does (%s)', (value, label) => {
    const status = statusFromValue(value);
    expect(status && statusLabel(status)).toBe(label);
  });

  it('simplifies every failure to "Failed" and the rescue statuses to "Rescue Mode"', () => {
    for (const status of allNodeStatuses) {
      const simple = simpleStatus(status);
      if (status.startsWith('FAILED_')) expect(simple).toBe('Failed');
      else if (status.includes('RESCUE_MODE')) expect(simple).toBe('Rescue Mode');
      else
        expect([
          'Allocated',
          'Broken',
          'Commissioning',
          'Deployed',
          'Deploying',
          'New',
          'Ready',
          'Releasing',
          'Testing',
          'Other',
        ]).toContain(simple);
    }
  });
});

describe('the transition table', () => {
  it('has a row for every status, naming only real statuses, without repeats', () => {
    expect(Object.keys(statusTransitions).sort()).toEqual([...allNodeStatuses].sort());
    for (const [from, targets] of Object.entries(statusTransitions)) {
      for (const to of targets) expect(allNodeStatuses, `${from} → ${to}`).toContain(to);
      expect(new Set(targets).size, from).toBe(targets.length);
    }
  });

  it('reaches every status from the statuses a machine is created in', () => {
    const seen = new Set<NodeStatus>(initialStatuses);
    const queue = [...initialStatuses];
    while (queue.length > 0) {
      const from = queue.shift() as NodeStatus;
      for (const to of statusTransitions[from]) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...allNodeStatuses].sort());
  });

  it('lets every monitored status fall to its failed status, and recover from it', () => {
    for (const status of monitoredStatuses) {
      const failedStatus = failedStatusOf[status];
      expect(failedStatus, status).toBeDefined();
      if (!failedStatus) continue;
      expect(canTransition(status, failedStatus), `${status} → ${failedStatus}`).toBe(true);
      expect(statusTransitions[failedStatus].length, `${failedStatus} is a dead end`).toBeGreaterThan(0);
    }
  });

  it.each(allNodeStatuses.flatMap((from) => allNodeStatuses.map((to) => [from, to] as const)))(
    '%s → %s is allowed exactly when the table says so',
    (from, to) => {
      if (statusTransitions[from].includes(to))
        expect(() => {
          checkTransition(from, to);
        }).not.toThrow();
      else
        expect(() => {
          checkTransition(from, to);
        }).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    },
  );

  it('refuses the changes MAAS refuses, naming both statuses', () => {
    expect(() => {
      checkTransition('NEW', 'DEPLOYED');
    }).toThrow('Invalid transition: New -> Deployed.');
    expect(canTransition('READY', 'DEPLOYING')).toBe(false);
    expect(canTransition('ALLOCATED', 'DEPLOYING')).toBe(true);
    expect(canTransition('DEPLOYED', 'COMMISSIONING')).toBe(false);
  });
});

describe(statusTimeoutMinutes, () => {
  it('uses node_timeout for monitored statuses, 5 minutes for releasing and exiting rescue mode, none otherwise', () => {
    expect(statusTimeoutMinutes('COMMISSIONING', 30)).toBe(30);
    expect(statusTimeoutMinutes('DEPLOYING', 45)).toBe(45);
    expect(statusTimeoutMinutes('RELEASING', 30)).toBe(5);
    expect(statusTimeoutMinutes('EXITING_RESCUE_MODE', 30)).toBe(5);
    for (const status of allNodeStatuses.filter((s) => !monitoredStatuses.includes(s)))
      expect(statusTimeoutMinutes(status, 30), status).toBeUndefined();
  });
});

describe(bootPurpose, () => {
  it.each<[NodeStatus, boolean, string]>([
    ['NEW', true, 'commissioning'],
    ['COMMISSIONING', true, 'commissioning'],
    ['TESTING', false, 'commissioning'],
    ['RESCUE_MODE', true, 'commissioning'],
    ['DEPLOYING', true, 'xinstall'],
    ['DEPLOYING', false, 'local'],
    ['DEPLOYED', true, 'local'],
    ['READY', true, 'poweroff'],
    ['ALLOCATED', true, 'poweroff'],
    ['BROKEN', true, 'poweroff'],
  ])('boots a %s machine (netboot %s) for %s', (status, netboot, purpose) => {
    expect(bootPurpose(status, netboot)).toBe(purpose);
  });
});
