// Runs a package's CLI from its TypeScript source, for the packages' `bin` launchers in a clone of the repository:
// npm links a workspace's bin at install time, before anything is built, so with dist/ missing the CLI runs through
// tsx and the `@wecom-auth/source` export condition, as the repository's scripts do, and `npx wecom-auth` works right
// after `npm ci`. An installed package has its dist/ and never loads this file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** tsx's loader, when the checkout has its development dependencies installed. */
function tsxLoader() {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return undefined;
  }
}

/**
 * Runs `source` (a `src/cli.ts` URL) with the launcher's arguments, passing signals on and exiting as it exits; says
 * what to build when there is no source or no tsx.
 */
export function launchFromSource(name, source, built) {
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
  // The CLI shuts down gracefully on these; a signal sent to the launcher's pid alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // Die of the same signal, as the CLI itself would have.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
