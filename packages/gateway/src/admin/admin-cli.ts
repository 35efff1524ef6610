/**
 * The admin commands of the `wecom-auth` CLI: `sessions list`, `sessions revoke` and `events`. They read the same
 * configuration as `serve` (the environment, `--config`) to find the admin listener (`ADMIN_HOST`, `ADMIN_PORT`) and
 * its token (`WECOM_AUTH_ADMIN_TOKEN`, or its file), and talk to the running gateway's admin API: a revocation thus
 * takes the gateway's own path (every instance refuses the tokens within a second), whatever the store.
 */
import type { GatewayConfig } from '../config/load-config.js';

/**
 * Where the commands write, and how they wait: the process's streams and timers, or a test's.
 *
 * @example
 * const io: AdminCliIo = { out: (text) => void process.stdout.write(text), sleep: (ms) => delay(ms) };
 */
export interface AdminCliIo {
  readonly out: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * A failure the CLI reports in one line and exits with `exitCode` (2: configuration, 1: anything else).
 *
 * @example
 * throw new AdminCliError('give --corp and --user, or --session <id>', 2);
 */
export class AdminCliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'AdminCliError';
    this.exitCode = exitCode;
  }
}

/**
 * How to reach the admin API.
 *
 * @example
 * const target: AdminTarget = { url: 'http://127.0.0.1:8081', token };
 */
export interface AdminTarget {
  readonly url: string;
  readonly token: string;
}

/**
 * The admin listener a configuration names (`--admin-url` overrides where it is), with its first token.
 *
 * @example
 * const target = adminTarget(loadConfig({ env: process.env }), undefined);
 */
export function adminTarget(config: GatewayConfig, adminUrl: string | undefined): AdminTarget {
  const [token] = config.adminTokens;
  if (token === undefined) {
    throw new AdminCliError(
      'no admin token: set WECOM_AUTH_ADMIN_TOKEN (or WECOM_AUTH_ADMIN_TOKEN_FILE) to a token of the gateway',
      2,
    );
  }
  if (adminUrl !== undefined) return { url: adminUrl.replace(/\/+$/, ''), token };
  if (config.adminPort === 0) {
    throw new AdminCliError(
      'ADMIN_PORT is 0 (a free port): pass --admin-url with the port the gateway printed',
      2,
    );
  }
  // A listener on every interface is reached on the loopback.
  const host =
    config.adminHost === '0.0.0.0' ? '127.0.0.1' : config.adminHost === '::' ? '[::1]' : config.adminHost;
  return {
    url: `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${config.adminPort}`,
    token,
  };
}

