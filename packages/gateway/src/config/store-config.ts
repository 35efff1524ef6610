/**
 * Which store a configuration selects, decided here only: Redis when `REDIS_URL`, `REDIS_SENTINELS` or
 * `REDIS_CLUSTER_NODES` is set (several instances share it), else the embedded SQLite file.
 */
import type { OpenStoreConfig, RedisStoreOptions } from '@wecom-auth/store';
import type { RedisOptions } from 'ioredis';
import type { GatewayConfig } from './load-config.js';
import { settings } from './settings.js';

/**
 * Each Redis call gives up after this long, so a request that needs a lost Redis answers 503 within about 2 s
 * instead of hanging.
 */
export const redisCommandTimeoutMs = 1_500;

/** The Redis settings of a configuration. */
export type RedisSettings = Pick<
  GatewayConfig,
  | 'redisUrl'
  | 'redisSentinels'
  | 'redisSentinelName'
  | 'redisSentinelPassword'
  | 'redisClusterNodes'
  | 'redisUsername'
  | 'redisPassword'
  | 'redisTls'
  | 'redisWaitReplicas'
  | 'redisWaitTimeoutMs'
>;

/** How to reach the Redis a configuration names: one server, a Sentinel-managed primary, or a Cluster. */
export type RedisConnection = Pick<RedisStoreOptions, 'url' | 'redis' | 'sentinel' | 'cluster'>;

/**
 * The Redis connection of a configuration; undefined when it names no Redis (the SQLite store).
 *
 * @example
 * const connection = redisConnectionOf(config);
 * // { cluster: { nodes: [{ host: '10.0.0.1', port: 7000 }] }, redis: {} }
 */
export function redisConnectionOf(config: RedisSettings): RedisConnection | undefined {
  if (config.redisUrl !== undefined) return { url: config.redisUrl };
  const servers: RedisOptions = {
    ...(config.redisUsername === undefined ? {} : { username: config.redisUsername }),
    ...(config.redisPassword === undefined ? {} : { password: config.redisPassword }),
    ...(config.redisTls ? { tls: {} } : {}),
  };
  if (config.redisSentinels !== undefined) {
    return {
      redis: servers,
      sentinel: {
        sentinels: config.redisSentinels,
        name: config.redisSentinelName,
        ...(config.redisSentinelPassword === undefined
          ? {}
          : { sentinelPassword: config.redisSentinelPassword }),
      },
    };
  }
  if (config.redisClusterNodes !== undefined)
    return { redis: servers, cluster: { nodes: config.redisClusterNodes } };
  return undefined;
}

/** Whether a configuration keeps its store in Redis. */
export function usesRedis(config: RedisSettings): boolean {
  return redisConnectionOf(config) !== undefined;
}

/**
 * A short description of where the store is, with no password in it: for logs and the doctor.
 *
 * @example
 * describeRedis(config); // 'Redis Cluster (seeds 10.0.0.1:7000, 10.0.0.2:7000)'
 */
export function describeRedis(config: RedisSettings): string | undefined {
  const list = (nodes: readonly { host: string; port: number }[]): string =>
    nodes.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)).join(', ');
  if (config.redisUrl !== undefined) {
    try {
      return `Redis at ${new URL(config.redisUrl).host}`;
    } catch {
      return 'Redis';
    }
  }
  if (config.redisSentinels !== undefined) {
    return `Redis Sentinel (primary "${config.redisSentinelName}", Sentinels ${list(config.redisSentinels)})`;
  }
  if (config.redisClusterNodes !== undefined)
    return `Redis Cluster (seeds ${list(config.redisClusterNodes)})`;
  return undefined;
}

/**
 * The problems of the Redis settings taken together (each setting alone was checked by its schema).
 *
 * @example
 * checkRedisSettings(values, problems);
 */
export function checkRedisSettings(values: Partial<RedisSettings>, problems: string[]): void {
  const chosen = [
    values.redisUrl === undefined ? undefined : settings.redisUrl.env,
    values.redisSentinels === undefined ? undefined : settings.redisSentinels.env,
    values.redisClusterNodes === undefined ? undefined : settings.redisClusterNodes.env,
  ].filter((name): name is string => name !== undefined);
  if (chosen.length > 1) {
    problems.push(
      `${chosen.join(', ')}: set one of them, for one Redis, a Sentinel-managed primary or a Cluster`,
    );
  }
  if (values.redisUrl !== undefined) {
    for (const setting of [settings.redisUsername, settings.redisPassword]) {
      const name = setting === settings.redisUsername ? 'redisUsername' : 'redisPassword';
      if (values[name] !== undefined) {
        problems.push(
          `${setting.env}: with ${settings.redisUrl.env}, put it in the URL (redis://user:password@host:port)`,
        );
      }
    }
    if (values.redisTls === true) {
      problems.push(`${settings.redisTls.env}: with ${settings.redisUrl.env}, use a rediss:// URL`);
    }
  }
  if (chosen.length === 0 && (values.redisWaitReplicas ?? 0) > 0) {
    problems.push(
      `${settings.redisWaitReplicas.env}: needs Redis (${settings.redisUrl.env}, ${settings.redisSentinels.env} or ${settings.redisClusterNodes.env})`,
    );
  }
}

/**
 * The `openStore` configuration of a gateway configuration.
 *
 * @example
 * const store = openStore(storeConfigFrom(loadConfig({ env: process.env })));
 */
export function storeConfigFrom(config: RedisSettings & Pick<GatewayConfig, 'dbPath'>): OpenStoreConfig {
  const connection = redisConnectionOf(config);
  if (connection === undefined) return { sqlitePath: config.dbPath };
  return {
    redis: {
      ...connection,
      commandTimeoutMs: redisCommandTimeoutMs,
      ...(config.redisWaitReplicas > 0
        ? { waitForReplicas: { replicas: config.redisWaitReplicas, timeoutMs: config.redisWaitTimeoutMs } }
        : {}),
    },
  };
}
