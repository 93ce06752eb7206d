import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file builds its own app with a real worker pool; two forks fit the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
    // Timeouts are backstops against a hang, never assertions: they hold on a machine 5-10x
    // slower than an idle one (other work on the cores). A test that needs longer says so.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // A folder of pid files for the run; its teardown kills any process a dead test process left.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
