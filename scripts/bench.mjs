#!/usr/bin/env node
// `npm run bench -- NAME`: runs bench/NAME.mjs after making sure the build is current.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [options]\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}
if (!existsSync(join(root, 'node_modules'))) spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' });
const build = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const result = spawnSync(process.execPath, [join(root, 'bench', `${name}.mjs`), ...args], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
