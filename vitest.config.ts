import { defineConfig } from 'vitest/config';

// Packages are resolved to their TypeScript sources through the `@wecom-auth/source` export condition,
// so tests never run against a stale build.
export default defineConfig({
  resolve: { conditions: ['@wecom-auth/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@wecom-auth/source', 'node', 'import', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The reliability suite has its own configuration and command (vitest.reliability.config.ts).
    exclude: ['test/reliability/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
