import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../ports.js';
import { createDirectory } from './database-directory.js';
import { migrateSchema } from './sqlite-schema.js';

/**
 * Opens the store's one connection to `file` (creating its directory) in WAL mode and brings the schema up to date.
 * Any failure is a {@link StoreUnavailableError}.
 */
export function openSqliteDatabase(file: string, busyTimeoutMs: number): Database.Database {
  try {
    if (file !== ':memory:') createDirectory(dirname(file));
    const db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit does not wait for the disk on the event loop's thread. Writes that must last are acknowledged
    // only after GroupCommit has synced the WAL file on the thread pool: the sync FULL would do, moved off the loop.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // SQLite's page cache, in KiB (negative). Set to better-sqlite3's own default so that the bound is stated here: the
    // cache fills as the file grows past it and then stays at this size, and that filling is most of the native
    // memory a gateway gains in its first minutes on SQLite (docs/benchmarks.md, "Soak"). A larger one did not make
    // refreshes at a million sessions cheaper (128 MiB measured the same), so the memory would buy nothing.
    db.pragma('cache_size = -16000');
    migrateSchema(db);
    return db;
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    // The cause's message says why (a missing directory, a file that is not a database, a lock): never a secret.
    const reason = error instanceof Error ? `: ${error.message}` : '';
    throw new StoreUnavailableError(`Cannot open the SQLite store at ${file}${reason}`, { cause: error });
  }
}

/**
 * Runs `work` against the open database, turning its failures into {@link StoreUnavailableError} (a `TypeError`,
 * the caller's mistake, passes through). Every port of the SQLite store runs its statements through the one guard
 * of its store.
 */
export type SqliteGuard = <T>(work: () => T) => T;

/** The {@link SqliteGuard} of `db`: refuses work once the store is closed. */
export function createSqliteGuard(db: Database.Database): SqliteGuard {
  return (work) => {
    if (!db.open) throw new StoreUnavailableError('The SQLite store is closed');
    try {
      return work();
    } catch (error) {
      if (error instanceof TypeError || error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('The SQLite store failed', { cause: error });
    }
  };
}
