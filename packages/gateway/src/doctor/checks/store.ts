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
import { createRedisClient } from '../../config/redis-client.js';
import { describeRedis, type RedisConnection, redisConnectionOf } from '../../config/store-config.js';
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

/** The settings that say where Redis is, for the fix of a Redis that does not answer. */
function connectionSettings(connection: RedisConnection): { text: string; settings: string[] } {
  if (connection.sentinel) {
    return {
      text: 'Start the Sentinels or correct REDIS_SENTINELS (host:port of each), REDIS_SENTINEL_NAME (the monitored name) and the passwords.',
      settings: ['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_PASSWORD'],
    };
  }
  if (connection.cluster) {
    return {
      text: 'Start the cluster or correct REDIS_CLUSTER_NODES (host:port of some of its nodes) and REDIS_PASSWORD.',
      settings: ['REDIS_CLUSTER_NODES', 'REDIS_PASSWORD'],
    };
  }
  return {
    text: 'Start Redis or correct REDIS_URL (redis://[:password@]host:port/db, rediss:// for TLS).',
    settings: ['REDIS_URL'],
  };
}

/**
 * INFO of the primary the store writes to (on a Cluster: of each primary, the first one's facts with every one's
 * worst).
 */
async function redisFacts(connection: RedisConnection, timeoutMs: number): Promise<Map<string, string>> {
  const client = createRedisClient(connection, {
    options: {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      connectionName: 'wecom-auth-doctor',
    },
    single: { retryStrategy: () => null, sentinelRetryStrategy: () => null },
    cluster: { lazyConnect: true, clusterRetryStrategy: () => null, slotsRefreshTimeout: timeoutMs },
  });
  let socketError: Error | undefined;
  client.on('error', (error: Error) => {
    socketError ??= error;
  });
  const factsOf = async (redis: Redis): Promise<Map<string, string>> => {
    const facts = new Map<string, string>();
    for (const section of ['server', 'persistence', 'memory', 'replication']) {
      for (const [key, value] of infoFields(await redis.info(section))) facts.set(key, value);
    }
    // Managed services may refuse CONFIG: then the RDB schedule stays unknown.
    const save = await redis.config('GET', 'save').catch(() => undefined);
    if (Array.isArray(save) && typeof save[1] === 'string') facts.set('save', save[1]);
    return facts;
  };
  try {
    await client.connect();
    if (client instanceof Redis) return await factsOf(client);
    const primaries = await Promise.all(client.nodes('master').map(factsOf));
    const [first] = primaries;
    if (!first) throw new Error('the cluster names no primary');
    // The cluster is as safe as its least safe primary.
    first.set('primaries', String(primaries.length));
    if (primaries.some((facts) => facts.get('aof_enabled') !== '1')) first.set('aof_enabled', '0');
    const replicas = Math.min(...primaries.map((facts) => Number(facts.get('connected_slaves') ?? 0)));
    first.set('connected_slaves', String(replicas));
    const state = infoFields(String(await client.cluster('INFO')));
    first.set('cluster_state', state.get('cluster_state') ?? 'unknown');
    return first;
  } catch (error) {
    throw socketError ?? error;
  } finally {
    client.disconnect();
  }
}

async function checkRedis(context: DoctorContext, connection: RedisConnection): Promise<CheckOutcome> {
  const host = describeRedis(context.config) ?? 'Redis';
  let facts: Map<string, string>;
  try {
    facts = await redisFacts(connection, Math.min(context.config.wecomTimeoutMs, 3_000));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      verdict: 'fail',
      summary: `${host} does not answer (${code ?? (error instanceof Error ? error.message : 'error')}).`,
      fix: connectionSettings(connection),
    };
  }
  const failure = await roundTrip(context);
  if (failure !== undefined) {
    return {
      verdict: 'fail',
      summary: `${host} answers, but the store cannot use it: ${failure}.`,
      fix: {
        text: 'Check the password (and the database of REDIS_URL), and that the user may write and run scripts.',
        settings: connectionSettings(connection).settings,
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
  const replicas = Number(facts.get('connected_slaves') ?? 0);
  const wait = context.config.redisWaitReplicas;
  if (wait > replicas) {
    warnings.push(
      `REDIS_WAIT_REPLICAS is ${wait} but the primary has ${replicas} connected replica${replicas === 1 ? '' : 's'}: every write that waits for them answers 503.`,
    );
    fixes.push(`add replicas, or set REDIS_WAIT_REPLICAS to at most ${replicas}`);
  }
  if (facts.get('cluster_state') !== undefined && facts.get('cluster_state') !== 'ok') {
    warnings.push(
      `The cluster reports cluster_state:${facts.get('cluster_state')}: some slots are not served.`,
    );
    fixes.push('bring every slot back (redis-cli --cluster check / fix)');
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
  const facts1 = `${host}: Redis ${version}, ${persistence}, maxmemory-policy ${policy}, ${replicas} replica${replicas === 1 ? '' : 's'}${facts.has('primaries') ? ` per primary (${facts.get('primaries')} primaries)` : ''}.`;
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
    const connection = redisConnectionOf(context.config);
    return connection === undefined ? checkSqlite(context) : checkRedis(context, connection);
  },
};
