#!/usr/bin/env node
/**
 * `wecom-auth`: runs the gateway (`serve`, the default) or the WeCom sandbox alone (`sandbox`), checks a setup
 * (`doctor`), rotates the signing keys of the access tokens (`rotate-keys`), reseals stored data under a new data
 * key (`rotate-data-key`), and operates a running gateway through its admin API (`sessions`, `events`).
 */
import { readFileSync } from 'node:fs';
import { StoreUnavailableError } from '@wecom-auth/store';
import { Command, InvalidArgumentError } from 'commander';
import { registerAdminCommands } from './admin/admin-commands.js';
import { databasePathProblems } from './config/database-path.js';
import { ConfigError, type GatewayConfig, loadConfig } from './config/load-config.js';
import { usesRedis } from './config/store-config.js';
import { createLogger } from './observability/logger.js';
import { sandboxBanner, startStandaloneSandbox } from './sandbox-mode.js';
import { startGateway } from './server.js';

// Read at run time: the same relative path from src/cli.ts and from dist/cli.js.
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('must be a port number');
  return port;
}

function parseHttpUrl(value: string): string {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // Reported below.
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}

/**
 * The configuration, or exit 2 with every problem listed (no stack trace: it is the operator's to fix). The SQLite
 * file is part of it: a path that cannot hold the store is reported before anything starts.
 */
