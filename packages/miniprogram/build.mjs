// Builds the mini-program bundle: one ES2015 CommonJS file, no dependencies, under a size budget.
//   node build.mjs                     -> miniprogram_dist/index.js
//   node build.mjs --copy-to-example   -> also examples/miniprogram/lib/wecom-auth.js
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = dirname(fileURLToPath(import.meta.url));
const outDir = join(packageDir, 'miniprogram_dist');
const outFile = join(outDir, 'index.js');
const exampleFile = join(packageDir, '..', '..', 'examples', 'miniprogram', 'lib', 'wecom-auth.js');
/** Minified bytes; the mini program's main package is capped at 2 MB, an auth SDK should stay tiny. */
const BUDGET_BYTES = 12 * 1024;

const { name, version, license } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));

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
  `${name}: ${relative(process.cwd(), outFile) || outFile} ${size(Buffer.byteLength(code))}, ` +
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

if (process.argv.includes('--copy-to-example')) {
  mkdirSync(dirname(exampleFile), { recursive: true });
  copyFileSync(outFile, exampleFile);
  process.stdout.write(`${name}: copied to ${relative(process.cwd(), exampleFile)}\n`);
}
