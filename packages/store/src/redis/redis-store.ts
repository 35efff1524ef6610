import type { RedisOptions } from 'ioredis';
import { assertPositiveMs } from '../input-validation.js';
import type { Store } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import { INSTALL_TOMBSTONE_RETENTION_MS } from '../retention.js';
import { createRedisAccessTokenStore } from './redis-access-token-store.js';
import { createRedisCacheStore } from './redis-cache-store.js';
import { closeClient, createFailFastClient, type RedisRun, whenReady } from './redis-connection.js';
import { createRedisEventInbox } from './redis-event-inbox.js';
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

/** Options of {@link createRedisStore}. Set `url`, `redis`, or both (`redis` then adds to what the URL says). */
export interface RedisStoreOptions {
  /** `redis://[:password@]host:port/db` or `rediss://…`. */
  readonly url?: string;
  /** ioredis connection options; the fail-fast settings (offline queue, retries, timeouts) are the store's own. */
  readonly redis?: RedisOptions;
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

/**
 * A {@link Store} in Redis, shared by any number of gateway instances. Multi-key updates (rotation, revocation,
 * compare-and-delete, suite ticket and install ordering) are Lua scripts, hence atomic; waits, revocations and
 * install changes travel over pub/sub on one subscriber connection. When Redis is down every call rejects within
 * `commandTimeoutMs` with {@link StoreUnavailableError}, and the connections come back by themselves.
 *
 * @example
 * const store = createRedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'wecom-auth:prod:' });
 * const lock = await store.accessTokens.tryLock(cacheKey, 10_000);
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  if (options.url === undefined && options.redis === undefined) {
    throw new TypeError('createRedisStore: set url or redis');
  }
  if (options.redis?.keyPrefix !== undefined) {
    throw new TypeError('createRedisStore: set keyPrefix, not redis.keyPrefix');
  }
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  assertPositiveMs('createRedisStore: commandTimeoutMs', timeoutMs);
  const tombstoneRetentionMs = options.installTombstoneRetentionMs ?? INSTALL_TOMBSTONE_RETENTION_MS;
  assertPositiveMs('createRedisStore: installTombstoneRetentionMs', tombstoneRetentionMs);
  const prefix = options.keyPrefix ?? 'wecom-auth:';
  const now = options.now ?? Date.now;
  const connectionName = options.connectionName ?? 'wecom-auth-store';
  const client = createFailFastClient(options.url, options.redis ?? {}, timeoutMs, connectionName);
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
    open: () => createFailFastClient(options.url, options.redis ?? {}, timeoutMs, `${connectionName}:sub`),
    changesChannel: `${prefix}changes`,
    revocationsChannel: `${prefix}revocations`,
    installsChannel: `${prefix}suite-installs`,
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
    accessTokens: createRedisAccessTokenStore(prefix, now, run, subscribe, waiters),
    sessions: createRedisSessionStore(prefix, now, run, subscribe, revocationListeners),
    loginRetries: createRedisLoginRetryStore(prefix, run),
    cache: createRedisCacheStore(prefix, run),
    signingKeys: createRedisSigningKeyStore(prefix, run),
    inbox: createRedisEventInbox(prefix, run),
    suites: createRedisSuiteStore(prefix, now, run, subscribe, installListeners, tombstoneRetentionMs),
    events: createRedisSecurityEventLog(prefix, run),
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
