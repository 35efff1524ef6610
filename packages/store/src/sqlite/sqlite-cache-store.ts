import type Database from 'better-sqlite3';
import { assertPositiveMs, toCacheJson } from '../input-validation.js';
import type { CacheStore } from '../ports.js';
import type { SqliteGuard } from './sqlite-connection.js';

/** The cache port of the SQLite store: JSON values in `cache`, committed without a sync of their own. */
export function createSqliteCacheStore(
  db: Database.Database,
  now: () => number,
  guard: SqliteGuard,
): CacheStore {
  const select = db.prepare<[string], { value: string; expires_at: number }>(
    'SELECT value, expires_at FROM cache WHERE key = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO cache (key, value, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
  );
  const remove = db.prepare('DELETE FROM cache WHERE key = ?');
  const removeExpired = db.prepare('DELETE FROM cache WHERE key = ? AND expires_at <= ?');
  return {
    async get<T>(key: string) {
      return guard(() => {
        const row = select.get(key);
        if (!row) return undefined;
        if (row.expires_at <= now()) {
          removeExpired.run(key, now());
          return undefined;
        }
        return JSON.parse(row.value) as T;
      });
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      const json = toCacheJson(value);
      guard(() => upsert.run(key, json, now() + ttlMs));
    },
    async delete(key) {
      guard(() => remove.run(key));
    },
  };
}
