import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { assertPositiveMs } from '../input-validation.js';
import { LocalChangeHub } from '../local-change-hub.js';
import { createMemoryLoginRetryStore } from '../memory/memory-login-retry-store.js';
import type { LoginRetryStore, Store } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import { INSTALL_TOMBSTONE_RETENTION_MS } from '../retention.js';
import { FileSync } from './file-sync.js';
import { createSqliteAccessTokenStore } from './sqlite-access-token-store.js';
import { createSqliteCacheStore, SqliteCacheMemo } from './sqlite-cache-store.js';
import { createSqliteGuard, openSqliteDatabase } from './sqlite-connection.js';
import { createSqliteEventInbox } from './sqlite-event-inbox.js';
import { GroupCommit } from './sqlite-group-commit.js';
import { createSqliteSecurityEventLog } from './sqlite-security-event-log.js';
import { createSqliteSessionStore } from './sqlite-session-store.js';
import { createSqliteSigningKeyStore } from './sqlite-signing-key-store.js';
import { createSqliteSuiteStore } from './sqlite-suite-store.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  readonly path: string;
  /** The clock, in epoch milliseconds (default `Date.now`); tests inject their own. */
  readonly now?: () => number;
  /** How long a write waits for another connection's write lock before failing (default 2000). */
  readonly busyTimeoutMs?: number;
  /**
   * How long an uninstall's tombstone keeps older install events out (default
   * {@link INSTALL_TOMBSTONE_RETENTION_MS}, 30 days).
   */
  readonly installTombstoneRetentionMs?: number;
}

/**
 * What the stores this process opens on one file share: one file serves one gateway process, so what needs no disk
 * and no other process lives here, once per file.
 */
interface SharedFileState {
  /** A write through one store wakes the waiters and revocation listeners of all. */
  readonly hub: LocalChangeHub;
  /**
   * Login retries: a claim lives for one exchange (seconds) and an answer for the retry window (a minute), and
   * only this process asks for them, so they are kept in memory rather than written. In the file they were two of a
   * login's writes (a claim, then the sealed answer over it), each dirtying three B-tree pages that the commit copies
   * into the WAL and a checkpoint copies again, on the event loop's thread: about a third of what the store cost a
   * login (docs/benchmarks.md, "The login's own cost"). What a restart loses is what a power cut lost before: a
   * retry's answer, never a session (the retry is refused `401 code_invalid` by WeCom, and the client logs in again).
   */
  readonly loginRetries: LoginRetryStore;
  /** The cache entries read or written last (see {@link SqliteCacheMemo}). */
  readonly cacheMemo: SqliteCacheMemo;
  users: number;
}

const sharedByFile = new Map<string, SharedFileState>();

function acquireShared(file: string, now: () => number): SharedFileState {
  const shared = sharedByFile.get(file) ?? {
    hub: new LocalChangeHub(),
    loginRetries: createMemoryLoginRetryStore(now),
    cacheMemo: new SqliteCacheMemo(),
    users: 0,
  };
  shared.users += 1;
  sharedByFile.set(file, shared);
  return shared;
}

function releaseShared(file: string): void {
  const shared = sharedByFile.get(file);
  if (!shared) return;
  shared.users -= 1;
  if (shared.users === 0) sharedByFile.delete(file);
}

/**
 * A {@link Store} in one SQLite file: the embedded default for a single gateway process. WAL mode; a write that must
 * last (sessions, revocations, signing keys, received events, suite tickets and installs) is on disk when its
 * promise resolves: the WAL file is synced after its commit, off the event loop (see {@link GroupCommit}). Caches
 * and locks are committed to the WAL without a sync of their own: they survive a crash of the process, and what a
 * power cut may take from them is fetched again.
 * Locks, waits, revocation and install subscriptions, and the login retries (kept in memory, see
 * {@link SharedFileState}), are shared between the stores this process opens on the same file.
 *
 * @example
 * const store = createSqliteStore({ path: '/var/lib/wecom-auth/store.db' });
 * await store.sessions.create(record);
 * await store.close();
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new TypeError('createSqliteStore: path must be a non-empty string');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 2_000;
  assertPositiveMs('createSqliteStore: busyTimeoutMs', busyTimeoutMs);
  const tombstoneRetentionMs = options.installTombstoneRetentionMs ?? INSTALL_TOMBSTONE_RETENTION_MS;
  assertPositiveMs('createSqliteStore: installTombstoneRetentionMs', tombstoneRetentionMs);
  const now = options.now ?? Date.now;
  const inMemory = options.path === ':memory:';
  const file = inMemory ? options.path : resolve(options.path);

  const db = openSqliteDatabase(file, busyTimeoutMs);
  const sharedKey = inMemory ? `:memory:${randomUUID()}` : file;
  const shared = acquireShared(sharedKey, now);
  const { hub } = shared;

  const guard = createSqliteGuard(db);
  const walSync = inMemory ? undefined : new FileSync(`${file}-wal`);
  const durableWrites = new GroupCommit(db, {
    onCommitFailure: (error) =>
      db.open
        ? new StoreUnavailableError('The SQLite store failed', { cause: error })
        : new StoreUnavailableError('The SQLite store is closed'),
    ...(walSync ? { sync: () => walSync.sync() } : {}),
  });

  const store: Store = {
    kind: 'sqlite',
    accessTokens: createSqliteAccessTokenStore(db, now, hub, guard),
    sessions: createSqliteSessionStore(db, now, hub, guard, durableWrites),
    loginRetries: shared.loginRetries,
    cache: createSqliteCacheStore(db, now, guard, shared.cacheMemo),
    signingKeys: createSqliteSigningKeyStore(db, guard, durableWrites),
    inbox: createSqliteEventInbox(db, guard, durableWrites),
    suites: createSqliteSuiteStore(db, now, hub, guard, durableWrites, tombstoneRetentionMs),
    events: createSqliteSecurityEventLog(db, guard, durableWrites),
    async ping() {
      guard(() => db.prepare('SELECT 1').get());
    },
    async close() {
      if (!db.open) return;
      await durableWrites.drain();
      if (!db.open) return;
      await walSync?.close();
      db.close();
      releaseShared(sharedKey);
    },
  };
  return store;
}
