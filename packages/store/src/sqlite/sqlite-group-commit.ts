/**
 * Group commit for the SQLite store: the durable writes that arrive in one turn of the event loop share one
 * transaction, and so one fsync, which runs off the event loop.
 *
 * better-sqlite3 runs on the event loop's thread, so with `synchronous=FULL` every commit stopped the whole gateway
 * until the disk answered: one fsync per login was most of a login's cost under load. So concurrent writes are
 * committed together, and the commit itself does not sync (the connection runs `synchronous=NORMAL`: the frames are
 * in the WAL file, safe from a crash of the process). The WAL file is then synced on libuv's thread pool, the same
 * sync that `FULL` would have done at the commit, and only then do the writes' promises resolve: nothing is
 * acknowledged before it is on disk, and the event loop serves other requests meanwhile. Up to two syncs run at once
 * ({@link DEFAULT_CONCURRENT_SYNCS} says why); commits that land while both run are covered by the next one, so
 * syncs never queue up one per commit.
 *
 * Concurrent logins are read from their sockets in the same poll phase, so writes queued there are committed
 * together in the check phase (`setImmediate`) that follows; a lone write waits one loop turn at most.
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

/** A committed batch waiting for the sync that makes it durable. */
interface CommittedBatch {
  readonly batch: readonly PendingWrite[];
  readonly outcomes: readonly Outcome[];
}

export interface GroupCommitOptions {
  /**
   * Maps an error of the shared transaction itself (BEGIN or COMMIT: a busy or broken database) or of the sync to
   * what every write of the batch is rejected with.
   */
  readonly onCommitFailure: (error: unknown) => unknown;
  /**
   * Makes what was committed so far durable (syncs the WAL file); none for a database that is not on disk.
   */
  readonly sync?: () => Promise<void>;
  /**
   * How many syncs may run at once (default {@link DEFAULT_CONCURRENT_SYNCS}). A commit made while every one of them
   * runs waits for the next to start, so syncs never queue up one per commit.
   */
  readonly concurrentSyncs?: number;
}

/**
 * Two syncs at once, by default. With one, a commit made just after a sync started waited for that sync to finish
 * and then for a whole sync of its own: under login load on the development machine a WAL sync took 3 ms at the
 * median and 7 ms at the 90th percentile, always one running, so a login waited one and a half syncs on average.
 * With two, such a commit's sync starts at once, beside the one under way; the file system serves both, and a later
 * sync that finishes first vouches for the earlier one's writes too (they were committed before it started).
 */
export const DEFAULT_CONCURRENT_SYNCS = 2;

/** A sync under way and the batches it covers (committed before it started, and not vouched for by another yet). */
interface SyncInFlight {
  readonly committed: CommittedBatch[];
  /** Set once its batches were settled: by this sync, or by a later one that finished first. */
  settled: boolean;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #onCommitFailure: (error: unknown) => unknown;
  readonly #sync: (() => Promise<void>) | undefined;
  #queue: PendingWrite[] = [];
  #scheduled = false;
  #awaitingSync: CommittedBatch[] = [];
  /** The syncs under way, oldest first. */
  #inFlight: SyncInFlight[] = [];
  readonly #concurrentSyncs: number;
  /** Called once the next sync ends: drain() waiting for the syncs under way. */
  #syncEndWaiters: (() => void)[] = [];
  readonly #commit: Database.Transaction<(batch: readonly PendingWrite[]) => Outcome[]>;

  constructor(db: Database.Database, options: GroupCommitOptions) {
    this.#db = db;
    this.#onCommitFailure = options.onCommitFailure;
    this.#sync = options.sync;
    this.#concurrentSyncs = options.concurrentSyncs ?? DEFAULT_CONCURRENT_SYNCS;
    if (!Number.isInteger(this.#concurrentSyncs) || this.#concurrentSyncs < 1) {
      throw new TypeError('GroupCommit: concurrentSyncs must be a positive integer');
    }
    // One savepoint per write, through statements prepared once: wrapping each write in a transaction function of
    // its own (which runs as a savepoint inside a transaction) built that function anew for every write.
    const savepoint = db.prepare('SAVEPOINT group_write');
    const release = db.prepare('RELEASE group_write');
    const rollback = db.prepare('ROLLBACK TO group_write');
    this.#commit = db.transaction((batch: readonly PendingWrite[]) =>
      batch.map((pending): Outcome => {
        savepoint.run();
        try {
          const value = pending.work();
          release.run();
          return { ok: true, value };
        } catch (error) {
          // An error that ended the whole transaction (a full disk, say) took the savepoint with it; COMMIT then
          // fails, and every write of the batch is rejected.
          if (db.inTransaction) {
            rollback.run();
            release.run();
          }
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

  /** Commits what is queued now, and resolves once every write committed so far is durable. */
  async drain(): Promise<void> {
    this.flush();
    while (this.#inFlight.length > 0) {
      await new Promise<void>((resolve) => this.#syncEndWaiters.push(resolve));
    }
  }

  /** Commits what is queued now; the writes resolve once a sync has made them durable. */
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
    if (!this.#sync) {
      settle({ batch, outcomes });
      return;
    }
    this.#awaitingSync.push({ batch, outcomes });
    this.#startSyncs(this.#sync);
  }

  /** Starts syncs for the batches awaiting one, as many as may run. */
  #startSyncs(sync: () => Promise<void>): void {
    while (this.#awaitingSync.length > 0 && this.#inFlight.length < this.#concurrentSyncs) {
      // Everything committed before this sync starts is covered by it.
      const entry: SyncInFlight = { committed: this.#awaitingSync, settled: false };
      this.#awaitingSync = [];
      this.#inFlight.push(entry);
      sync().then(
        () => this.#synced(entry, sync),
        (error: unknown) => this.#syncFailed(entry, error, sync),
      );
    }
  }

  /** `entry`'s sync is done: it vouches for its batches and for those of every sync started before it. */
  #synced(entry: SyncInFlight, sync: () => Promise<void>): void {
    const index = this.#inFlight.indexOf(entry);
    const covered = index === -1 ? [] : this.#inFlight.splice(0, index + 1);
    for (const done of covered) {
      if (done.settled) continue;
      done.settled = true;
      for (const committed of done.committed) settle(committed);
    }
    this.#syncEnded(sync);
  }

  #syncFailed(entry: SyncInFlight, error: unknown, sync: () => Promise<void>): void {
    const index = this.#inFlight.indexOf(entry);
    if (index !== -1) this.#inFlight.splice(index, 1);
    if (!entry.settled) {
      entry.settled = true;
      // Committed but maybe not on disk: not acknowledged, as a failed COMMIT under FULL would not be.
      const failure = this.#onCommitFailure(error);
      for (const { batch } of entry.committed) for (const pending of batch) pending.reject(failure);
    }
    this.#syncEnded(sync);
  }

  #syncEnded(sync: () => Promise<void>): void {
    this.#startSyncs(sync);
    const waiters = this.#syncEndWaiters;
    this.#syncEndWaiters = [];
    for (const resume of waiters) resume();
  }
}

function settle({ batch, outcomes }: CommittedBatch): void {
  batch.forEach((pending, index) => {
    const outcome = outcomes[index];
    if (outcome?.ok) pending.resolve(outcome.value);
    else pending.reject(outcome?.error);
  });
}
