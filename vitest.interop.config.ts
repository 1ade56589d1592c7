import { defineConfig } from 'vitest/config';

/**
 * `npm run test:interop`: tests against real programs (Kubo, schemathesis, ...) that
 * test/interop/tools.ts installs into a cache folder. Separate from `npm test`, whose config
 * leaves `*.interop.test.ts` out: a cold cache takes minutes of Go builds.
 */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.interop.test.ts'],
    environment: 'node',
    // A cold install builds Kubo from source (about 3 min on 2 cores); a fuzz run takes its
    // time budget plus setup.
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    pool: 'forks',
    // One file at a time: a Go build or a fuzz run wants both cores to itself.
    fileParallelism: false,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
