#!/usr/bin/env node
/**
 * `wecom-auth`: runs the gateway (`serve`, the default) or the WeCom sandbox alone (`sandbox`), rotates the signing
 * keys of the access tokens (`rotate-keys`), and operates a running gateway through its admin API (`sessions`,
 * `events`).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { registerAdminCommands } from './admin/admin-commands.js';
import { ConfigError, type GatewayConfig, loadConfig } from './config/load-config.js';
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

/** The configuration, or exit 2 with every problem listed (no stack trace: it is the operator's to fix). */
function configOrExit(configFile: string | undefined): GatewayConfig {
  try {
    return loadConfig({ env: process.env, ...(configFile ? { configFile } : {}) });
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
  const gateway = await startGateway({ config, logger });
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
  if (gateway.sandboxUrl) lines.push(...sandboxBanner(gateway.url, gateway.sandboxUrl));
  else lines.push(`  WeCom API           ${config.apiBase}`);
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

registerAdminCommands(program, configOrExit);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`wecom-auth: ${(error as Error).message}\n`);
  process.exit(1);
});
