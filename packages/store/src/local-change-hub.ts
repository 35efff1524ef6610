import type { RevocationEntry, SuiteInstallChange } from './ports.js';

type RevocationListener = (entry: RevocationEntry) => void;
type InstallListener = (change: SuiteInstallChange) => void;

/**
 * In-process fan-out of "this access-token key changed", "this session was revoked" and "this suite install
 * changed". The memory store owns one;
 * SQLite stores on the same file share one, because one SQLite file serves one gateway process.
 */
export class LocalChangeHub {
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #revocationListeners = new Set<RevocationListener>();
  readonly #installListeners = new Set<InstallListener>();

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
    fanOut(this.#revocationListeners, entry);
  }

  subscribeRevocations(listener: RevocationListener): () => void {
    return subscribe(this.#revocationListeners, listener);
  }

  publishInstallChange(change: SuiteInstallChange): void {
    fanOut(this.#installListeners, change);
  }

  subscribeInstalls(listener: InstallListener): () => void {
    return subscribe(this.#installListeners, listener);
  }
}

function fanOut<T>(listeners: Set<(message: T) => void>, message: T): void {
  // A throwing listener must not keep the others from learning about the change.
  for (const listener of [...listeners]) {
    try {
      listener(message);
    } catch {
      // The listener's own failure is its concern; the change is durable in the store either way.
    }
  }
}

function subscribe<T>(listeners: Set<(message: T) => void>, listener: (message: T) => void): () => void {
  // Wrapped so the same function subscribed twice is two subscriptions, each removable on its own.
  const wrapped = (message: T): void => listener(message);
  listeners.add(wrapped);
  return () => {
    listeners.delete(wrapped);
  };
}
