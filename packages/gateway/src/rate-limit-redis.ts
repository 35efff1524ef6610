/**
 * The Redis connection of the rate limiter and the per-corp login budget, so that a limit holds across every gateway
 * instance: the store's Redis, whichever its topology (one server, a Sentinel-managed primary, a Cluster). It fails
 * fast (no offline queue, short timeouts): when Redis is away the limiter is skipped rather than holding requests,
 * and the requests that need the store then fail on their own with 503.
 */
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient } from './config/redis-client.js';
import type { RedisConnection } from './config/store-config.js';

/**
 * @example
 * const client = createRateLimitRedis({ url: process.env.REDIS_URL });
 * await app.register(rateLimit, { redis: client, skipOnError: true });
 */
export function createRateLimitRedis(connection: RedisConnection): Redis | Cluster {
  const reconnect = (attempt: number): number => Math.min(attempt * 100, 1_000);
  const client = createRedisClient(connection, {
    options: {
      connectionName: 'wecom-auth-ratelimit',
      maxRetriesPerRequest: 1,
      // Short: a hung Redis must not eat the 2 s in which a request that needs the store answers 503.
      commandTimeout: 300,
      connectTimeout: 1_000,
    },
    single: { enableOfflineQueue: false, retryStrategy: reconnect },
    cluster: { enableOfflineQueue: false, slotsRefreshTimeout: 1_000, clusterRetryStrategy: reconnect },
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
