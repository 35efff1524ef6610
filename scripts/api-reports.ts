/**
 * The public API reports of the published packages (etc/<package>.api.md), from their built declarations:
 * `npm run api:report` rewrites them, `npm run api:check` (part of `npm test`, after the build) fails when one no
 * longer matches the code, so that every change of a public API shows up in review.
 *
 * One TypeScript program serves all packages (API Extractor's CompilerState), which keeps the run to a few seconds.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
} from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');

/** The published packages: each has a report. */
const packages = ['api', 'crypto', 'store', 'sandbox', 'gateway', 'miniprogram'] as const;

const base = ExtractorConfig.loadFile(`${root}api-extractor.json`);

function configFor(name: (typeof packages)[number]): ExtractorConfig {
  const projectFolder = `${root}packages/${name}`;
  const packageJsonFullPath = `${projectFolder}/package.json`;
  const { types } = JSON.parse(readFileSync(packageJsonFullPath, 'utf8')) as { types: string };
  return ExtractorConfig.prepare({
    configObject: { ...base, projectFolder, mainEntryPointFilePath: `${projectFolder}/${types}` },
    configObjectFullPath: `${root}api-extractor.json`,
    packageJsonFullPath,
  });
}

const configs = packages.map(configFor);
const compilerState = CompilerState.create(configs[0] as ExtractorConfig, {
  additionalEntryPoints: configs.map((config) => config.mainEntryPointFilePath),
});

const stale: string[] = [];
let problems = 0;
for (const config of configs) {
  const result = Extractor.invoke(config, {
    localBuild: !check,
    compilerState,
    messageCallback(message: ExtractorMessage) {
      // The summary lines of each run are noise when six run in a row; warnings and errors are kept.
      if (message.logLevel === ExtractorLogLevel.Info || message.logLevel === ExtractorLogLevel.Verbose) {
        message.handled = true;
      }
    },
  });
  if (result.apiReportChanged) stale.push(config.reportFilePath);
  // Rewriting a report is itself reported as a warning; only the check counts warnings as failures.
  problems += result.errorCount + (check ? result.warningCount : 0);
}

if (check && stale.length > 0) {
  process.stderr.write(
    `Stale API reports (the public API changed): ${stale.map((path) => path.slice(root.length)).join(', ')}.\n` +
      'Review the change, then run `npm run api:report` and commit the reports.\n',
  );
  process.exitCode = 1;
} else if (problems > 0) {
  process.exitCode = 1;
} else if (!check && stale.length > 0) {
  process.stdout.write(`Updated ${stale.map((path) => path.slice(root.length)).join(', ')}.\n`);
}
