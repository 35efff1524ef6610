#!/usr/bin/env node
// The `wecom-auth` command. The installed package runs its built CLI, dist/cli.js. In a clone of the repository npm
// links this file at install time, before anything is built: there, with dist/ missing, the CLI runs from its
// TypeScript source (through tsx and the `@wecom-auth/source` export condition, as the repository's scripts do), so
// `npx wecom-auth` works right after `npm ci`. Anywhere else a missing build is reported, with the command to run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const name = 'wecom-auth';
const built = new URL('../dist/cli.js', import.meta.url);
const source = new URL('../src/cli.ts', import.meta.url);

/** tsx's loader, when this package sits in a checkout that has its development dependencies installed. */
function tsxLoader() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

if (existsSync(built)) {
  await import(built.href);
} else {
  const loader = existsSync(source) ? tsxLoader() : undefined;
  if (loader === undefined) {
    process.stderr.write(
      `${name}: ${fileURLToPath(built)} is missing: build it first (npm run build at the repository root).\n`,
    );
    process.exit(1);
  }
  const child = spawn(
    process.execPath,
    ['--conditions=@wecom-auth/source', '--import', loader, fileURLToPath(source), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // The CLI shuts the gateway down gracefully on these; a signal sent to this launcher's pid alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Die of the same signal, as the CLI itself would have.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
