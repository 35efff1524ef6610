/**
 * The Redis connection of the rate limiter, so that a limit holds across every gateway instance. It fails fast
 * (no offline queue, short timeouts): when Redis is away the limiter is skipped rather than holding requests,
 * and the requests that need the store then fail on their own with 503.
 */
import { Redis } from 'ioredis';

/**
 * @example
 * const client = createRateLimitRedis(process.env.REDIS_URL);
 * await app.register(rateLimit, { redis: client, skipOnError: true });
 */
export function createRateLimitRedis(url: string): Redis {
  const client = new Redis(url, {
    connectionName: 'wecom-auth-ratelimit',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Short: a hung Redis must not eat the 2 s in which a request that needs the store answers 503.
    commandTimeout: 300,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Failures surface through the limiter (skipped) and the store's readiness; each one printed would be noise.
  client.on('error', () => {});
  return client;
}

/** Closes the client: QUIT when connected, else drops the socket. */
export async function closeRateLimitRedis(client: Redis): Promise<void> {
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
