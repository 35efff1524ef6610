import { assertPositiveMs } from '../input-validation.js';
import type { LoginRetryStore } from '../ports.js';

/** Under one key: a claim (`holder`) while an exchange runs, then its answer. */
type Entry =
  | { readonly holder: string; readonly expiresAt: number }
  | { readonly answer: string; readonly expiresAt: number };

/**
 * How many keys are kept at most, by default. A kept login answer is about 3 KB of this process's heap (its JSON
 * holds the employee's profile, often in Chinese, which V8 keeps two bytes a character), so the bound is about
 * 60 MB: every answer of a one-minute window at 330 logins a second. Past it the oldest keys are dropped, which costs
 * a retry its answer (WeCom then refuses the spent code and the client logs in again), never a session.
 */
export const DEFAULT_MAX_LOGIN_RETRY_ENTRIES = 20_000;

/**
 * The login-retry port in this process's memory: the memory store's, and the SQLite store's (one file serves one
 * process, see `sqlite-store.ts`). At most `maxEntries` keys ({@link DEFAULT_MAX_LOGIN_RETRY_ENTRIES} by default).
 */
export function createMemoryLoginRetryStore(
  now: () => number,
  maxEntries = DEFAULT_MAX_LOGIN_RETRY_ENTRIES,
): LoginRetryStore {
  const entries = new Map<string, Entry>();
  let lastSweep = now();
  // Most answers are never asked for again: they are dropped by this sweep, not by a read.
  const sweep = (): void => {
    const at = now();
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
  };
  /**
   * Past the bound, the oldest keys are dropped down to this, a sixty-fourth below it, in one pass. Dropping one key
   * per new one cost each login at the bound a walk from the oldest key: a Map keeps the places of deleted keys until
   * it is rehashed, and a walk steps over each, so every new key stepped over thousands (13 µs a login, where one
   * pass per sixty-fourth of the bound costs about 1).
   */
  const lowWater = Math.max(1, maxEntries - Math.floor(maxEntries / 64));
  /** Sets `key` as the newest entry, dropping the oldest ones past the bound (a Map iterates in insertion order). */
  const put = (key: string, entry: Entry): void => {
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size <= maxEntries) return;
    // The newest key is never dropped: lowWater is at least 1, and the walk stops before it.
    for (const oldest of entries.keys()) {
      entries.delete(oldest);
      if (entries.size <= lowWater) break;
    }
  };
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    keepsInProcess: true,
    async claim(key, holder, ttlMs) {
      assertPositiveMs('loginRetries.claim: ttlMs', ttlMs);
      sweep();
      const entry = live(key);
      if (entry && 'answer' in entry) {
        entries.delete(key);
        return { state: 'answered', answer: entry.answer };
      }
      if (entry) return { state: 'pending' };
      put(key, { holder, expiresAt: now() + ttlMs });
      return { state: 'claimed' };
    },
    async fulfil(key, holder, answer, ttlMs) {
      assertPositiveMs('loginRetries.fulfil: ttlMs', ttlMs);
      const entry = live(key);
      if (!entry || !('holder' in entry) || entry.holder !== holder) return false;
      put(key, { answer, expiresAt: now() + ttlMs });
      return true;
    },
    async release(key, holder) {
      const entry = live(key);
      if (entry && 'holder' in entry && entry.holder === holder) entries.delete(key);
    },
  };
}
