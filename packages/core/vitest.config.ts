import { defineConfig } from 'vitest/config';

/** Suites that drive the statechart edge by edge: they run on both interpreters (test/pair.ts). */
const PER_EDGE_SUITES = [
  'test/transitions.test.ts',
  'test/reset.test.ts',
  'test/stream.test.ts',
  'test/textbook.test.ts',
  'test/adversarial.test.ts',
  'test/invalid-replies.test.ts',
  'test/congestion.test.ts',
  'test/options.test.ts',
  'test/time-wait-linux.test.ts',
  'test/send-window-update.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run add up passed/failed tests across packages.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: { name: 'actor', include: ['test/**/*.test.ts'], env: { SYNACK_TEST_ENGINE: 'actor' } },
      },
      {
        extends: true,
        test: { name: 'table', include: PER_EDGE_SUITES, env: { SYNACK_TEST_ENGINE: 'table' } },
      },
    ],
  },
});
