/**
 * Registers the admin commands on the `wecom-auth` program: `sessions list`, `sessions revoke`, `events`. Each loads
 * the configuration as `serve` does and talks to the running gateway's admin API (see admin-cli.ts).
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { GatewayConfig } from '../config/load-config.js';
import { securityEventTypes } from '../security-events/security-event.js';
import {
  AdminCliError,
  type AdminCliIo,
  adminTarget,
  listSessions,
  revokeSessions,
  showEvents,
} from './admin-cli.js';

const io: AdminCliIo = {
  out: (text) => void process.stdout.write(text),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1_000) {
    throw new InvalidArgumentError('must be a whole number 1–1000');
  }
  return number;
}

function eventType(value: string): string {
  if (!(securityEventTypes as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${securityEventTypes.join(', ')}`);
  }
  return value;
}

/** Runs one admin command: a refusal is one line on stderr and its exit code, never a stack trace. */
async function run(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof AdminCliError)) throw error;
    process.stderr.write(`wecom-auth: ${error.message}\n`);
    process.exit(error.exitCode);
  }
}

interface Common {
  readonly config?: string;
  readonly adminUrl?: string;
  readonly json?: boolean;
}

/**
 * @param configOrExit the configuration as `serve` loads it (exits 2 listing every problem).
 * @example
 * registerAdminCommands(program, configOrExit);
 */
export function registerAdminCommands(
  program: Command,
  configOrExit: (configFile: string | undefined) => GatewayConfig,
): void {
  const common = (command: Command): Command =>
    command
      .option(
        '-c, --config <file>',
        'JSON file of settings, as for serve (keys are the environment variable names)',
      )
      .option('--admin-url <url>', 'the admin listener, when not at ADMIN_HOST:ADMIN_PORT')
      .option('--json', 'print JSON');
  const target = (options: Common) => adminTarget(configOrExit(options.config), options.adminUrl);

  const sessions = program
    .command('sessions')
    .description("See and end an employee's sessions, through the running gateway's admin API.");
  common(
    sessions
      .command('list')
      .description("One employee's live sessions: when each began, was refreshed and ends, and its client.")
      .requiredOption('--corp <corpId>', 'the corp')
      .requiredOption('--user <userid>', 'the employee'),
  ).action((options: Common & { corp: string; user: string }) =>
    run(() => listSessions(target(options), options, io)),
  );
  common(
    sessions
      .command('revoke')
      .description(
        "End every session of one employee (--corp and --user) or one session (--session): its tokens are refused within a second on every instance, as a leaver's.",
      )
      .option('--corp <corpId>', 'the corp')
      .option('--user <userid>', 'the employee')
      .option('--session <id>', 'one session'),
  ).action((options: Common & { corp?: string; user?: string; session?: string }) =>
    run(() => revokeSessions(target(options), options, io)),
  );

  common(
    program
      .command('events')
      .description(
        'The security event log, oldest first: logins, refusals, refreshes, reuses, revocations, refused decryptions and callbacks, denied admin calls.',
      )
      .option('--corp <corpId>', 'only this corp')
      .option('--user <userid>', 'only this employee')
      .option('--type <type>', `only this type (${securityEventTypes.join(', ')})`, eventType)
      .option('--since <time>', 'only events at or after this time (ISO 8601, or epoch milliseconds)')
      .option('-n, --limit <count>', 'how many of the latest to show', positiveInteger, 50)
      .option('-f, --follow', 'then show each new event as it is recorded, until interrupted'),
  ).action(
    (
      options: Common & {
        corp?: string;
        user?: string;
        type?: string;
        since?: string;
        limit: number;
        follow?: boolean;
      },
    ) => run(() => showEvents(target(options), options, io)),
  );
}
