/**
 * An ioredis client for the store's Redis, whichever its topology, for the gateway's own connections to it (the rate
 * limiter's, the doctor's). The store opens its own (`@wecom-auth/store`); these need other failure policies, so they
 * say them in `options`, and this says once how each topology is reached.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from './store-config.js';

/** How a client of {@link createRedisClient} behaves. */
export interface RedisClientPolicy {
  /** The options of every connection: to the one server, to the Sentinel-managed primary, to each Cluster node. */
  readonly options: RedisOptions;
  /**
   * For one server and for Sentinel only: the client's own policy (reconnection, offline queue, asking the Sentinels
   * again). A Cluster's node connections are the cluster client's to manage, so these stay off them.
   */
  readonly single: Pick<RedisOptions, 'retryStrategy' | 'enableOfflineQueue' | 'sentinelRetryStrategy'>;
  /** For a Cluster: the options of the cluster client itself (its retry policy, offline queue, slot refreshes). */
  readonly cluster: Omit<ClusterOptions, 'redisOptions'>;
}

/**
 * A client of `connection` (one Redis, the primary its Sentinels name, or a Cluster) with `policy`. Its errors are
 * the caller's to listen to.
 *
 * @example
 * const client = createRedisClient(connection, {
 *   options: { connectionName: 'wecom-auth-doctor', lazyConnect: true },
 *   single: { retryStrategy: () => null },
 *   cluster: { lazyConnect: true, clusterRetryStrategy: () => null },
 * });
 */
export function createRedisClient(connection: RedisConnection, policy: RedisClientPolicy): Redis | Cluster {
  const options: RedisOptions = { ...connection.redis, ...policy.options };
  if (connection.cluster) {
    return new Cluster(
      connection.cluster.nodes.map(({ host, port }) => ({ host, port })),
      { ...policy.cluster, redisOptions: options },
    );
  }
  const single: RedisOptions = { ...options, ...policy.single };
  if (connection.sentinel) {
    const { sentinels, name, sentinelPassword } = connection.sentinel;
    return new Redis({
      ...single,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    });
  }
  return new Redis(connection.url ?? 'redis://127.0.0.1:6379', single);
}
