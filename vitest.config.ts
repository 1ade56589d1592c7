import { defaultExclude, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The interop suite installs real programs: `npm run test:interop` (vitest.interop.config.ts).
    exclude: [...defaultExclude, 'test/**/*.interop.test.ts'],
    environment: 'node',
    // Emulator-backed suites start servers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
