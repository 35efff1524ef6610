/**
 * Builds the bundle with `build.mjs` and loads the built CommonJS file, so the tests exercise what the mini program
 * runs rather than the TypeScript sources.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Source from '../../src/index.js';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bundlePath = join(packageDir, 'miniprogram_dist', 'index.js');

/** The SDK's exports as its sources type them (test/declarations.test.ts holds the emitted declarations to it). */
export type Sdk = typeof Source;

/** Builds the bundle alone (the size budget included; not the declarations) and returns its console output. */
export function buildBundle(): string {
  return execFileSync(process.execPath, ['build.mjs', '--bundle-only'], {
    cwd: packageDir,
    encoding: 'utf8',
  });
}

export function bundleText(): string {
  return readFileSync(bundlePath, 'utf8');
}

/** A freshly built bundle, loaded the way the mini program's `require` would. */
export function loadBuiltSdk(): Sdk {
  buildBundle();
  const require = createRequire(import.meta.url);
  delete require.cache[bundlePath];
  return require(bundlePath) as Sdk;
}
