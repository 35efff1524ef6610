// Builds the phone-simulator page served by the sandbox at `/`:
//   node packages/sandbox/scripts/build-web.mjs  ->  packages/sandbox/dist-web/{index.html,simulator.js,simulator.css}
//   node packages/sandbox/scripts/build-web.mjs --out <dir>  ->  <dir>/… (tests build their own copy, in parallel)
// The page runs the mini-program SDK's own bundle, so that bundle is built first when it is missing. The SDK is a
// development dependency of this package (@wecom-auth/miniprogram): it is bundled into dist-web at build time, and
// the published package needs nothing of it at run time.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootDir = join(packageDir, '..', '..');
const webDir = join(packageDir, 'web');
const outFlag = process.argv.indexOf('--out');
const outArg = outFlag === -1 ? undefined : process.argv[outFlag + 1];
if (outFlag !== -1 && (outArg === undefined || outArg === '' || outArg.startsWith('--'))) {
  console.error('simulator: --out needs a directory');
  process.exit(2);
}
// The output directory is replaced wholesale: it must be a directory of its own.
const outDir = outArg === undefined ? join(packageDir, 'dist-web') : resolve(outArg);
const sdkDir = dirname(createRequire(import.meta.url).resolve('@wecom-auth/miniprogram/package.json'));
const sdkBundle = join(sdkDir, 'miniprogram_dist', 'index.js');

if (!existsSync(sdkBundle)) {
  process.stdout.write('simulator: building the mini-program SDK first\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '-w', 'packages/miniprogram'], {
    cwd: rootDir,
    stdio: 'inherit',
  });
  if (result.status !== 0 || !existsSync(sdkBundle)) {
    console.error('simulator: the mini-program SDK build failed');
    process.exit(1);
  }
}

// Built into a fresh directory and swapped in, so a running sandbox never serves half a build.
const stagingDir = `${outDir}.${process.pid}.part`;
rmSync(stagingDir, { recursive: true, force: true });
mkdirSync(stagingDir, { recursive: true });
try {
  await build({
    entryPoints: [
      { in: join(webDir, 'main.ts'), out: 'simulator' },
      { in: join(webDir, 'simulator.css'), out: 'simulator' },
    ],
    outdir: stagingDir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome100', 'firefox100', 'safari15'],
    platform: 'browser',
    // The SDK is bundled from its built CommonJS file: the page runs exactly what mini programs run.
    alias: { '@wecom-auth/miniprogram': sdkBundle },
    tsconfig: join(webDir, 'tsconfig.json'),
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(join(webDir, 'index.html'), join(stagingDir, 'index.html'));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(stagingDir, outDir);
} catch (error) {
  rmSync(stagingDir, { recursive: true, force: true });
  console.error(`simulator: build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
process.stdout.write(`simulator: built ${relative(process.cwd(), outDir) || outDir}\n`);
