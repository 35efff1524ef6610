import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AccessTokenRecord, AccessTokenStore } from '@wecom-auth/api';
import Database from 'better-sqlite3';
import { FileSync } from './file-sync.js';
import { assertPositiveInteger, assertPositiveMs, toCacheJson } from './input-validation.js';
import { LocalChangeHub } from './local-change-hub.js';
import type {
  CacheStore,
  EventInbox,
  InboxEvent,
  RevocationEntry,
  RevokeReason,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  SigningKeyStore,
  Store,
} from './ports.js';
import { StoreUnavailableError } from './ports.js';
import { APPLIED_EVENT_RETENTION_MS } from './retention.js';
import { decideRotation } from './rotation.js';
import { GroupCommit } from './sqlite-group-commit.js';
import { migrateSchema } from './sqlite-schema.js';

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; its directory is created when missing. */
  readonly path: string;
  /** The clock, in epoch milliseconds (default `Date.now`); tests inject their own. */
  readonly now?: () => number;
  /** How long a write waits for another connection's write lock before failing (default 2000). */
  readonly busyTimeoutMs?: number;
}

/** How often `sessions.create` also drops expired rows, so a store nobody sweeps does not grow forever. */
const LAZY_SWEEP_INTERVAL_MS = 60_000;

interface SharedHub {
  readonly hub: LocalChangeHub;
  users: number;
}

// One SQLite file serves one gateway process, so every store opened on the same file in this process shares one
// hub: a write through one wakes the waiters and revocation listeners of all.
const hubsByFile = new Map<string, SharedHub>();

function acquireHub(file: string): LocalChangeHub {
  const shared = hubsByFile.get(file) ?? { hub: new LocalChangeHub(), users: 0 };
  shared.users += 1;
  hubsByFile.set(file, shared);
  return shared.hub;
}

function releaseHub(file: string): void {
  const shared = hubsByFile.get(file);
  if (!shared) return;
  shared.users -= 1;
  if (shared.users === 0) hubsByFile.delete(file);
}

interface SessionRow {
  id: string;
  corp_id: string;
  user_id: string;
  refresh_token_hash: string;
  session_key_ciphertext: string;
  created_at: number;
  refreshed_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
}

function toSession(row: SessionRow): SessionRecord {
  const base = {
    id: row.id,
    corpId: row.corp_id,
    userId: row.user_id,
    refreshTokenHash: row.refresh_token_hash,
    sessionKeyCiphertext: row.session_key_ciphertext,
    createdAt: row.created_at,
    refreshedAt: row.refreshed_at,
    expiresAt: row.expires_at,
  };
  if (row.revoked_at === null) return base;
  return { ...base, revokedAt: row.revoked_at, revokeReason: row.revoke_reason as RevokeReason };
}

/**
 * A {@link Store} in one SQLite file: the embedded default for a single gateway process. WAL mode; a write that must
 * last (sessions, revocations, signing keys, received events) is on disk when its promise resolves: the WAL file is
 * synced after its commit, off the event loop (see {@link GroupCommit}). Caches and locks are committed to the WAL
 * without a sync of their own: they survive a crash of the process, and what a power cut may take from them is
 * fetched again.
 * Locks, waits and revocation subscriptions are shared between the stores this process opens on the same file.
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
  const now = options.now ?? Date.now;
  const inMemory = options.path === ':memory:';
  const file = inMemory ? options.path : resolve(options.path);

  let db: Database.Database;
  try {
    if (!inMemory) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma('journal_mode = WAL');
    // NORMAL: a commit does not wait for the disk on the event loop's thread. Writes that must last are acknowledged
    // only after GroupCommit has synced the WAL file on the thread pool: the sync FULL would do, moved off the loop.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrateSchema(db);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    throw new StoreUnavailableError(`Cannot open the SQLite store at ${file}`, { cause: error });
  }
  const hubKey = inMemory ? `:memory:${randomUUID()}` : file;
  const hub = acquireHub(hubKey);

  /** Runs `work` against the open database, turning its failures into {@link StoreUnavailableError}. */
  const guard = <T>(work: () => T): T => {
    if (!db.open) throw new StoreUnavailableError('The SQLite store is closed');
    try {
      return work();
    } catch (error) {
      if (error instanceof TypeError || error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('The SQLite store failed', { cause: error });
    }
  };
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
    accessTokens: createSqliteAccessTokens(db, now, hub, guard),
    sessions: createSqliteSessions(db, now, hub, guard, durableWrites),
    cache: createSqliteCache(db, now, guard),
    signingKeys: createSqliteSigningKeys(db, guard, durableWrites),
    inbox: createSqliteInbox(db, guard, durableWrites),
    async ping() {
      guard(() => db.prepare('SELECT 1').get());
    },
    async close() {
      if (!db.open) return;
      await durableWrites.drain();
      if (!db.open) return;
      await walSync?.close();
      db.close();
      releaseHub(hubKey);
    },
  };
  return store;
}

