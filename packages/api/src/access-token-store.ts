/**
 * The storage port behind {@link AccessTokenManager}. One record per cache key
 * (base URL + corpId + secret hash); adapters live in `@wecom-auth/store` (SQLite, Redis),
 * and {@link createMemoryAccessTokenStore} is the in-process default.
 */

/** A cached WeCom access_token. Times are epoch milliseconds. */
export interface AccessTokenRecord {
  /** The access_token itself: a secret, never logged. */
  readonly token: string;
  /** When WeCom stops accepting it (obtainedAt + expires_in). */
  readonly expiresAt: number;
  /**
   * When the gettoken call that produced it *started*. Acts as the sequence number of the fetch:
   * a record never replaces one with a greater `obtainedAt`, so a slow, older fetch cannot win.
   */
  readonly obtainedAt: number;
}

/** A held refresh lock. Releasing a lock that already expired is a no-op. */
export interface AccessTokenLock {
  /** Gives the lock up, waking the callers waiting for it. */
  release(): Promise<void>;
}

/**
 * The storage port of the access-token cache: one record per cache key, compare-and-delete, a short refresh lock and
 * change notifications. `@wecom-auth/store` implements it over SQLite and Redis; {@link createMemoryAccessTokenStore}
 * in memory.
 */
export interface AccessTokenStore {
  /** The record under `key`, or `undefined` when there is none or it has expired. */
  get(key: string): Promise<AccessTokenRecord | undefined>;
  /**
   * Stores `record` unless the stored one has a greater `obtainedAt`; returns whichever record is stored afterwards.
   * Entries may be dropped once `expiresAt` has passed.
   */
  putIfNewer(key: string, record: AccessTokenRecord): Promise<AccessTokenRecord>;
  /** Compare-and-delete: removes the record only while it still holds `token`. True when it removed it. */
  deleteIfToken(key: string, token: string): Promise<boolean>;
  /**
   * Tries to take the short refresh lock for `key`, so that one caller among many processes runs gettoken.
   * Resolves `undefined` at once when another holder has it. A lock expires by itself after `ttlMs`.
   */
  tryLock(key: string, ttlMs: number): Promise<AccessTokenLock | undefined>;
  /** Resolves when the record under `key` is written or deleted, or after `timeoutMs`, whichever comes first. */
  waitForChange(key: string, timeoutMs: number): Promise<void>;
}

interface MemoryLock {
  readonly id: symbol;
  readonly until: number;
}

/**
 * The in-process {@link AccessTokenStore}: enough for one process. With several processes, use the Redis adapter
 * so they share one token.
 *
 * @example
 * const client = createWecomClient({ corpId, secret, store: createMemoryAccessTokenStore() });
 */
export function createMemoryAccessTokenStore(options: { now?: () => number } = {}): AccessTokenStore {
  const now = options.now ?? Date.now;
  const records = new Map<string, AccessTokenRecord>();
  const locks = new Map<string, MemoryLock>();
  const waiters = new Map<string, Set<() => void>>();

  const notify = (key: string): void => {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const wake of set) wake();
  };

  return {
    async get(key) {
      const record = records.get(key);
      if (record && record.expiresAt <= now()) {
        records.delete(key);
        return undefined;
      }
      return record;
    },
    async putIfNewer(key, record) {
      const current = records.get(key);
      if (current && current.obtainedAt > record.obtainedAt) return current;
      records.set(key, record);
      notify(key);
      return record;
    },
    async deleteIfToken(key, token) {
      if (records.get(key)?.token !== token) return false;
      records.delete(key);
      notify(key);
      return true;
    },
    async tryLock(key, ttlMs) {
      const held = locks.get(key);
      if (held && held.until > now()) return undefined;
      const lock: MemoryLock = { id: Symbol(key), until: now() + ttlMs };
      locks.set(key, lock);
      return {
        async release() {
          if (locks.get(key)?.id === lock.id) locks.delete(key);
          notify(key);
        },
      };
    },
    waitForChange(key, timeoutMs) {
      return new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) {
          set = new Set();
          waiters.set(key, set);
        }
        const wake = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.get(key)?.delete(wake);
          resolve();
        }, timeoutMs);
        timer.unref?.();
        set.add(wake);
      });
    },
  };
}
