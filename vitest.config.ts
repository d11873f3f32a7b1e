import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker per core minus one: a single worker on CI's 2 cores, and the integration tests
    // mostly wait on child processes and loopback servers. Three workers overlap those waits (test/run.mjs's timeline).
    maxWorkers: 3,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
