// Builds the mini-program SDK: one ES2015 CommonJS file, no dependencies, under a size budget, and its type
// declarations, emitted from the sources by tsc and rolled into one file by API Extractor.
//   node build.mjs                     -> miniprogram_dist/index.js and miniprogram_dist/index.d.ts
//   node build.mjs --bundle-only       -> miniprogram_dist/index.js alone (no type checking, for the runtime tests)
//   node build.mjs --copy-to-example   -> also examples/miniprogram/lib/wecom-auth.js (the example needs no types)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { build } from 'esbuild';
import { catalogFile, generatedFile, isUpToDate } from './scripts/gateway-error-codes.mjs';

const packageDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(packageDir, 'miniprogram_dist');
const outFile = join(outDir, 'index.js');
const declarationsFile = join(outDir, 'index.d.ts');
const exampleFile = join(packageDir, '..', '..', 'examples', 'miniprogram', 'lib', 'wecom-auth.js');
/** Minified bytes; the mini program's main package is capped at 2 MB, an auth SDK should stay tiny. */
const BUDGET_BYTES = 13 * 1024;

const { name, version, license } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const shown = (file) => relative(process.cwd(), file) || file;

// The SDK's copy of the gateway's error codes is generated, not edited; a stale copy would let the SDK turn a new
// gateway code into `http_error`, so the build stops rather than ship it.
if (!(await isUpToDate())) {
  console.error(
    `${name}: ${shown(generatedFile)} is out of date with ${shown(catalogFile)}; ` +
      'run `npm run generate:error-codes -w packages/miniprogram`',
  );
  process.exit(1);
}

const common = {
  entryPoints: [join(packageDir, 'src', 'index.ts')],
  bundle: true,
  format: 'cjs',
  target: 'es2015',
  platform: 'neutral',
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
};

const [readable, minified] = await Promise.all([
  build({ ...common, banner: { js: `/*! ${name} ${version} | ${license} */` } }),
  build({ ...common, minify: true }),
]);
const code = readable.outputFiles[0].text;
const minifiedBytes = minified.outputFiles[0].contents.byteLength;

const size = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
process.stdout.write(
  `${name}: ${shown(outFile)} ${size(Buffer.byteLength(code))}, ` +
    `${size(minifiedBytes)} minified (budget ${size(BUDGET_BYTES)})\n`,
);
if (minifiedBytes > BUDGET_BYTES) {
  console.error(`${name}: the minified bundle is over its budget of ${BUDGET_BYTES} bytes`);
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
// The package is an ES module package for its TypeScript; the bundle beside this file is CommonJS.
writeFileSync(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
// Written aside then renamed, so a test or a watcher reading the file never sees half of it.
const partFile = `${outFile}.${process.pid}.part`;
writeFileSync(partFile, code);
renameSync(partFile, outFile);

if (!process.argv.includes('--bundle-only')) buildDeclarations();

if (process.argv.includes('--copy-to-example')) {
  mkdirSync(dirname(exampleFile), { recursive: true });
  copyFileSync(outFile, exampleFile);
  process.stdout.write(`${name}: copied to ${shown(exampleFile)}\n`);
}

/** tsc emits one .d.ts per source under dist/declarations; API Extractor rolls them into miniprogram_dist/. */
function buildDeclarations() {
  rmSync(join(packageDir, 'dist', 'declarations'), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.declarations.json')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch {
    console.error(`${name}: tsc could not emit the declarations`);
    process.exit(1);
  }
  const config = ExtractorConfig.loadFileAndPrepare(join(packageDir, 'api-extractor.json'));
  // Not a local build: a warning (a TSDoc syntax error, an exported type that references an unexported one) fails.
  const result = Extractor.invoke(config, {
    localBuild: false,
    messageCallback: (message) => {
      // "Analysis will use the bundled TypeScript version": the project's own, pinned together, so not worth a line.
      if (message.messageId === 'console-preamble') message.handled = true;
    },
  });
  if (!result.succeeded) {
    console.error(
      `${name}: API Extractor found ${result.errorCount} errors and ${result.warningCount} warnings`,
    );
    process.exit(1);
  }
  process.stdout.write(`${name}: ${shown(declarationsFile)}\n`);
}