async function call(target: AdminTarget, method: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}` },
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    throw new AdminCliError(
      `no admin API answers at ${target.url}: is the gateway running with an admin token (ADMIN_HOST, ADMIN_PORT)?`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new AdminCliError(
      `${target.url} answered ${response.status} without JSON: is it the admin listener?`,
    );
  }
  if (response.ok) return body;
  const { error, message } = (body ?? {}) as { error?: string; message?: string };
  if (response.status === 401) {
    throw new AdminCliError(
      'the admin API refused the token: WECOM_AUTH_ADMIN_TOKEN is not one of the gateway’s',
    );
  }
  throw new AdminCliError(`${response.status} ${error ?? ''}: ${message ?? text}`.trim());
}

interface AdminSession {
  readonly id: string;
  readonly createdAt: string;
  readonly refreshedAt: string;
  readonly expiresAt: string;
  readonly userAgent?: string;
  readonly clientIp?: string;
}

interface SecurityEventLine {
  readonly id: string;
  readonly at: string;
  readonly type: string;
  readonly corpId?: string;
  readonly userId?: string;
  readonly sessionId?: string;
  readonly requestId?: string;
  readonly clientIp?: string;
  readonly reason?: string;
}

/** What a terminal shows of a stored value: no control character (an escape sequence would be a command). */
const shown = (text: string | undefined): string => (text ?? '-').replace(/\p{Cc}/gu, '?');

const employeePath = (corp: string, user: string): string =>
  `/admin/v1/corps/${encodeURIComponent(corp)}/employees/${encodeURIComponent(user)}/sessions`;

/**
 * `wecom-auth sessions list --corp <id> --user <id> [--json]`: one employee's live sessions.
 *
 * @example
 * await listSessions(adminTarget(config, undefined), { corp: 'ww…', user: 'zhangsan' }, io);
 */
export async function listSessions(
  target: AdminTarget,
  options: { readonly corp: string; readonly user: string; readonly json?: boolean },
  io: AdminCliIo,
): Promise<void> {
  const answer = (await call(target, 'GET', employeePath(options.corp, options.user))) as {
    sessions: AdminSession[];
  };
  if (options.json) {
    io.out(`${JSON.stringify(answer)}\n`);
    return;
  }
  const count = answer.sessions.length;
  io.out(`${options.user} of ${options.corp}: ${count} live session${count === 1 ? '' : 's'}\n`);
  for (const session of answer.sessions) {
    io.out(
      `  ${shown(session.id)}  created ${shown(session.createdAt)}  refreshed ${shown(session.refreshedAt)}` +
        `  expires ${shown(session.expiresAt)}  ${shown(session.clientIp)}  ${shown(session.userAgent)}\n`,
    );
  }
}

/**
 * `wecom-auth sessions revoke --corp <id> --user <id>` (all of one employee's) or `--session <id>` (one).
 *
 * @example
 * await revokeSessions(target, { session: 'Jq3…' }, io);
 */
export async function revokeSessions(
  target: AdminTarget,
  options: {
    readonly corp?: string;
    readonly user?: string;
    readonly session?: string;
    readonly json?: boolean;
  },
  io: AdminCliIo,
): Promise<void> {
  if (options.session !== undefined) {
    if (options.corp !== undefined || options.user !== undefined) {
      throw new AdminCliError('give --session, or --corp with --user, not both', 2);
    }
    await call(target, 'DELETE', `/admin/v1/sessions/${encodeURIComponent(options.session)}`);
    io.out(
      options.json
        ? `${JSON.stringify({ revoked: 1, sessionIds: [options.session] })}\n`
        : `Ended session ${options.session}.\n`,
    );
    return;
  }
  if (options.corp === undefined || options.user === undefined) {
    throw new AdminCliError('give --corp and --user (every session of the employee), or --session <id>', 2);
  }
  const answer = (await call(target, 'DELETE', employeePath(options.corp, options.user))) as {
    revoked: number;
    sessionIds: string[];
  };
  if (options.json) {
    io.out(`${JSON.stringify(answer)}\n`);
    return;
  }
  io.out(
    `Ended ${answer.revoked} session${answer.revoked === 1 ? '' : 's'} of ${options.user} (${options.corp})` +
      `${answer.revoked > 0 ? `: ${answer.sessionIds.join(', ')}` : ''}.\n`,
  );
}

/**
 * What `events` filters on, and how it shows them.
 *
 * @example
 * const options: EventsOptions = { user: 'zhangsan', type: 'login.refused', follow: true };
 */
export interface EventsOptions {
  readonly corp?: string;
  readonly user?: string;
  readonly type?: string;
  readonly since?: string;
  /** How many of the latest events to show first (default 50). */
  readonly limit?: number;
  readonly follow?: boolean;
  readonly json?: boolean;
  /** How often `--follow` asks for new events, in milliseconds (default 1000). */
  readonly intervalMs?: number;
}

function formatEvent(event: SecurityEventLine, json: boolean): string {
  if (json) return `${JSON.stringify(event)}\n`;
  const who =
    event.corpId === undefined && event.userId === undefined
      ? '-'
      : `${shown(event.corpId ?? '?')}/${shown(event.userId ?? '?')}`;
  const details = [
    event.reason === undefined ? undefined : `reason=${shown(event.reason)}`,
    event.sessionId === undefined ? undefined : `session=${shown(event.sessionId)}`,
    event.clientIp === undefined ? undefined : `ip=${shown(event.clientIp)}`,
    event.requestId === undefined ? undefined : `request=${shown(event.requestId)}`,
  ].filter((part) => part !== undefined);
  const line = `${shown(event.at)}  ${shown(event.type).padEnd(22)}  ${who}  ${details.join('  ')}`;
  return `${line.trimEnd()}\n`;
}

function eventsPath(options: EventsOptions, overrides: { since?: string; limit: number }): string {
  const query = new URLSearchParams();
  if (options.corp !== undefined) query.set('corpId', options.corp);
  if (options.user !== undefined) query.set('userid', options.user);
  if (options.type !== undefined) query.set('type', options.type);
  const since = overrides.since ?? options.since;
  if (since !== undefined) query.set('since', since);
  query.set('limit', String(overrides.limit));
  return `/admin/v1/events?${query.toString()}`;
}

/**
 * `wecom-auth events [--corp] [--user] [--type] [--since] [--limit] [--follow] [--json]`: the latest security
 * events, oldest first (one JSON object a line with `--json`); with `--follow`, then each new one as it is recorded,
 * until interrupted.
 *
 * @example
 * await showEvents(target, { user: 'zhangsan', follow: true }, { out: (text) => process.stdout.write(text), sleep });
 */
export async function showEvents(target: AdminTarget, options: EventsOptions, io: AdminCliIo): Promise<void> {
  const json = options.json ?? false;
  const first = (await call(target, 'GET', eventsPath(options, { limit: options.limit ?? 50 }))) as {
    events: SecurityEventLine[];
  };
  for (const event of [...first.events].reverse()) io.out(formatEvent(event, json));
  if (!options.follow) return;
  // Events are asked for from the time of the newest one shown; those of that very millisecond already shown are
  // known by id, so an event is shown once however the polls fall.
  let since = first.events[0]?.at ?? new Date().toISOString();
  let shown = new Set(first.events.filter((event) => event.at === since).map((event) => event.id));
  for (;;) {
    await io.sleep(options.intervalMs ?? 1_000);
    const page = (await call(target, 'GET', eventsPath(options, { since, limit: 1_000 }))) as {
      events: SecurityEventLine[];
    };
    const fresh = page.events.filter((event) => !shown.has(event.id)).reverse();
    for (const event of fresh) io.out(formatEvent(event, json));
    const newest = page.events[0]?.at;
    if (newest !== undefined && newest !== since) {
      since = newest;
      shown = new Set();
    }
    for (const event of page.events) if (event.at === since) shown.add(event.id);
  }
}
