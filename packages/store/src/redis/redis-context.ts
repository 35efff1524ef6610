import type { RedisRun } from './redis-connection.js';
import type { RedisKeyspace } from './redis-keyspace.js';

/** What every port of the Redis store is built on: its keys, its one command path, its clock, its replication wait. */
export interface RedisStoreContext {
  readonly keys: RedisKeyspace;
  readonly run: RedisRun;
  /** The clock, in epoch milliseconds. */
  readonly now: () => number;
  /**
   * Resolves once the writes made so far reached as many replicas as the store was told to wait for (`WAIT`);
   * rejects with `StoreUnavailableError` when fewer acknowledged them in time. Called after the writes that must
   * survive a failover, before they are acknowledged; a no-op unless the store waits for replicas.
   */
  readonly replicate: () => Promise<void>;
}
