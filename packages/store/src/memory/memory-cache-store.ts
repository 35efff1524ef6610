import { assertPositiveMs, toCacheJson } from '../input-validation.js';
import type { CacheStore } from '../ports.js';

/** The cache port of the memory store. */
export function createMemoryCacheStore(now: () => number): CacheStore {
  // Values are kept as JSON so that callers get a copy, exactly as from the other adapters.
  const entries = new Map<string, { readonly json: string; readonly expiresAt: number }>();
  return {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return JSON.parse(entry.json) as T;
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      entries.set(key, { json: toCacheJson(value), expiresAt: now() + ttlMs });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}
