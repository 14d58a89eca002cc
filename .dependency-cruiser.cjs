// The import rules of DESIGN.md §2, enforced: `npm run depcheck` fails on any violation.
// Paths are matched wherever the tree sits (also inside tools/fixtures/), so the fixture
// that proves a forbidden import fails uses this same file.
const pkg = (name) => `(^|/)packages/${name}/`;
const app = (name) => `(^|/)apps/${name}/`;
// Unit tests (next to the code) and an app's test/ tree: they may use test-only packages.
const testFiles = ['\\.test\\.ts$', '(^|/)apps/[^/]+/test/'];

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'packages/domain does no I/O: it imports only itself (no node:* modules, no npm packages).',
      severity: 'error',
      from: { path: pkg('domain') },
      to: { pathNot: [pkg('domain')] },
    },
    {
      name: 'protocol-imports-domain-only',
      comment: 'packages/protocol may import domain (and npm libraries), nothing of kit, sim or the apps.',
      severity: 'error',
      from: { path: pkg('protocol') },
      to: { path: [pkg('kit'), pkg('sim'), '(^|/)apps/'] },
    },
    {
      name: 'kit-imports-domain-only',
      comment: 'packages/kit may import domain, not protocol, sim or the apps.',
      severity: 'error',
      from: { path: pkg('kit') },
      to: { path: [pkg('protocol'), pkg('sim'), '(^|/)apps/'] },
    },
    {
      name: 'sim-imports-packages-only',
      comment:
        'packages/sim (the machine simulator) may import domain, protocol and kit; it speaks to the apps over their wire protocols only.',
      severity: 'error',
      from: { path: pkg('sim') },
      to: { path: ['(^|/)apps/'] },
    },
    {
      name: 'sim-only-in-tests-and-cli',
      comment:
        'Region and rack production code never runs the simulator; their tests may (the rack sim driver’s test runs a SimBmcServer), and so may the CLI.',
      severity: 'error',
      from: { path: [app('region'), app('rack')], pathNot: testFiles },
      to: { path: [pkg('sim')] },
    },
    {
      name: 'region-not-rack-or-cli',
      comment: 'Region and rack never import each other; nothing imports the CLI (the composition root).',
      severity: 'error',
      from: { path: app('region') },
      to: { path: [app('rack'), app('cli'), app('web'), app('ephemeral')] },
    },
    {
      name: 'rack-not-region-or-cli',
      severity: 'error',
      from: { path: app('rack') },
      to: { path: [app('region'), app('cli'), app('web'), app('ephemeral')] },
    },
    {
      name: 'web-imports-domain-and-protocol-only',
      severity: 'error',
      from: { path: app('web') },
      to: { path: [pkg('kit'), pkg('sim'), app('region'), app('rack'), app('cli')] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['ferrum-source', 'import', 'node', 'default'],
      extensions: ['.ts', '.js'],
    },
    tsConfig: { fileName: 'tsconfig.check.json' },
  },
};
