import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { assertPositiveMs } from '../input-validation.js';
import type { Store } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import { INSTALL_TOMBSTONE_RETENTION_MS } from '../retention.js';
import { createRedisAccessTokenStore } from './redis-access-token-store.js';
import { createRedisCacheStore } from './redis-cache-store.js';
import {
  closeClient,
  createFailFastClient,
  createFailFastCluster,
  type RedisClient,
  type RedisNodeAddress,
  type RedisRun,
  whenReady,
} from './redis-connection.js';
import type { RedisStoreContext } from './redis-context.js';
import { createRedisEventInbox } from './redis-event-inbox.js';
import { redisKeyspace } from './redis-keyspace.js';
import { createRedisLoginRetryStore } from './redis-login-retry-store.js';
import { createRedisSecurityEventLog } from './redis-security-event-log.js';
import { createRedisSessionStore } from './redis-session-store.js';
import { createRedisSigningKeyStore } from './redis-signing-key-store.js';
import {
  type ChangeWaiters,
  type InstallListener,
  RedisSubscriber,
  type RevocationListener,
} from './redis-subscriber.js';
import { createRedisSuiteStore } from './redis-suite-store.js';

/** The Sentinels that name the primary of a Redis managed by Redis Sentinel. */
export interface RedisSentinelOptions {
  /** At least one Sentinel; the client asks them in turn. */
  readonly sentinels: readonly RedisNodeAddress[];
  /** The name the Sentinels monitor the primary by (`sentinel monitor <name> …`). */
  readonly name: string;
  /** The Sentinels' own password (`requirepass` of the Sentinels), when they have one. */
  readonly sentinelPassword?: string;
}

/** The seed nodes of a Redis Cluster; the client learns the rest (and every failover) from them. */
export interface RedisClusterOptions {
  /** At least one node of the cluster. */
  readonly nodes: readonly RedisNodeAddress[];
}

/**
 * How the writes that must survive a failover are confirmed: after them, `WAIT replicas timeoutMs` on the node that
 * took them; fewer acknowledgements in time fail the call with {@link StoreUnavailableError} (the caller answers 503
 * rather than acknowledge what a failover may lose).
 */
export interface RedisReplicationWait {
  /** How many replicas must have the write (1 or more). */
  readonly replicas: number;
  /** How long to wait for them, in milliseconds; less than the store's `commandTimeoutMs`. */
  readonly timeoutMs: number;
}

/**
 * Options of {@link createRedisStore}. One Redis: set `url`, `redis`, or both (`redis` then adds to what the URL
 * says). Redis Sentinel: `sentinel` (with `redis` for the primary's password or TLS). Redis Cluster: `cluster`
 * (with `redis` for every node's password or TLS).
 */
export interface RedisStoreOptions {
  /** `redis://[:password@]host:port/db` or `rediss://…`. */
  readonly url?: string;
  /** ioredis connection options; the fail-fast settings (offline queue, retries, timeouts) are the store's own. */
  readonly redis?: RedisOptions;
  /** A primary managed by Redis Sentinel: found through the Sentinels, and again after every failover. */
  readonly sentinel?: RedisSentinelOptions;
  /** A Redis Cluster: the keys carry hash tags, so that each script's keys share a slot. */
  readonly cluster?: RedisClusterOptions;
  /** Confirm the writes that must survive a failover on this many replicas (default: no confirmation). */
  readonly waitForReplicas?: RedisReplicationWait;
  /** Prepended to every key and channel, so that several deployments can share one Redis (default `wecom-auth:`). */
  readonly keyPrefix?: string;
  /** The clock, in epoch milliseconds (default `Date.now`). Redis TTLs themselves always run on Redis's clock. */
  readonly now?: () => number;
  /** How long any call may take before it rejects with {@link StoreUnavailableError} (default 2000). */
  readonly commandTimeoutMs?: number;
  /** `CLIENT SETNAME` of the connections (default `wecom-auth-store`; the subscriber adds `:sub`). */
  readonly connectionName?: string;
  /**
   * How long an uninstall's tombstone keeps older install events out (default
   * {@link INSTALL_TOMBSTONE_RETENTION_MS}, 30 days): the TTL of its key.
   */
  readonly installTombstoneRetentionMs?: number;
}