function configOrExit(configFile: string | undefined): GatewayConfig {
  try {
    const config = loadConfig({ env: process.env, ...(configFile ? { configFile } : {}) });
    const pathProblems = usesRedis(config) ? [] : databasePathProblems(config.dbPath);
    if (pathProblems.length > 0) throw new ConfigError(pathProblems);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`wecom-auth: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function serve(options: { config?: string }): Promise<void> {
  const config = configOrExit(options.config);
  const logger = createLogger({ level: config.logLevel });
  const gateway = await startGateway({ config, logger }).catch((error: unknown) => {
    // The SQLite file is opened at start (a Redis store is reached later, in the background): a file it cannot open
    // (not a database, locked) is the operator's to fix, like a setting.
    if (!(error instanceof StoreUnavailableError) || usesRedis(config)) throw error;
    process.stderr.write(`wecom-auth: WECOM_AUTH_DB: ${error.message}\n`);
    process.exit(2);
  });
  const lines = [
    '',
    `  WeCom Auth gateway  ${gateway.url}`,
    `  API docs            ${gateway.url}/docs`,
    `  OpenAPI             ${gateway.url}/openapi.json`,
  ];
  if (gateway.adminUrl) {
    lines.push(`  Admin API           ${gateway.adminUrl}   (OpenAPI at /admin/v1/openapi.json)`);
    if (gateway.generatedAdminToken) {
      lines.push(
        `  Admin token         WECOM_AUTH_ADMIN_TOKEN=${gateway.generatedAdminToken}   (made up for this run)`,
      );
    }
  } else {
    lines.push('  Admin API           off: no WECOM_AUTH_ADMIN_TOKEN, so the admin listener did not start');
  }
  if (gateway.sandboxUrl) lines.push(...sandboxBanner(gateway.url, gateway.sandboxUrl, config.sandboxApp));
  else lines.push(`  WeCom API           ${config.apiBase}`);
  if (config.suite)
    lines.push(
      `  Instruction callback ${gateway.url}/v1/suite/callback   (suite ${config.suite.suite.suiteId})`,
    );
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const program = new Command('wecom-auth')
  .description('WeCom Auth: know which employee is using your WeCom mini program.')
  .version(version, '-V, --version')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  // `serve` is the default command, so commander hands it any word it does not know as a command: a typo must be
  // reported as one, not start a gateway or complain about arguments.
  .allowExcessArguments()
  .hook('preAction', (command) => {
    const [word] = command.args;
    if (word !== undefined) program.error(`error: unknown command '${word}'`);
  })
  .description(
    'Run the login gateway. Configured from the environment (see README); with no WECOM_CORP_ID/WECOM_SECRET it runs in sandbox mode against a local WeCom sandbox with a demo corp.',
  )
  .option('-c, --config <file>', 'JSON file of settings (keys are the environment variable names)')
  .action(serve);

program
  .command('sandbox')
  .description('Run the WeCom API sandbox alone (the same as wecom-auth-sandbox).')
  .option('-p, --port <port>', 'port to listen on', parsePort, 9000)
  .option('--host <host>', 'interface to bind', '127.0.0.1')
  .option('--fixture <file>', 'directory fixture (JSON); the demo corp when omitted')
  .option('--seed <seed>', 'seed for deterministic tokens, codes and keys')
  .action(async (options: { port: number; host: string; fixture?: string; seed?: string }) => {
    const sandbox = await startStandaloneSandbox(options);
    process.stdout.write(`WeCom sandbox listening on ${sandbox.url}\n`);
    const stop = (): void => {
      sandbox.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('doctor')
  .description(
    'Check a setup, with the configuration serve would use: the settings, WeCom from this host, each corp (secret, trusted IP, mini program, visible range), the store, the data key and signing keys, the callbacks. Prints a checklist with what to change where; exits 1 when a check failed.',
  )
  .option('-c, --config <file>', 'JSON file of settings (keys are the environment variable names)')
  .option('--json', 'print the checklist as JSON')
  .option(
    '--public-url <url>',
    "the gateway's public base URL: check that its callback answers WeCom from outside",
    parseHttpUrl,
  )
  .option('--login', 'prove the chain with one real login (paste a wx.qy.login code; a sandbox mints one)')
  .option('--code <code>', 'the wx.qy.login code for the login step')
  .action(
    async (options: {
      config?: string;
      json?: boolean;
      publicUrl?: string;
      login?: boolean;
      code?: string;
    }) => {
      const { runDoctorFromCli } = await import('./doctor/doctor-cli.js');
      process.exitCode = await runDoctorFromCli(options);
    },
  );

program
  .command('rotate-keys')
  .description(
    'Retire the signing key of the access tokens and activate a new one, in the store all instances share. Tokens signed before keep verifying until they expire; running instances sign with the new key within seconds.',
  )
  .option('-c, --config <file>', 'JSON file of settings (keys are the environment variable names)')
  .action(async (options: { config?: string }) => {
    const { rotateSigningKeys } = await import('./key-rotation.js');
    const config = configOrExit(options.config);
    const rotated = await rotateSigningKeys({ config });
    process.stdout.write(
      `Signing key rotated. Active: ${rotated.activeKid}\nPublished: ${rotated.publishedKids.join(', ')}\n`,
    );
  });

program
  .command('rotate-data-key')
  .description(
    'Reseal under the current data key (WECOM_AUTH_DATA_KEY, or the one derived from the secret) everything a fallback key still opens: after it, the fallback (WECOM_AUTH_DATA_KEY_FALLBACKS, WECOM_SECRET_FALLBACKS) can be removed. Run with the new configuration; see docs/operations.md.',
  )
  .option('-c, --config <file>', 'JSON file of settings (keys are the environment variable names)')
  .option('--dry-run', 'count what would be resealed, change nothing')
  .action(async (options: { config?: string; dryRun?: boolean }) => {
    const { rotateDataKey } = await import('./data-key-rotation.js');
    const config = configOrExit(options.config);
    const { dataKey, report } = await rotateDataKey({ config, dryRun: options.dryRun === true });
    const lines = [
      options.dryRun === true
        ? `Sealed under ${dataKey} or its fallbacks (dry run):`
        : `Resealed under ${dataKey}:`,
    ];
    let unreadable = 0;
    for (const [kind, counts] of Object.entries(report)) {
      unreadable += counts.unreadable;
      const moved =
        options.dryRun === true ? `${counts.underFallback} to reseal` : `${counts.resealed} resealed`;
      lines.push(
        `  ${kind.padEnd(14)} ${moved}, ${counts.current + counts.changedMeanwhile} already current, ${counts.unreadable} unreadable`,
      );
    }
    if (unreadable > 0) {
      lines.push(
        '',
        `${unreadable} records open with none of the configured keys: add the data key (WECOM_AUTH_DATA_KEY_FALLBACKS) or the secret (WECOM_SECRET_FALLBACKS) that sealed them and run this again; without it, those sessions end when they next decrypt and the signing key is replaced at the next start.`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    if (unreadable > 0) process.exitCode = 1;
  });

registerAdminCommands(program, configOrExit);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`wecom-auth: ${(error as Error).message}\n`);
  process.exit(1);
});
