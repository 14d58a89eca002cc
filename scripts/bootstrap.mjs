#!/usr/bin/env node
// The README's two commands: `npm start` and `npm test`. Each installs what it needs first
// (npm dependencies, the build, and for the tests the Debian packages the real clients and
// daemons need), so they work on a fresh Debian 12 machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const say = (text) => process.stderr.write(`[ferrum] ${text}\n`);

// Debian packages the test suite drives for real: the real clients (gomaasapi, the maas CLI
// replay) and ssh-keygen. One list, shared with the e2e tests.
const packageGroups = JSON.parse(
  readFileSync(join(root, 'tools', 'clients', 'debian-packages.json'), 'utf8'),
);
const testPackages = Object.entries(packageGroups)
  .filter(([group]) => group !== 'comment')
  .flatMap(([, names]) => names);

function run(file, args, options = {}) {
  const result = spawnSync(file, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function mustRun(file, args, what) {
  const status = run(file, args);
  if (status !== 0) {
    say(`${what} failed (exit ${status})`);
    process.exit(status);
  }
}

function newer(a, b) {
  return !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;
}

function ensureNodeModules() {
  const lock = join(root, 'package-lock.json');
  const installed = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || newer(lock, installed)) {
    say('installing npm dependencies (npm ci)');
    mustRun('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
  }
}

function ensureBuild() {
  say('building (tsc -b)');
  mustRun(join(root, 'node_modules', '.bin', 'tsc'), ['-b'], 'build');
}

function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function ensureDebianPackages(names) {
  const missing = missingDebianPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    say(
      `missing Debian packages: ${missing.join(' ')} — install them as root (apt-get install ${missing.join(' ')})`,
    );
    process.exit(1);
  }
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  if (install() !== 0) {
    say('apt-get install failed; refreshing package lists (apt-get update) and trying again');
    mustRun('apt-get', ['update', '-q'], 'apt-get update');
    if (install() !== 0) {
      say(`could not install ${missing.join(' ')}`);
      process.exit(1);
    }
  }
}

function start(args) {
  ensureNodeModules();
  ensureBuild();
  const child = spawn(process.execPath, [join(root, 'apps', 'cli', 'bin', 'ferrum.js'), 'start', ...args], {
    stdio: 'inherit',
  });
  // Forward what is sent to this process alone (a terminal's Ctrl-C reaches the child directly
  // too; Ferrum takes a repeat within a second as the same request).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  // A child killed by a signal exits 128 + that signal's number, as a shell reports it.
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1)),
  );
}

function test(args) {
  ensureDebianPackages(testPackages);
  ensureNodeModules();
  ensureBuild();
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  const checks = [
    ['typecheck (tests included)', bin('tsc'), ['-p', 'tsconfig.check.json']],
    ['lint (typescript-eslint strict)', bin('eslint'), ['.']],
    [
      'import rules (dependency-cruiser)',
      bin('depcruise'),
      ['packages', 'apps', '--config', '.dependency-cruiser.cjs'],
    ],
    ['formatting (prettier)', bin('prettier'), ['--check', '.']],
  ];
  let passed = 0;
  let failed = 0;
  for (const [name, file, checkArgs] of checks) {
    say(`check: ${name}`);
    if (run(file, checkArgs) === 0) passed++;
    else {
      failed++;
      say(`check failed: ${name}`);
    }
  }
  mkdirSync(join(root, 'test-results'), { recursive: true });
  const report = join(root, 'test-results', 'vitest.json');
  rmSync(report, { force: true });
  say('tests: vitest (real PostgreSQL, real clients)');
  const status = run(bin('vitest'), [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...args,
  ]);
  let summary;
  try {
    summary = JSON.parse(readFileSync(report, 'utf8'));
  } catch {
    summary = undefined;
  }
  if (summary) {
    passed += summary.numPassedTests;
    failed += summary.numFailedTests;
    if (summary.numTotalTests === 0 || (status !== 0 && summary.numFailedTests === 0)) failed++;
  } else {
    failed++;
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 && status === 0 ? 0 : 1);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'start') start(rest);
else if (command === 'test') test(rest);
else {
  say('usage: node scripts/bootstrap.mjs start|test [args…]');
  process.exit(2);
}
