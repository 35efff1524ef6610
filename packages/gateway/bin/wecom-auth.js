#!/usr/bin/env node
// The `wecom-auth` command: the package's built CLI (dist/cli.js). In a clone of the repository, where npm links this file
// before anything is built, the CLI runs from its TypeScript source through the repository's launcher.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
const launcher = new URL('../../../scripts/launch-from-source.mjs', import.meta.url);
if (existsSync(built) || !existsSync(launcher)) {
  await import(built.href).catch((error) => {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || existsSync(built)) throw error;
    process.stderr.write(
      `wecom-auth: ${built.pathname} is missing: build it first (npm run build at the repository root).\n`,
    );
    process.exit(1);
  });
} else {
  (await import(launcher.href)).launchFromSource(
    'wecom-auth',
    new URL('../src/cli.ts', import.meta.url),
    built,
  );
}
