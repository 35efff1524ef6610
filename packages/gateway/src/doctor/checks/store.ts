/**
 * `store`: the store the configuration selects can be used as the gateway will use it. SQLite: the file (or the
 * directory it will be created in) is writable, and a write goes through. Redis: it answers, its version, whether it
 * persists (a restart without persistence logs everyone out and replaces the signing keys) and whether its eviction
 * policy may drop sessions or signing keys under memory pressure.
 */
import { constants, existsSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import type { DoctorContext } from '../doctor-context.js';

/** `key:value` lines of an INFO section. */
function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** What the store's own connection does: a ping, and a short-lived write read back. */
async function roundTrip(context: DoctorContext): Promise<string | undefined> {
  const store = context.store();
  try {
    await store.ping();
    const key = `wecom-auth:doctor:${context.now()}`;
    await store.cache.set(key, { written: true }, 10_000);
    const read = await store.cache.get<{ written?: boolean }>(key);
    await store.cache.delete(key);
    return read?.written === true ? undefined : 'a value written was not read back';
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
    return `${error instanceof Error ? error.message : String(error)}${code}`;
  }
}

async function checkSqlite(context: DoctorContext): Promise<CheckOutcome> {
  const path = context.config.dbPath;
  const file = resolve(path);
  const fix = {
    text: "Make the file's directory writable by the gateway's user, or set WECOM_AUTH_DB to a writable path (in a container: on a persistent volume).",
    settings: ['WECOM_AUTH_DB'],
  };
  const details = [
    'One gateway instance per file; in a container keep it on a persistent volume, or a restart logs everyone out.',
  ];
  if (!existsSync(file)) {
    let directory = dirname(file);
    while (!existsSync(directory) && dirname(directory) !== directory) directory = dirname(directory);
    if (!statSync(directory).isDirectory()) {
      return {
        verdict: 'fail',
        summary: `${path} cannot be created: ${directory} is a file, not a directory.`,
        fix,
      };
    }
    try {
      await access(directory, constants.W_OK);
    } catch {
      return {
        verdict: 'fail',
        summary: `${path} cannot be created: ${directory} is not writable by this user.`,
        fix,
      };
    }
    return {
      verdict: 'pass',
      summary: `${path} does not exist yet; the first start creates it (its directory is writable).`,
      details,
    };
  }
  try {
    await access(file, constants.R_OK | constants.W_OK);
    // The write-ahead log and its index are created next to the file.
    await access(dirname(file), constants.W_OK);
  } catch {
    return { verdict: 'fail', summary: `${path} or its directory is not writable by this user.`, fix };
  }
  const failure = await roundTrip(context);
  if (failure !== undefined) {
    return { verdict: 'fail', summary: `The SQLite store at ${path} cannot be used: ${failure}.`, fix };
  }
  return {
    verdict: 'pass',
    summary: `The SQLite file ${path} is writable and a write goes through.`,
    details,
  };
}

async function redisFacts(url: string, timeoutMs: number): Promise<Map<string, string>> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    connectionName: 'wecom-auth-doctor',
  });
  let socketError: Error | undefined;
  redis.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await redis.connect();
    const facts = infoFields(await redis.info('server'));
    for (const [key, value] of infoFields(await redis.info('persistence'))) facts.set(key, value);
    for (const [key, value] of infoFields(await redis.info('memory'))) facts.set(key, value);
    // Managed services may refuse CONFIG: then the RDB schedule stays unknown.
    const save = await redis.config('GET', 'save').catch(() => undefined);
    if (Array.isArray(save) && typeof save[1] === 'string') facts.set('save', save[1]);
    return facts;
  } catch (error) {
    throw socketError ?? error;
  } finally {
    redis.disconnect();
  }
}

async function checkRedis(context: DoctorContext, url: string): Promise<CheckOutcome> {
  const host = new URL(url).host;
  let facts: Map<string, string>;
  try {
    facts = await redisFacts(url, Math.min(context.config.wecomTimeoutMs, 3_000));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      verdict: 'fail',
      summary: `Redis at ${host} does not answer (${code ?? (error instanceof Error ? error.message : 'error')}).`,
      fix: {
        text: 'Start Redis or correct REDIS_URL (redis://[:password@]host:port/db, rediss:// for TLS).',
        settings: ['REDIS_URL'],
      },
    };
  }
  const failure = await roundTrip(context);
  if (failure !== undefined) {
    return {
      verdict: 'fail',
      summary: `Redis at ${host} answers, but the store cannot use it: ${failure}.`,
      fix: {
        text: 'Check the password and database of REDIS_URL, and that the user may write.',
        settings: ['REDIS_URL'],
      },
    };
  }
  const version = facts.get('redis_version') ?? 'unknown';
  const policy = facts.get('maxmemory_policy') ?? 'unknown';
  const aof = facts.get('aof_enabled') === '1';
  const save = facts.get('save');
  const warnings: string[] = [];
  const fixes: string[] = [];
  if (policy.startsWith('allkeys-')) {
    warnings.push(
      `maxmemory-policy ${policy} may evict any key under memory pressure: sessions and the signing keys.`,
    );
    fixes.push('set maxmemory-policy noeviction');
  } else if (policy.startsWith('volatile-')) {
    warnings.push(`maxmemory-policy ${policy} may evict sessions (they have a TTL) under memory pressure.`);
    fixes.push('set maxmemory-policy noeviction');
  }
  if (!aof && save === '') {
    warnings.push(
      'Neither AOF nor RDB snapshots: a Redis restart ends every session and replaces the signing keys.',
    );
    fixes.push('turn on persistence (appendonly yes, or a save schedule)');
  }
  const major = Number(version.split('.')[0]);
  if (Number.isFinite(major) && major < 6) {
    warnings.push(`Redis ${version} is older than the 6.x the gateway is tested with.`);
    fixes.push('upgrade Redis');
  }
  const persistence = aof
    ? 'AOF on'
    : save === undefined
      ? 'AOF off, RDB schedule unknown'
      : save === ''
        ? 'no persistence'
        : `RDB "${save}"`;
  const facts1 = `Redis ${version} at ${host}: ${persistence}, maxmemory-policy ${policy}.`;
  if (warnings.length === 0) return { verdict: 'pass', summary: facts1 };
  return {
    verdict: 'warn',
    summary: facts1,
    details: warnings,
    fix: {
      text: `In the Redis configuration: ${fixes.join('; ')} (docs/deployment.md, "Redis persistence").`,
    },
  };
}

export const storeCheck: SetupCheck = {
  id: 'store',
  title: 'Store',
  scope: 'setup',
  needs: ['configuration'],
  gatewayErrors: ['store_unavailable'],
  run(context) {
    const { redisUrl } = context.config;
    return redisUrl === undefined ? checkSqlite(context) : checkRedis(context, redisUrl);
  },
};
