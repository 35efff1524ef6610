import { defineConfig } from 'vitest/config';
import { LastFileSequencer } from './test/reliability/support/last-file-sequencer.js';

// The reliability suite (`npm run test:reliability`): fault matrix, crash safety, Redis restarts, fuzzing at volume,
// and a secret scan over everything the other files recorded. Sources, as in the main suite.
export default defineConfig({
  resolve: { conditions: ['@wecom-auth/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@wecom-auth/source', 'node', 'import', 'default'] } },
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/reliability/support/global-setup.ts'],
    fileParallelism: false,
    sequence: { sequencer: LastFileSequencer },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