type Guard = <T>(work: () => T) => T;

function createSqliteAccessTokens(
  db: Database.Database,
  now: () => number,
  hub: LocalChangeHub,
  guard: Guard,
): AccessTokenStore {
  const select = db.prepare<[string], { token: string; expires_at: number; obtained_at: number }>(
    'SELECT token, expires_at, obtained_at FROM access_tokens WHERE key = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO access_tokens (key, token, expires_at, obtained_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at,
       obtained_at = excluded.obtained_at`,
  );
  const deleteExpired = db.prepare('DELETE FROM access_tokens WHERE key = ? AND expires_at <= ?');
  const deleteToken = db.prepare('DELETE FROM access_tokens WHERE key = ? AND token = ?');
  const selectLock = db.prepare<[string], { until: number }>(
    'SELECT until FROM access_token_locks WHERE key = ?',
  );
  const upsertLock = db.prepare(
    `INSERT INTO access_token_locks (key, holder, until) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, until = excluded.until`,
  );
  const deleteLock = db.prepare('DELETE FROM access_token_locks WHERE key = ? AND holder = ?');

  const toRecord = (row: { token: string; expires_at: number; obtained_at: number }): AccessTokenRecord => ({
    token: row.token,
    expiresAt: row.expires_at,
    obtainedAt: row.obtained_at,
  });

  const putIfNewer = db.transaction((key: string, record: AccessTokenRecord): AccessTokenRecord => {
    const current = select.get(key);
    if (current && current.obtained_at > record.obtainedAt) return toRecord(current);
    upsert.run(key, record.token, record.expiresAt, record.obtainedAt);
    return { token: record.token, expiresAt: record.expiresAt, obtainedAt: record.obtainedAt };
  });
  const takeLock = db.transaction((key: string, ttlMs: number): string | undefined => {
    const at = now();
    const held = selectLock.get(key);
    if (held && held.until > at) return undefined;
    const holder = randomUUID();
    upsertLock.run(key, holder, at + ttlMs);
    return holder;
  });

  return {
    async get(key) {
      return guard(() => {
        const row = select.get(key);
        if (!row) return undefined;
        if (row.expires_at <= now()) {
          deleteExpired.run(key, now());
          return undefined;
        }
        return toRecord(row);
      });
    },
    async putIfNewer(key, record) {
      const stored = guard(() => putIfNewer.immediate(key, record));
      hub.notifyChange(key);
      return stored;
    },
    async deleteIfToken(key, token) {
      const deleted = guard(() => deleteToken.run(key, token).changes > 0);
      if (deleted) hub.notifyChange(key);
      return deleted;
    },
    async tryLock(key, ttlMs) {
      assertPositiveMs('accessTokens.tryLock: ttlMs', ttlMs);
      const holder = guard(() => takeLock.immediate(key, ttlMs));
      if (holder === undefined) return undefined;
      return {
        async release() {
          guard(() => deleteLock.run(key, holder));
          hub.notifyChange(key);
        },
      };
    },
    waitForChange(key, timeoutMs) {
      return hub.waitForChange(key, timeoutMs);
    },
  };
}

function createSqliteSessions(
  db: Database.Database,
  now: () => number,
  hub: LocalChangeHub,
  guard: Guard,
  writes: GroupCommit,
): SessionStore {
  const selectById = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const selectByHash = db.prepare<[string], SessionRow>(
    `SELECT sessions.* FROM session_refresh_hashes JOIN sessions ON sessions.id = session_refresh_hashes.session_id
     WHERE session_refresh_hashes.hash = ?`,
  );
  const selectHash = db.prepare<[string], { session_id: string }>(
    'SELECT session_id FROM session_refresh_hashes WHERE hash = ?',
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
       refreshed_at, expires_at, revoked_at, revoke_reason)
     VALUES (@id, @corpId, @userId, @refreshTokenHash, @sessionKeyCiphertext, @createdAt, @refreshedAt,
       @expiresAt, @revokedAt, @revokeReason)`,
  );
  const insertHash = db.prepare('INSERT INTO session_refresh_hashes (hash, session_id) VALUES (?, ?)');
  const updateRefresh = db.prepare(
    'UPDATE sessions SET refresh_token_hash = ?, refreshed_at = ?, expires_at = ? WHERE id = ?',
  );
  const updateRevoked = db.prepare('UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ?');
  const insertRevocation = db.prepare(
    `INSERT INTO revocations (session_id, revoked_at, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
  );
  const selectActiveOfUser = db.prepare<[string, string, number], SessionRow>(
    `SELECT * FROM sessions WHERE corp_id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?
     ORDER BY created_at, id`,
  );
  const renameUser = db.prepare('UPDATE sessions SET user_id = ? WHERE corp_id = ? AND user_id = ?');
  const updateSessionKey = db.prepare('UPDATE sessions SET session_key_ciphertext = ? WHERE id = ?');
  const selectRevocations = db.prepare<
    [number, number],
    { session_id: string; revoked_at: number; expires_at: number }
  >(
    `SELECT session_id, revoked_at, expires_at FROM revocations WHERE revoked_at >= ? AND expires_at > ?
     ORDER BY revoked_at, rowid`,
  );
  const deleteExpiredSessions = db.prepare('DELETE FROM sessions WHERE expires_at < ?');
  const deleteExpiredRevocations = db.prepare('DELETE FROM revocations WHERE expires_at < ?');
  const deleteExpiredTokens = db.prepare('DELETE FROM access_tokens WHERE expires_at < ?');
  const deleteExpiredLocks = db.prepare('DELETE FROM access_token_locks WHERE until < ?');
  const deleteExpiredCache = db.prepare('DELETE FROM cache WHERE expires_at < ?');
  const deleteAppliedEvents = db.prepare('DELETE FROM inbox WHERE applied_at IS NOT NULL AND applied_at < ?');

  /** Marks `row` revoked inside the caller's transaction; the caller publishes the entry after the commit. */
  const revokeRow = (row: SessionRow, reason: RevokeReason, at: number): RevocationEntry => {
    updateRevoked.run(at, reason, row.id);
    insertRevocation.run(row.id, at, row.expires_at);
    return { sessionId: row.id, revokedAt: at, expiresAt: row.expires_at };
  };

  // Sessions are what deleteExpired counts; the other tables' expired rows go in the same pass.
  const sweep = db.transaction((before: number): number => {
    const dropped = deleteExpiredSessions.run(before).changes;
    deleteExpiredRevocations.run(before);
    deleteExpiredTokens.run(before);
    deleteExpiredLocks.run(before);
    deleteExpiredCache.run(before);
    deleteAppliedEvents.run(before - APPLIED_EVENT_RETENTION_MS);
    return dropped;
  });
  let lastSweep = Number.NEGATIVE_INFINITY;

  // Runs inside the group commit's savepoint, which makes its two inserts one atomic write: no savepoint of its own.
  const create = (record: SessionRecord): void => {
    if (selectById.get(record.id))
      throw new TypeError('sessions.create: a session with this id exists already');
    if (selectHash.get(record.refreshTokenHash)) {
      throw new TypeError('sessions.create: this refresh token hash is in use already');
    }
    insertSession.run({
      ...record,
      revokedAt: record.revokedAt ?? null,
      revokeReason: record.revokeReason ?? null,
    });
    insertHash.run(record.refreshTokenHash, record.id);
  };

  type RotateNext = Parameters<SessionStore['rotate']>[1];
  const rotate = db.transaction(
    (
      presentedHash: string,
      next: RotateNext,
    ): { result: Awaited<ReturnType<SessionStore['rotate']>>; revoked?: RevocationEntry } => {
      const row = selectByHash.get(presentedHash);
      if (!row) return { result: { outcome: 'unknown' } };
      const session = toSession(row);
      const at = now();
      switch (decideRotation(session, presentedHash, at)) {
        case 'revoked':
          return { result: { outcome: 'revoked', session } };
        case 'expired':
          return { result: { outcome: 'expired', session } };
        case 'reuse': {
          const revoked = revokeRow(row, 'refresh_token_reuse', at);
          return {
            result: {
              outcome: 'reused',
              session: { ...session, revokedAt: at, revokeReason: 'refresh_token_reuse' },
            },
            revoked,
          };
        }
        case 'rotate': {
          if (selectHash.get(next.refreshTokenHash)) {
            throw new TypeError('sessions.rotate: the next refresh token hash is in use already');
          }
          updateRefresh.run(next.refreshTokenHash, next.refreshedAt, next.expiresAt, row.id);
          insertHash.run(next.refreshTokenHash, row.id);
          const rotated: SessionRecord = {
            ...session,
            refreshTokenHash: next.refreshTokenHash,
            refreshedAt: next.refreshedAt,
            expiresAt: next.expiresAt,
          };
          return { result: { outcome: 'rotated', session: rotated } };
        }
      }
    },
  );

  const revoke = db.transaction(
    (id: string, reason: RevokeReason, at: number): RevocationEntry | undefined => {
      const row = selectById.get(id);
      if (!row || row.revoked_at !== null) return undefined;
      return revokeRow(row, reason, at);
    },
  );

  const revokeUser = db.transaction(
    (corpId: string, userId: string, reason: RevokeReason, at: number): RevocationEntry[] =>
      selectActiveOfUser.all(corpId, userId, now()).map((row) => revokeRow(row, reason, at)),
  );

  return {
    async create(record) {
      await writes.run(() =>
        guard(() => {
          const at = now();
          if (at - lastSweep >= LAZY_SWEEP_INTERVAL_MS) {
            lastSweep = at;
            sweep(at);
          }
          create(record);
        }),
      );
    },
    async get(id) {
      return guard(() => {
        const row = selectById.get(id);
        return row ? toSession(row) : undefined;
      });
    },
    async findByRefreshHash(hash) {
      return guard(() => {
        const row = selectByHash.get(hash);
        return row ? toSession(row) : undefined;
      });
    },
    async rotate(presentedHash, next) {
      const { result, revoked } = await writes.run(() => guard(() => rotate(presentedHash, next)));
      if (revoked) hub.publishRevocation(revoked);
      return result;
    },
    async revoke(id, reason, at) {
      const entry = await writes.run(() => guard(() => revoke(id, reason, at)));
      if (!entry) return false;
      hub.publishRevocation(entry);
      return true;
    },
    async revokeUser(corpId, userId, reason, at) {
      const entries = await writes.run(() => guard(() => revokeUser(corpId, userId, reason, at)));
      for (const entry of entries) hub.publishRevocation(entry);
      return entries.map((entry) => entry.sessionId);
    },
    async renameUser(corpId, fromUserId, toUserId) {
      return writes.run(() => guard(() => renameUser.run(toUserId, corpId, fromUserId).changes));
    },
    async setSessionKey(id, sessionKeyCiphertext) {
      await writes.run(() => guard(() => updateSessionKey.run(sessionKeyCiphertext, id)));
    },
    async listRevocations(since) {
      return guard(() =>
        selectRevocations.all(since, now()).map((row) => ({
          sessionId: row.session_id,
          revokedAt: row.revoked_at,
          expiresAt: row.expires_at,
        })),
      );
    },
    async subscribeRevocations(listener) {
      const unsubscribe = hub.subscribeRevocations(listener);
      return async () => unsubscribe();
    },
    async deleteExpired(at) {
      return guard(() => {
        lastSweep = Math.max(lastSweep, at);
        return sweep.immediate(at);
      });
    },
  };
}

function createSqliteCache(db: Database.Database, now: () => number, guard: Guard): CacheStore {
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
        const row = select.get(key);
        if (!row) return undefined;
        if (row.expires_at <= now()) {
          removeExpired.run(key, now());
          return undefined;
        }
        return JSON.parse(row.value) as T;
      });
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      const json = toCacheJson(value);
      guard(() => upsert.run(key, json, now() + ttlMs));
    },
    async delete(key) {
      guard(() => remove.run(key));
    },
  };
}

interface SigningKeyRow {
  record: string;
  retired_at: number | null;
}

function toSigningKey(row: SigningKeyRow): SigningKeyRecord {
  const record = JSON.parse(row.record) as SigningKeyRecord;
  return row.retired_at === null ? record : { ...record, retiredAt: row.retired_at };
}

function createSqliteSigningKeys(db: Database.Database, guard: Guard, writes: GroupCommit): SigningKeyStore {
  const selectAll = db.prepare<[], SigningKeyRow>(
    'SELECT record, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC',
  );
  const selectActive = db.prepare<[], SigningKeyRow>(
    'SELECT record, retired_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC LIMIT 1',
  );
  const upsert = db.prepare(
    `INSERT INTO signing_keys (kid, record, created_at, retired_at) VALUES (?, ?, ?, NULL)
     ON CONFLICT (kid) DO UPDATE SET record = excluded.record, created_at = excluded.created_at, retired_at = NULL`,
  );
  const retireActive = db.prepare('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL');
  const prune = db.prepare('DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?');

  const insert = (key: SigningKeyRecord): void => {
    const { retiredAt: _retiredAt, ...active } = key;
    upsert.run(key.kid, JSON.stringify(active), key.createdAt);
  };
  const ensureActive = db.transaction((candidate: SigningKeyRecord): SigningKeyRecord => {
    const active = selectActive.get();
    if (active) return toSigningKey(active);
    insert(candidate);
    const { retiredAt: _retiredAt, ...stored } = candidate;
    return stored;
  });
  const rotate = db.transaction((next: SigningKeyRecord, at: number) => {
    retireActive.run(at);
    insert(next);
  });

  return {
    async list() {
      return guard(() => selectAll.all().map(toSigningKey));
    },
    async ensureActive(candidate) {
      return writes.run(() => guard(() => ensureActive(candidate)));
    },
    async rotate(next, at) {
      await writes.run(() => guard(() => rotate(next, at)));
    },
    async prune(before) {
      return writes.run(() => guard(() => prune.run(before).changes));
    },
  };
}

function createSqliteInbox(db: Database.Database, guard: Guard, writes: GroupCommit): EventInbox {
  const insert = db.prepare('INSERT OR IGNORE INTO inbox (id, payload, received_at) VALUES (?, ?, ?)');
  const markApplied = db.prepare('UPDATE inbox SET applied_at = ? WHERE id = ? AND applied_at IS NULL');
  const selectPending = db.prepare<[number], { id: string; payload: string; received_at: number }>(
    'SELECT id, payload, received_at FROM inbox WHERE applied_at IS NULL ORDER BY received_at, rowid LIMIT ?',
  );
  return {
    async record(event) {
      return writes.run(() =>
        guard(() => insert.run(event.id, event.payload, event.receivedAt).changes === 1),
      );
    },
    async markApplied(id, at) {
      await writes.run(() => guard(() => markApplied.run(at, id)));
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return guard(() =>
        selectPending
          .all(limit)
          .map((row): InboxEvent => ({ id: row.id, payload: row.payload, receivedAt: row.received_at })),
      );
    },
  };
}