/** The checks of {@link createRedisStore} on which connection its options describe. */
function assertTopology(options: RedisStoreOptions): void {
  const { url, redis, sentinel, cluster } = options;
  if (sentinel !== undefined && cluster !== undefined) {
    throw new TypeError('createRedisStore: set sentinel or cluster, not both');
  }
  if ((sentinel !== undefined || cluster !== undefined) && url !== undefined) {
    throw new TypeError(
      'createRedisStore: with sentinel or cluster, pass the password and TLS in redis, not url',
    );
  }
  if (url === undefined && redis === undefined && sentinel === undefined && cluster === undefined) {
    throw new TypeError('createRedisStore: set url or redis');
  }
  if (redis?.keyPrefix !== undefined) {
    throw new TypeError('createRedisStore: set keyPrefix, not redis.keyPrefix');
  }
  if (sentinel !== undefined && (sentinel.sentinels.length === 0 || sentinel.name === '')) {
    throw new TypeError("createRedisStore: sentinel needs at least one Sentinel and the primary's name");
  }
  if (cluster !== undefined && cluster.nodes.length === 0) {
    throw new TypeError('createRedisStore: cluster needs at least one node');
  }
}

/**
 * A {@link Store} in Redis, shared by any number of gateway instances: one Redis, a primary managed by Redis
 * Sentinel, or a Redis Cluster. Each Lua script touches the keys of one slot (see `redis-keyspace.ts`), so the
 * compare-and-set steps (a rotation, a revocation, a token's compare-and-delete, suite ticket and install ordering)
 * are atomic on every topology; waits, revocations and install changes travel over pub/sub on one subscriber
 * connection. When Redis is down, or between a primary's loss and its replica's promotion, every call rejects within
 * `commandTimeoutMs` with {@link StoreUnavailableError}, and the connections come back by themselves.
 *
 * @example
 * const store = createRedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'wecom-auth:prod:' });
 * const lock = await store.accessTokens.tryLock(cacheKey, 10_000);
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  assertTopology(options);
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  assertPositiveMs('createRedisStore: commandTimeoutMs', timeoutMs);
  const wait = options.waitForReplicas;
  if (wait !== undefined) {
    if (!Number.isInteger(wait.replicas) || wait.replicas < 1) {
      throw new TypeError('createRedisStore: waitForReplicas.replicas must be a whole number of at least 1');
    }
    assertPositiveMs('createRedisStore: waitForReplicas.timeoutMs', wait.timeoutMs);
    if (wait.timeoutMs >= timeoutMs) {
      throw new TypeError('createRedisStore: waitForReplicas.timeoutMs must be less than commandTimeoutMs');
    }
  }
  const tombstoneRetentionMs = options.installTombstoneRetentionMs ?? INSTALL_TOMBSTONE_RETENTION_MS;
  assertPositiveMs('createRedisStore: installTombstoneRetentionMs', tombstoneRetentionMs);
  const prefix = options.keyPrefix ?? 'wecom-auth:';
  const now = options.now ?? Date.now;
  const connectionName = options.connectionName ?? 'wecom-auth-store';
  const clustered = options.cluster !== undefined;
  const keys = redisKeyspace(prefix, clustered);
  const base: RedisOptions = {
    ...options.redis,
    ...(options.sentinel === undefined
      ? {}
      : {
          sentinels: options.sentinel.sentinels.map(({ host, port }) => ({ host, port })),
          name: options.sentinel.name,
          ...(options.sentinel.sentinelPassword === undefined
            ? {}
            : { sentinelPassword: options.sentinel.sentinelPassword }),
        }),
  };
  const seeds = options.cluster?.nodes ?? [];
  const cluster = clustered ? createFailFastCluster(seeds, base, timeoutMs, connectionName) : undefined;
  const client: RedisClient = cluster ?? createFailFastClient(options.url, base, timeoutMs, connectionName);
  let closed = false;

  const run: RedisRun = async (work) => {
    if (closed) throw new StoreUnavailableError('The Redis store is closed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        (async () => {
          await whenReady(client, timeoutMs);
          return work(client);
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StoreUnavailableError || error instanceof TypeError) throw error;
      throw new StoreUnavailableError('Redis failed', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  const replicate = async (): Promise<void> => {
    if (wait === undefined) return;
    // WAIT counts the replicas that have every write its connection made before it. One Redis: one connection, one
    // WAIT. A Cluster: one connection per primary, and each is asked, because a write may have followed a MOVED or
    // ASK to another primary than its key's slot named a moment before (a primary that took no write of ours
    // answers at once).
    const acknowledged = await run((redis) =>
      'nodes' in redis
        ? Promise.all(redis.nodes('master').map((node) => node.wait(wait.replicas, wait.timeoutMs)))
        : redis.wait(wait.replicas, wait.timeoutMs).then((count) => [count]),
    );
    const least = Math.min(...acknowledged);
    if (least < wait.replicas) {
      throw new StoreUnavailableError(
        `Redis confirmed the write on ${least} of ${wait.replicas} replicas within ${wait.timeoutMs} ms`,
      );
    }
  };
  const context: RedisStoreContext = { keys, run, now, replicate };

  const waiters: ChangeWaiters = new Map();
  const wake = (key: string): void => {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const resolve of set) resolve();
  };
  const revocationListeners = new Set<RevocationListener>();
  const installListeners = new Set<InstallListener>();
  const subscriber = new RedisSubscriber({
    open: cluster
      ? () => openClusterSubscriber(cluster, seeds, base, timeoutMs, `${connectionName}:sub`)
      : () => createFailFastClient(options.url, base, timeoutMs, `${connectionName}:sub`),
    changesChannel: keys.changesChannel,
    revocationsChannel: keys.revocationsChannel,
    installsChannel: keys.installsChannel,
    timeoutMs,
    onChange: wake,
    onRevocation: (entry) => {
      for (const listener of [...revocationListeners]) {
        try {
          listener.onEntry(entry);
        } catch {
          // One failing listener must not keep the others from learning of the revocation.
        }
      }
    },
    onInstallChange: (change) => {
      for (const listener of [...installListeners]) {
        try {
          listener.onChange(change);
        } catch {
          // As above: each listener's failure is its own.
        }
      }
    },
    onResync: () => {
      for (const listener of [...revocationListeners, ...installListeners]) {
        try {
          listener.onResync?.();
        } catch {
          // As above: each listener's failure is its own.
        }
      }
    },
  });

  const subscribe = async (): Promise<void> => {
    if (closed) throw new StoreUnavailableError('The Redis store is closed');
    await subscriber.ensure();
  };

  return {
    kind: 'redis',
    accessTokens: createRedisAccessTokenStore(context, subscribe, waiters),
    sessions: createRedisSessionStore(context, subscribe, revocationListeners),
    loginRetries: createRedisLoginRetryStore(context),
    cache: createRedisCacheStore(context),
    signingKeys: createRedisSigningKeyStore(context),
    inbox: createRedisEventInbox(context),
    suites: createRedisSuiteStore(context, subscribe, installListeners, tombstoneRetentionMs),
    events: createRedisSecurityEventLog(context),
    async ping() {
      await run((redis) => redis.ping());
      await subscribe();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const key of [...waiters.keys()]) wake(key);
      revocationListeners.clear();
      installListeners.clear();
      await Promise.all([closeClient(client), subscriber.close()]);
    },
  };
}

/**
 * The subscriber connection on a Redis Cluster: a plain connection to one node (a classic PUBLISH reaches every
 * node), taken in turn from the nodes the cluster client knows now, else from the seeds. It gives up after two
 * failed reconnections, so that the store replaces it with one to a node that is still there.
 */
let clusterSubscriberTurn = 0;
function openClusterSubscriber(
  cluster: Cluster,
  seeds: readonly RedisNodeAddress[],
  options: RedisOptions,
  timeoutMs: number,
  connectionName: string,
): Redis {
  const known = cluster
    .nodes('all')
    .filter((node) => node.status === 'ready')
    .map((node) => ({ host: node.options.host ?? '127.0.0.1', port: node.options.port ?? 6379 }));
  const candidates = known.length > 0 ? known : seeds;
  clusterSubscriberTurn = (clusterSubscriberTurn + 1) % Math.max(1, candidates.length);
  const node = candidates[clusterSubscriberTurn] ?? seeds[0];
  return createFailFastClient(
    undefined,
    {
      ...options,
      ...(node === undefined ? {} : { host: node.host, port: node.port }),
      retryStrategy: (attempt) => (attempt > 2 ? null : attempt * 100),
    },
    timeoutMs,
    connectionName,
  );
}
