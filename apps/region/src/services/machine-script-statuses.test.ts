import { describe, expect, it } from 'vitest';
import { groupStatus, machineScriptStatuses, type LatestResult } from './machine-script-statuses.js';

const commissioning = 0;
const installation = 1;
const testing = 2;
const [node, cpu, memory, storage, network, gpu] = [0, 1, 2, 3, 4, 5];

function result(resultType: number, hardwareType: number, status: number, suppressed = false): LatestResult {
  return { resultType, hardwareType, status, suppressed };
}

describe(groupStatus, () => {
  it('is -1 (Unknown) for no result', () => {
    expect(groupStatus([])).toBe(-1);
  });

  it('takes the status of highest precedence: running before pending before failed', () => {
    expect(groupStatus([result(testing, node, 2), result(testing, node, 3), result(testing, node, 0)])).toBe(
      0,
    );
    expect(groupStatus([result(testing, node, 3), result(testing, node, 1)])).toBe(1);
    expect(groupStatus([result(testing, node, 6), result(testing, node, 3)])).toBe(3);
    expect(groupStatus([result(testing, node, 2), result(testing, node, 6)])).toBe(6);
  });

  it('shows every running status as Running and every failed one as Failed, as MAAS does', () => {
    expect(groupStatus([result(testing, node, 7)])).toBe(1); // installing dependencies
    expect(groupStatus([result(testing, node, 10)])).toBe(1); // applying network configuration
    expect(groupStatus([result(testing, node, 4)])).toBe(3); // timed out
    expect(groupStatus([result(testing, node, 8)])).toBe(3); // failed installing
    expect(groupStatus([result(testing, node, 11)])).toBe(3); // failed applying netconf
  });

  it('passes results that are all passed or skipped', () => {
    expect(groupStatus([result(testing, node, 2), result(testing, node, 9)])).toBe(2);
  });

  it('leaves suppressed failures out, and passes a group of suppressed results only', () => {
    expect(groupStatus([result(testing, node, 3, true), result(testing, node, 2)])).toBe(2);
    expect(groupStatus([result(testing, node, 3, true)])).toBe(2);
  });
});

describe(machineScriptStatuses, () => {
  it('answers no ids and Unknown everywhere for a machine without results', () => {
    expect(machineScriptStatuses({}, [])).toEqual({
      currentCommissioningId: null,
      currentTestingId: null,
      currentInstallationId: null,
      commissioning: -1,
      testing: -1,
      tests: { node: -1, cpu: -1, memory: -1, storage: -1, network: -1 },
    });
  });

  it('reads commissioning and testing apart, and the hardware statuses from the tests only', () => {
    const statuses = machineScriptStatuses({ commissioning: 4, testing: 5, installation: 6 }, [
      result(commissioning, node, 2),
      result(commissioning, storage, 3),
      result(testing, storage, 3),
      result(testing, cpu, 2),
      result(testing, memory, 1),
      result(testing, gpu, 6),
      result(installation, node, 3),
    ]);
    expect(statuses).toEqual({
      currentCommissioningId: 4,
      currentTestingId: 5,
      currentInstallationId: 6,
      commissioning: 3,
      testing: 1,
      tests: { node: -1, cpu: 2, memory: 1, storage: 3, network: -1 },
    });
  });

  it('does not count installation results towards the machine health', () => {
    const statuses = machineScriptStatuses({ installation: 9 }, [result(installation, node, 3)]);
    expect(statuses.commissioning).toBe(-1);
    expect(statuses.testing).toBe(-1);
    expect(statuses.currentInstallationId).toBe(9);
  });

  it('leaves aborted results out (LP: #1724235): only aborted reads as Unknown', () => {
    const statuses = machineScriptStatuses({ testing: 2 }, [
      result(testing, network, 5),
      result(testing, node, 5),
      result(testing, node, 2),
    ]);
    expect(statuses.testing).toBe(2);
    expect(statuses.tests.network).toBe(-1);
    expect(statuses.tests.node).toBe(2);
  });
});
