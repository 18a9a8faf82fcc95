// Test runner settings: real resources make some tests slow, so generous timeouts, and files run in forks.
// Two projects: `fast` (seconds, for every change: `npm run test:fast`) and `slow` (browser, processes,
// faults, soak, chaos, model search, the quick bench); `npm test` runs both, as CI does.
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Files that start browsers or child processes, wait on real timeouts, or search long. */
const SLOW = [
  'test/web/{fallback,quotes,review,fleet,schedule,batch,dead-letters,graphiql,webhooks}.test.ts',
  'test/server/security-headers.test.ts',
  'test/server/process.test.ts',
  'test/server/key-logging.test.ts',
  'test/server/warm-up.test.ts',
  'test/server/fleet*.test.ts',
  'test/redis/redis.test.ts',
  'test/server/scheduled.test.ts',
  'test/server/workflow-crash.test.ts',
  'test/queue/processes.test.ts',
  'test/webhooks/crash.test.ts',
  'test/tracing/otlp.test.ts',
  'test/faults/**/*.test.ts',
  'test/soak/**/*.test.ts',
  'test/chaos.test.ts',
  'test/bench.test.ts',
  'test/model/queue.model.test.ts',
  'test/examples/**/*.test.ts',
];

export default defineConfig({
  resolve: {
    // graphql ships CommonJS and ESM copies; Node (and so yoga and Pothos) loads the CommonJS one, so tests
    // must too, or schema objects and errors cross "realms" and fail graphql's instanceof checks.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    pool: 'forks',
    // Processes the tests spawn (src/main.ts) are ready at once; test/server/warm-up.test.ts sets its own.
    env: { WARM_UP_MS: '0' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
