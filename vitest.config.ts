import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that load a fleet large enough to keep DynamoDB Local and both cores
 * busy for minutes: they run after the rest, alone, so that no other test's
 * requests wait behind their load.
 */
const FLEET_TESTS = ['test/functions/reconcile/bounded-memory.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend with DynamoDB Local's JVM.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...FLEET_TESTS], sequence: { groupOrder: 0 } },
      },
      { extends: true, test: { name: 'fleet', include: FLEET_TESTS, sequence: { groupOrder: 1 } } },
    ],
  },
});
