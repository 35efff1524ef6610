// The SDK's list of gateway error codes, generated from the gateway's catalog. The SDK cannot import the gateway
// (it runs in the mini program, with no dependencies), so the list is written into src/ and kept in step here:
//   npm run generate:error-codes -w packages/miniprogram   -> rewrites src/gateway-error-codes.ts from the catalog
//   node scripts/gateway-error-codes.mjs --check [file]    -> exits 1 when the file (default: that one) is stale
// build.mjs refuses to build while the file is out of date, and the tests compare it with the catalog.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoDir = join(packageDir, '..', '..');
export const catalogFile = join(repoDir, 'packages', 'gateway', 'src', 'error-catalog.ts');
export const generatedFile = join(packageDir, 'src', 'gateway-error-codes.ts');

/** The codes of `gatewayErrorCatalog`, in catalog order, read from its TypeScript source. */
export async function readCatalogCodes() {
  // Bundled, not just stripped of types: the catalog may import from its package one day.
  const result = await build({
    entryPoints: [catalogFile],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'warning',
  });
  const source = result.outputFiles[0].text;
  const catalogModule = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
  return Object.keys(catalogModule.gatewayErrorCatalog);
}

/** The text of src/gateway-error-codes.ts for `codes`, formatted as Biome formats it. */
export function renderModule(codes) {
  const catalog = relative(repoDir, catalogFile).split('\\').join('/');
  for (const code of codes) {
    // Written into a quoted string: a code the gateway would never send must not break the generated module.
    if (!/^[a-z][a-z0-9_]*$/.test(code))
      throw new Error(`${catalog}: ${JSON.stringify(code)} is not a snake_case code`);
  }
  return [
    `// Generated from ${catalog} by scripts/gateway-error-codes.mjs; do not edit.`,
    '',
    '/**',
    " * A stable error code of the gateway: the `error` field of its error bodies, listed in the gateway's error",
    ' * catalog (docs/errors.md says what each means and what to do).',
    ' */',
    'export type GatewayErrorCode =',
    ...codes.map((code, index) => `  | '${code}'${index === codes.length - 1 ? ';' : ''}`),
    '',
    "/** Every {@link GatewayErrorCode}, in the catalog's order. */",
    'export const GATEWAY_ERROR_CODES: readonly GatewayErrorCode[] = [',
    ...codes.map((code) => `  '${code}',`),
    '];',
    '',
  ].join('\n');
}

/** Whether `file` (src/gateway-error-codes.ts unless told) is what the catalog generates now. */
export async function isUpToDate(file = generatedFile) {
  const expected = renderModule(await readCatalogCodes());
  let actual;
  try {
    actual = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  return actual === expected;
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly && process.argv[2] === '--check') {
  const file = process.argv[3] ?? generatedFile;
  if (!(await isUpToDate(file))) {
    console.error(
      `${relative(process.cwd(), file)} is out of date with ${relative(process.cwd(), catalogFile)}`,
    );
    process.exit(1);
  }
} else if (runDirectly) {
  const codes = await readCatalogCodes();
  writeFileSync(generatedFile, renderModule(codes));
  process.stdout.write(`${relative(process.cwd(), generatedFile)}: ${codes.length} gateway error codes\n`);
}
