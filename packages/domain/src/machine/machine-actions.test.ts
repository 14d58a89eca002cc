import { describe, expect, it } from 'vitest';
import { allNodeStatuses } from './node-status.js';
import {
  allMachineActions,
  actionAllowedFrom,
  checkAction,
  machineActions,
  type ActionRule,
  type MachineAction,
} from './machine-actions.js';
import { canTransition, monitoredStatuses } from './status-transitions.js';

const admin = { userId: 1, isAdmin: true };
const alice = { userId: 2, isAdmin: false };

describe('the machine action table', () => {
  it('moves a machine only along the transition table', () => {
    for (const action of allMachineActions) {
      const rule: ActionRule = machineActions[action];
      if (!rule.target) continue;
      for (const from of rule.allowedFrom) {
        if (from === rule.target) continue;
        // Deploying a Ready machine allocates it first: READY → ALLOCATED → DEPLOYING.
        const ok =
          canTransition(from, rule.target) ||
          (action === 'deploy' && from === 'READY' && canTransition('ALLOCATED', 'DEPLOYING'));
        expect(ok, `${action}: ${from} → ${rule.target}`).toBe(true);
      }
    }
  });

  it('allows power off from exactly the statuses that are not in progress', () => {
    for (const status of allNodeStatuses)
      expect(actionAllowedFrom('off', status), status).toBe(!monitoredStatuses.includes(status));
  });

  it('allows mark-broken from every failed status', () => {
    for (const status of allNodeStatuses.filter((s) => s.startsWith('FAILED_')))
      expect(actionAllowedFrom('mark-broken', status), status).toBe(true);
  });

  it.each(allMachineActions.flatMap((action) => allNodeStatuses.map((status) => [action, status] as const)))(
    'an admin may %s a %s machine exactly when the table allows it, else 409',
    (action: MachineAction, status) => {
      if (actionAllowedFrom(action, status))
        expect(() => {
          checkAction(action, status, admin, null, 'node1');
        }).not.toThrow();
      else
        expect(() => {
          checkAction(action, status, admin, null, 'node1');
        }).toThrow(expect.objectContaining({ code: 'invalid_transition' }));
    },
  );
});

describe(checkAction, () => {
  it('names the machine and its status when the status is wrong', () => {
    expect(() => {
      checkAction('deploy', 'NEW', admin, null, 'web-1');
    }).toThrow('Cannot deploy machine web-1 because it is New.');
  });

  it('refuses admin-only actions to normal users, even on their own machines', () => {
    for (const action of allMachineActions.filter((a) => machineActions[a].permission === 'admin')) {
      expect(() => {
        checkAction(action, 'READY', alice, alice.userId, 'm');
      }, action).toThrow(expect.objectContaining({ code: 'forbidden' }));
    }
  });

  it("lets a user act on their own machine but not on another user's", () => {
    expect(() => {
      checkAction('release', 'DEPLOYED', alice, alice.userId, 'm');
    }).not.toThrow();
    expect(() => {
      checkAction('release', 'DEPLOYED', alice, 99, 'm');
    }).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => {
      checkAction('release', 'DEPLOYED', admin, 99, 'm');
    }).not.toThrow();
  });

  it('lets a user acquire or deploy a Ready machine nobody owns', () => {
    expect(() => {
      checkAction('acquire', 'READY', alice, null, 'm');
    }).not.toThrow();
    expect(() => {
      checkAction('deploy', 'READY', alice, null, 'm');
    }).not.toThrow();
    expect(() => {
      checkAction('release', 'READY', alice, null, 'm');
    }).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('checks permission before status, so a stranger learns nothing of the machine', () => {
    expect(() => {
      checkAction('commission', 'DEPLOYED', alice, null, 'm');
    }).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });
});

describe('a locked machine', () => {
  const refused: MachineAction[] = [
    'commission',
    'test',
    'deploy',
    'on',
    'off',
    'release',
    'mark-broken',
    'rescue-mode',
    'delete',
  ];

  it('refuses exactly the actions that would release, redeploy, change or delete it, from every status they allow', () => {
    for (const action of allMachineActions) {
      const rule: ActionRule = machineActions[action];
      for (const status of rule.allowedFrom) {
        const run = () => {
          checkAction(action, status, admin, 1, 'm', true);
        };
        if (refused.includes(action))
          expect(run, `${action} from ${status}`).toThrow(
            expect.objectContaining({
              code: 'invalid_transition',
              message: `Cannot ${rule.verb} machine m: it is locked.`,
            }),
          );
        else expect(run, `${action} from ${status}`).not.toThrow();
      }
    }
  });

  it('answers a wrong status before the lock, as the status is the first thing wrong', () => {
    expect(() => {
      checkAction('release', 'READY', admin, null, 'm', true);
    }).toThrow(/because it is Ready/);
  });
});
