/**
 * Group commit for the SQLite store: the session writes that arrive in one turn of the event loop share one
 * transaction, and so one fsync.
 *
 * With `synchronous=FULL` every commit waits for the disk, and better-sqlite3 waits on the event loop's thread: one
 * fsync per login was most of a login's cost under load. Concurrent logins are read from their sockets in the same
 * poll phase, so writes queued there are committed together in the check phase (`setImmediate`) that follows. No
 * promise resolves before its write is durable, so nothing acknowledged can be lost; a lone write waits one loop
 * turn at most.
 *
 * Each write runs in its own savepoint inside the shared transaction: one that fails (a duplicate refresh token
 * hash, say) is rolled back and rejected alone, and the others still commit.
 */
import type Database from 'better-sqlite3';

interface PendingWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #onCommitFailure: (error: unknown) => unknown;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  readonly #commit: Database.Transaction<(batch: readonly PendingWrite[]) => Outcome[]>;

  /**
   * @param onCommitFailure maps an error of the shared transaction itself (BEGIN or COMMIT: a busy or broken
   *   database) to what every write of the batch is rejected with.
   */
  constructor(db: Database.Database, onCommitFailure: (error: unknown) => unknown) {
    this.#db = db;
    this.#onCommitFailure = onCommitFailure;
    this.#commit = db.transaction((batch: readonly PendingWrite[]) =>
      batch.map((pending): Outcome => {
        try {
          // A transaction function called inside a transaction runs in a savepoint.
          return { ok: true, value: db.transaction(pending.work)() };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** Runs `work` (synchronous SQLite statements) in the next group commit; resolves once that commit is durable. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now; the store calls it before closing the database. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      if (!this.#db.open) throw new Error('The SQLite store is closed');
      outcomes = this.#commit.immediate(batch);
    } catch (error) {
      const failure = this.#onCommitFailure(error);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome.value);
      else pending.reject(outcome?.error);
    });
  }
}
