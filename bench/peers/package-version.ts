import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed version of a dependency, as the report names it (none of the peers restricts `package.json`). */
export function packageVersion(name: string): string {
  const manifest = require(`${name}/package.json`) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}
