import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['ferrum-source'] },
  ssr: { resolve: { conditions: ['ferrum-source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'tools/*.test.ts',
    ],
    globalSetup: ['apps/region/test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
