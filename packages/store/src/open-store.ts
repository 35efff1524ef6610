import { createMemoryStore } from './memory/memory-store.js';
import type { Store } from './ports.js';
import { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
import { createSqliteStore } from './sqlite/sqlite-store.js';

/**
 * Which store {@link openStore} opens: Redis when `redisUrl` or `redis` (any topology: one Redis, Sentinel, Cluster)
 * is set, else SQLite when `sqlitePath` is set.
 * `installTombstoneRetentionMs`: how long an uninstall keeps older install events out (default 30 days).
 */
export type OpenStoreConfig =
  | {
      readonly redisUrl: string;
      readonly keyPrefix?: string;
      readonly commandTimeoutMs?: number;
      readonly now?: () => number;
      readonly installTombstoneRetentionMs?: number;
    }
  | {
      readonly redis: RedisStoreOptions;
      readonly now?: () => number;
      readonly installTombstoneRetentionMs?: number;
    }
  | {
      readonly sqlitePath: string;
      readonly now?: () => number;
      readonly installTombstoneRetentionMs?: number;
    }
  | { readonly kind: 'memory'; readonly now?: () => number; readonly installTombstoneRetentionMs?: number };

/**
 * Opens the store a configuration asks for: `{ redisUrl }` → Redis (several gateway instances), else
 * `{ sqlitePath }` → SQLite (one instance), `{ kind: 'memory' }` → memory (tests).
 *
 * @example
 * const store = openStore(
 *   process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : { sqlitePath: './data/store.db' },
 * );
 */
export function openStore(config: OpenStoreConfig): Store {
  // What every adapter takes alike.
  const common = {
    ...(config.now === undefined ? {} : { now: config.now }),
    ...(config.installTombstoneRetentionMs === undefined
      ? {}
      : { installTombstoneRetentionMs: config.installTombstoneRetentionMs }),
  };
  if ('redisUrl' in config && typeof config.redisUrl === 'string' && config.redisUrl !== '') {
    return createRedisStore({
      url: config.redisUrl,
      ...common,
      ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }),
      ...(config.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: config.commandTimeoutMs }),
    });
  }
  if ('redis' in config && typeof config.redis === 'object')
    return createRedisStore({ ...config.redis, ...common });
  if ('sqlitePath' in config && typeof config.sqlitePath === 'string' && config.sqlitePath !== '') {
    return createSqliteStore({ path: config.sqlitePath, ...common });
  }
  if ('kind' in config && config.kind === 'memory') return createMemoryStore(common);
  throw new TypeError("openStore: set redisUrl, sqlitePath or kind: 'memory'");
}
