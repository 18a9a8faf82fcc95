// Test runner settings: real resources make some tests slow, so generous timeouts, and files run in forks.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM copies; Node (and so yoga and Pothos) loads the CommonJS one, so tests
    // must too, or schema objects and errors cross "realms" and fail graphql's instanceof checks.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
