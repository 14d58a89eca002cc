import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = (target: string) =>
  spawnSync(
    `${root}node_modules/.bin/depcruise`,
    [target, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
    { cwd: root, encoding: 'utf8' },
  );

describe('the import rules of DESIGN.md §2', () => {
  it('fail the check for a domain file doing I/O and a region file importing the rack', () => {
    const result = depcruise('tools/fixtures/forbidden-import');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(
      /domain-is-pure: tools\/fixtures\/forbidden-import\/packages\/domain\/src\/reads-clock\.ts → fs/,
    );
    expect(result.stdout).toMatch(
      /region-not-rack-or-cli: .*apps\/region\/src\/uses-rack\.ts → .*apps\/rack\/src\/power\.ts/,
    );
  });

  it('pass for the real tree', () => {
    const result = depcruise('packages');
    expect(result.status, result.stdout).toBe(0);
    const apps = depcruise('apps');
    expect(apps.status, apps.stdout).toBe(0);
  });
});
