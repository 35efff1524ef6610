import type { RevocationEntry } from './ports.js';

type RevocationListener = (entry: RevocationEntry) => void;

/**
 * In-process fan-out of "this access-token key changed" and "this session was revoked". The memory store owns one;
 * SQLite stores on the same file share one, because one SQLite file serves one gateway process.
 */
export class LocalChangeHub {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #revocationListeners = new Set<RevocationListener>();

  /** Wakes every caller waiting on `key`. */
  notifyChange(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const wake of set) wake();
  }

  /** Resolves on the next {@link notifyChange} of `key`, or after `timeoutMs`. */
  waitForChange(key: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.#waiters.get(key);
      if (!set) {
        set = new Set();
        this.#waiters.set(key, set);
      }
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const current = this.#waiters.get(key);
        current?.delete(wake);
        if (current?.size === 0) this.#waiters.delete(key);
        resolve();
      }, timeoutMs);
      // A pending wait alone must not keep the process alive.
      timer.unref();
      set.add(wake);
    });
  }

  publishRevocation(entry: RevocationEntry): void {
    // A throwing listener must not keep the others from learning about the revocation.
    for (const listener of [...this.#revocationListeners]) {
      try {
        listener(entry);
      } catch {
        // The listener's own failure is its concern; the revocation is durable in the store either way.
      }
    }
  }

  subscribeRevocations(listener: RevocationListener): () => void {
    // Wrapped so the same function subscribed twice is two subscriptions, each removable on its own.
    const wrapped: RevocationListener = (entry) => listener(entry);
    this.#revocationListeners.add(wrapped);
    return () => {
      this.#revocationListeners.delete(wrapped);
    };
  }
}
