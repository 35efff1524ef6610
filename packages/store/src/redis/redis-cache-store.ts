import { assertPositiveMs, toCacheJson } from '../input-validation.js';
import type { CacheStore } from '../ports.js';
import type { RedisStoreContext } from './redis-context.js';

/** The cache port of the Redis store: JSON strings under `c:<key>`, expired by Redis (`PX`). */
export function createRedisCacheStore({ keys, run }: RedisStoreContext): CacheStore {
  return {
    async get<T>(key: string) {
      const json = await run((redis) => redis.get(keys.cache(key)));
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      const json = toCacheJson(value);
      await run((redis) => redis.set(keys.cache(key), json, 'PX', Math.ceil(ttlMs)));
    },
    async delete(key) {
      await run((redis) => redis.del(keys.cache(key)));
    },
  };
}
