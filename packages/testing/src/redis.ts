/**
 * The Redis the tests share: where it is, whether it answers, and one logical database per test file.
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { serviceAvailable } from './service-guard.js';

/** The Redis the tests use; `TEST_REDIS=host:port` points them elsewhere (parallel checkouts, another port). */
export const REDIS_HOST_PORT = process.env.TEST_REDIS ?? '127.0.0.1:6379';

/**
 * Why Redis at `url` cannot be used, or undefined when it answers a PING.
 *
 * @example
 * expect(await probeRedis(scratch.url)).toBeUndefined();
 */
export async function probeRedis(url: string): Promise<string | undefined> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket error (ECONNREFUSED …) says more than the rejection of connect() ("Connection is closed.").
  let socketError: Error | undefined;
  probe.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return socketError?.message ?? (error instanceof Error ? error.message : String(error));
  } finally {
    probe.disconnect();
  }
}

/**
 * Whether the suite's Redis at `url` answers, under the policy of {@link serviceAvailable}: skipped with a warning
 * locally, a failure under CI.
 *
 * @param suite what is skipped, as the warning names it.
 * @param url the Redis; named in messages by host only, since a URL may carry a password.
 */
export async function redisAvailable(suite: string, url: string): Promise<boolean> {
  const unreachable = await probeRedis(url);
  const problem =
    unreachable === undefined ? undefined : `Redis at ${new URL(url).host} is unreachable (${unreachable})`;
  return serviceAvailable(suite, problem);
}

/**
 * Decides once per file whether its Redis tests run (see {@link redisAvailable}) and gives the file a logical
 * database of its own on {@link REDIS_HOST_PORT}, so files running in parallel never see each other's keys.
 *
 * @returns the database's URL, and `unreachable` set when the file's Redis tests are skipped.
 *
 * @example
 * const redis = await redisForTests('the cluster tests', 11);
 * describe.skipIf(redis.unreachable)('two gateways on one Redis', () => { … });
 */
export async function redisForTests(
  suite: string,
  database: number,
): Promise<{ url: string; unreachable: boolean }> {
  const url = `redis://${REDIS_HOST_PORT}/${database}`;
  return { url, unreachable: !(await redisAvailable(suite, url)) };
}

/** Empties the logical database of `url`, and only that one. */
export async function flushDatabase(url: string): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await admin.flushdb();
  } finally {
    admin.disconnect();
  }
}

/**
 * Whether `suite`, which starts redis-servers of its own ({@link ScratchRedis}, a Cluster or a Sentinel set), runs:
 * redis-server must be on the PATH. Skipped visibly without it, and an error under CI (see `serviceAvailable`).
 *
 * @example
 * describe.skipIf(!redisServerAvailable('the Redis failover tests'))('Redis failover', () => { … });
 */
export function redisServerAvailable(suite: string): boolean {
  const missing = spawnSync('redis-server', ['--version']).error !== undefined;
  return serviceAvailable(
    suite,
    missing ? 'redis-server is not installed (apt-get install redis-server)' : undefined,
  );
}
