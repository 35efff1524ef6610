import { assertPositiveMs } from '../input-validation.js';
import type { LoginRetryStore } from '../ports.js';

/** Under one key: a claim (`holder`) while an exchange runs, then its answer. */
type Entry =
  | { readonly holder: string; readonly expiresAt: number }
  | { readonly answer: string; readonly expiresAt: number };

/** The login-retry port of the memory store. */
export function createMemoryLoginRetryStore(now: () => number): LoginRetryStore {
  const entries = new Map<string, Entry>();
  let lastSweep = now();
  // Most answers are never asked for again: they are dropped by this sweep, not by a read.
  const sweep = (): void => {
    const at = now();
    if (at - lastSweep < 60_000) return;
    lastSweep = at;
    for (const [key, entry] of [...entries]) if (entry.expiresAt <= at) entries.delete(key);
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
    async claim(key, holder, ttlMs) {
      assertPositiveMs('loginRetries.claim: ttlMs', ttlMs);
      sweep();
      const entry = live(key);
      if (entry && 'answer' in entry) {
        entries.delete(key);
        return { state: 'answered', answer: entry.answer };
      }
      if (entry) return { state: 'pending' };
      entries.set(key, { holder, expiresAt: now() + ttlMs });
      return { state: 'claimed' };
    },
    async fulfil(key, holder, answer, ttlMs) {
      assertPositiveMs('loginRetries.fulfil: ttlMs', ttlMs);
      const entry = live(key);
      if (!entry || !('holder' in entry) || entry.holder !== holder) return false;
      entries.set(key, { answer, expiresAt: now() + ttlMs });
      return true;
    },
    async release(key, holder) {
      const entry = live(key);
      if (entry && 'holder' in entry && entry.holder === holder) entries.delete(key);
    },
  };
}
