import type Database from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { assertPositiveMs, toCacheJson } from '../input-validation.js';
import type { CacheStore } from '../ports.js';
import type { SqliteGuard } from './sqlite-connection.js';

/** An entry of the cache as the file holds it: its JSON and when it expires. */
interface CachedJson {
  readonly json: string;
  readonly expiresAt: number;
}

/**
 * How many entries are read from memory rather than from the file, by default: the employee profiles of a corp of
 * this size (a login reads its employee's profile, so the hot set is the employees logging in).
 */
export const DEFAULT_CACHE_MEMO_ENTRIES = 10_000;

/**
 * The entries the SQLite cache read last, shared by the stores this process opens on one file. One file serves one
 * process and every write to the cache goes through a store of this process, so the memo is never stale: `set` and
 * `delete` update it as they write the file. A login read its employee's profile from the file every time (a
 * statement, its read transaction and a row copied out), a tenth of what the store cost a login; from here it is a
 * map lookup. Bounded: past `maxEntries` the entry read or written least recently is dropped (it is still in the file).
 */
export class SqliteCacheMemo {
  readonly #entries: LRUCache<string, CachedJson>;

  constructor(maxEntries = DEFAULT_CACHE_MEMO_ENTRIES) {
    this.#entries = new LRUCache({ max: maxEntries });
  }

  /** The entry under `key`, as last read or written; undefined when not in memory. */
  get(key: string): CachedJson | undefined {
    return this.#entries.get(key);
  }

  /** Remembers `entry` under `key` as the newest. */
  remember(key: string, entry: CachedJson): void {
    this.#entries.set(key, entry);
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * The cache port of the SQLite store: JSON values in `cache`, committed without a sync of their own, read through
 * `memo`. An entry is in the file whether or not it is in the memo, so the memo may drop any of them.
 */
export function createSqliteCacheStore(
  db: Database.Database,
  now: () => number,
  guard: SqliteGuard,
  memo: SqliteCacheMemo,
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
        let entry = memo.get(key);
        if (!entry) {
          const row = select.get(key);
          if (!row) return undefined;
          entry = { json: row.value, expiresAt: row.expires_at };
          memo.remember(key, entry);
        }
        if (entry.expiresAt <= now()) {
          memo.forget(key);
          removeExpired.run(key, now());
          return undefined;
        }
        // Parsed for each caller: each gets its own copy, as from the other adapters.
        return JSON.parse(entry.json) as T;
      });
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      const json = toCacheJson(value);
      const expiresAt = now() + ttlMs;
      guard(() => upsert.run(key, json, expiresAt));
      memo.remember(key, { json, expiresAt });
    },
    async delete(key) {
      // Forgotten first: should the statement fail, the next read goes to the file rather than to a stale memo.
      memo.forget(key);
      guard(() => remove.run(key));
    },
  };
}
