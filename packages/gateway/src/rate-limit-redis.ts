/**
 * The Redis connection of the rate limiter and the per-corp login budget, so that a limit holds across every gateway
 * instance: the store's Redis, whichever its topology (one server, a Sentinel-managed primary, a Cluster). It fails
 * fast (no offline queue, short timeouts): when Redis is away the limiter is skipped rather than holding requests,
 * and the requests that need the store then fail on their own with 503.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from './config/store-config.js';

/**
 * @example
 * const client = createRateLimitRedis({ url: process.env.REDIS_URL });
 * await app.register(rateLimit, { redis: client, skipOnError: true });
 */
export function createRateLimitRedis(connection: RedisConnection): Redis | Cluster {
  const failFast: RedisOptions = {
    ...connection.redis,
    connectionName: 'wecom-auth-ratelimit',
    maxRetriesPerRequest: 1,
    // Short: a hung Redis must not eat the 2 s in which a request that needs the store answers 503.
    commandTimeout: 300,
    connectTimeout: 1_000,
  };
  const reconnect = (attempt: number): number => Math.min(attempt * 100, 1_000);
  const client = connection.cluster
    ? new Cluster(
        connection.cluster.nodes.map(({ host, port }) => ({ host, port })),
        {
          redisOptions: failFast,
          enableOfflineQueue: false,
          slotsRefreshTimeout: 1_000,
          clusterRetryStrategy: reconnect,
        },
      )
    : connection.sentinel
      ? new Redis({
          ...failFast,
          enableOfflineQueue: false,
          retryStrategy: reconnect,
          sentinels: connection.sentinel.sentinels.map(({ host, port }) => ({ host, port })),
          name: connection.sentinel.name,
          ...(connection.sentinel.sentinelPassword === undefined
            ? {}
            : { sentinelPassword: connection.sentinel.sentinelPassword }),
        })
      : new Redis(connection.url ?? 'redis://127.0.0.1:6379', {
          ...failFast,
          enableOfflineQueue: false,
          retryStrategy: reconnect,
        });
  // Failures surface through the limiter (skipped) and the store's readiness; each one printed would be noise.
  client.on('error', () => {});
  return client;
}

/** Closes the client: QUIT when connected, else drops the socket. */
export async function closeRateLimitRedis(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // The connection is going away either way.
    }
  }
  client.disconnect();
}
