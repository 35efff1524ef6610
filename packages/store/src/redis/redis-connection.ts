import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../ports.js';

/** The command connection of the Redis store: one Redis (alone or found through Sentinel), or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** A `host:port` of a Redis Cluster node or a Sentinel. */
export interface RedisNodeAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Opens an ioredis client that fails fast: no offline queue (a command while disconnected fails at once instead of
 * waiting for a reconnect), one retry per request, a command and connect timeout, and background reconnection with
 * a capped backoff (unless `options.retryStrategy` says otherwise). With `options.sentinels` it is the primary that
 * the Sentinels name, found again after a failover.
 */
export function createFailFastClient(
  url: string | undefined,
  options: RedisOptions,
  timeoutMs: number,
  connectionName: string,
): Redis {
  const failFast: RedisOptions = {
    ...options,
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // Resubscription is done by the store itself, so it knows when to tell subscribers to resynchronise.
    autoResubscribe: false,
    // Commands issued in one tick travel in one write: a login's several keys cost one round trip, not several.
    enableAutoPipelining: true,
    retryStrategy: options.retryStrategy ?? ((attempt) => Math.min(attempt * 100, 1_000)),
    // A primary demoted by a Sentinel failover answers writes with READONLY: reconnecting asks the Sentinels for
    // the new primary (without Sentinels it reconnects to the same server, which is harmless).
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
  const client = url === undefined ? new Redis(failFast) : new Redis(url, failFast);
  // Connection failures reach callers as StoreUnavailableError; without a listener ioredis would print each one.
  client.on('error', () => {});
  return client;
}

/**
 * Opens an ioredis Cluster client that fails fast as {@link createFailFastClient} does: no offline queue, a command
 * and connect timeout on every node, and slot-map refreshes bounded by the same timeout. A command for a slot whose
 * primary was lost fails (the store answers 503) until the cluster has promoted a replica; the client then follows
 * the new slot map by itself (MOVED, ASK and CLUSTERDOWN are retried briefly, within the store's own deadline).
 */
export function createFailFastCluster(
  nodes: readonly RedisNodeAddress[],
  options: RedisOptions,
  timeoutMs: number,
  connectionName: string,
): Cluster {
  const {
    port: _port,
    host: _host,
    path: _path,
    sentinels: _sentinels,
    retryStrategy: _retryStrategy,
    enableOfflineQueue: _offline,
    readOnly: _readOnly,
    ...nodeOptions
  } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: {
      ...nodeOptions,
      connectionName,
      maxRetriesPerRequest: 1,
      commandTimeout: timeoutMs,
      connectTimeout: timeoutMs,
      autoResubscribe: false,
    },
    enableOfflineQueue: false,
    // No auto-pipelining: a batch of commands for several slots of one node that meets a live reshard comes back
    // part MOVED, and the client retries a batch only when every command in it was redirected alike, so the
    // redirected ones would fail instead of following the slot. Commands still share each node's socket.
    enableAutoPipelining: false,
    scaleReads: 'master',
    slotsRefreshTimeout: timeoutMs,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
  const cluster = new Cluster(
    nodes.map((node) => ({ host: node.host, port: node.port })),
    clusterOptions,
  );
  cluster.on('error', () => {});
  return cluster;
}

/**
 * Resolves once `client` can take commands. Rejects at once while it is between reconnection attempts (the server
 * was lost: waiting would only delay the error), and when the attempt in progress fails.
 */
export function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  switch (client.status) {
    case 'ready':
      return Promise.resolve();
    case 'end':
    case 'close':
    case 'reconnecting':
    case 'disconnecting':
      return Promise.reject(new StoreUnavailableError('Redis is not connected'));
    case 'wait':
      client.connect().catch(() => {});
      break;
    case 'connecting':
    case 'connect':
      break;
  }
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: StoreUnavailableError): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onFailure);
      client.off('end', onFailure);
      client.off('close', onFailure);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => settle();
    const onFailure = (cause?: unknown): void =>
      settle(
        new StoreUnavailableError('Redis cannot be reached', cause === undefined ? undefined : { cause }),
      );
    const timer = setTimeout(
      () => settle(new StoreUnavailableError(`Redis did not connect within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('ready', onReady);
    client.on('error', onFailure);
    client.on('end', onFailure);
    client.on('close', onFailure);
  });
}

/** Closes a client: QUIT when connected (lets pending replies arrive), else drops the socket. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection is going away either way.
    }
  }
  client.disconnect();
}

/**
 * Runs one unit of work on the store's command connection: waits until it is ready, bounds the whole by the
 * command timeout, and turns Redis's failures into {@link StoreUnavailableError}. Every port of the Redis store
 * issues its commands through the one `run` of its store.
 */
export type RedisRun = <T>(work: (client: RedisClient) => Promise<T>) => Promise<T>;
