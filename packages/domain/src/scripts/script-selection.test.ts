import { describe, expect, it } from 'vitest';
import {
  selectCommissioningScripts,
  selectScriptsOfType,
  selectTestingScripts,
  splitScriptList,
  type SelectableScript,
} from './script-selection.js';

const script = (
  name: string,
  type: SelectableScript['type'],
  extra: Partial<SelectableScript> = {},
): SelectableScript => ({ name, type, tags: [], isDefault: false, forHardware: [], ...extra });

const all: SelectableScript[] = [
  script('50-maas-01-commissioning', 'commissioning', { isDefault: true }),
  script('30-maas-01-bmc-config', 'commissioning', { isDefault: true, tags: ['bmc-config'] }),
  script('20-maas-01-install-lldpd', 'commissioning', { isDefault: true }),
  script('custom-inventory', 'commissioning', { tags: ['inventory'] }),
  script('custom-manual', 'commissioning', { tags: ['noauto'] }),
  script('custom-nic-firmware', 'commissioning', { forHardware: ['pci:8086:1533'] }),
  script('smartctl-validate', 'testing', { isDefault: true, tags: ['commissioning', 'storage'] }),
  script('memtester', 'testing', { isDefault: true, tags: ['memory'] }),
  script('stress-ng-cpu-short', 'testing', { isDefault: true, tags: ['cpu'] }),
  script('wipe-disks', 'release', { isDefault: true }),
  script('custom-release', 'release', { tags: ['noauto'] }),
];
const names = (selection: ReturnType<typeof selectTestingScripts>) =>
  selection.ok ? selection.scripts.map((s) => s.name) : selection;

describe('selectCommissioningScripts', () => {
  it('runs every built-in and the automatic custom scripts, in name order', () => {
    expect(names(selectCommissioningScripts(all, {}))).toEqual([
      '20-maas-01-install-lldpd',
      '30-maas-01-bmc-config',
      '50-maas-01-commissioning',
      'custom-inventory',
    ]);
  });

  it('leaves out the BMC configuration when skip_bmc_config is set', () => {
    expect(names(selectCommissioningScripts(all, { skipBmcConfig: true }))).not.toContain(
      '30-maas-01-bmc-config',
    );
  });

  it('runs the built-ins and only the custom scripts named (by name or tag) when some are', () => {
    expect(names(selectCommissioningScripts(all, { requested: ['custom-manual'] }))).toEqual([
      '20-maas-01-install-lldpd',
      '30-maas-01-bmc-config',
      '50-maas-01-commissioning',
      'custom-manual',
    ]);
    expect(names(selectCommissioningScripts(all, { requested: ['inventory'] }))).toContain(
      'custom-inventory',
    );
  });

  it('names the field of a request that matches no commissioning script', () => {
    expect(selectCommissioningScripts(all, { requested: ['memtester'] })).toEqual({
      ok: false,
      field: 'commissioning_scripts',
      error: "Unknown commissioning script or tag 'memtester'.",
    });
  });

  it('orders by code point, not by locale', () => {
    const mixed = [
      script('b', 'commissioning', { isDefault: true }),
      script('B', 'commissioning', { isDefault: true }),
    ];
    expect(names(selectCommissioningScripts(mixed, {}))).toEqual(['B', 'b']);
  });
});

describe('selectTestingScripts', () => {
  it('runs the tests tagged commissioning when none are named', () => {
    expect(names(selectTestingScripts(all, undefined))).toEqual(['smartctl-validate']);
    expect(names(selectTestingScripts(all, []))).toEqual(['smartctl-validate']);
  });

  it('runs nothing for none', () => {
    expect(names(selectTestingScripts(all, ['none']))).toEqual([]);
    expect(names(selectTestingScripts(all, ['None']))).toEqual([]);
  });

  it('runs the tests named by name or tag, once each', () => {
    expect(names(selectTestingScripts(all, ['cpu', 'memtester', 'stress-ng-cpu-short']))).toEqual([
      'memtester',
      'stress-ng-cpu-short',
    ]);
  });

  it('names the field of an unknown test', () => {
    const selection = selectTestingScripts(all, ['no-such-test']);
    expect(selection.ok).toBe(false);
    if (!selection.ok) expect(selection.field).toBe('testing_scripts');
  });

  it('is no error when nothing is tagged commissioning and nothing was named', () => {
    expect(names(selectTestingScripts([script('memtester', 'testing')], undefined))).toEqual([]);
  });
});

describe('selectScriptsOfType', () => {
  it('runs every script of the type but noauto ones when none are named', () => {
    expect(names(selectScriptsOfType(all, 'release', undefined, 'scripts'))).toEqual(['wipe-disks']);
    expect(names(selectScriptsOfType(all, 'release', ['custom-release'], 'scripts'))).toEqual([
      'custom-release',
    ]);
  });
});

describe('splitScriptList', () => {
  it('splits comma-separated and repeated values, dropping blanks', () => {
    expect(splitScriptList(['a,b', ' c ', '', 'd,,'])).toEqual(['a', 'b', 'c', 'd']);
  });
});
