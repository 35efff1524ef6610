import type Database from 'better-sqlite3';
import { assertPositiveInteger, assertRotationRepeat } from '../input-validation.js';
import type { LocalChangeHub } from '../local-change-hub.js';
import type {
  RefreshHashHint,
  RevocationEntry,
  RevokeReason,
  SessionRecord,
  SessionStore,
  UserSessionsBound,
} from '../ports.js';
import { APPLIED_EVENT_RETENTION_MS } from '../retention.js';
import { decideRotation } from '../rotation.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';
import { createSqliteRotationRepeats } from './sqlite-rotation-repeats.js';

/** How often `sessions.create` also drops expired rows, so a store nobody sweeps does not grow forever. */
const LAZY_SWEEP_INTERVAL_MS = 60_000;

interface SessionRow {
  id: string;
  corp_id: string;
  user_id: string;
  refresh_token_hash: string;
  session_key_ciphertext: string;
  created_at: number;
  refreshed_at: number;
  expires_at: number;
  /** At or before `expires_at`: where the sweep looks for the session (see `sweep`). */
  sweep_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
  user_agent: string | null;
  client_ip: string | null;
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
    ...(row.user_agent === null ? {} : { userAgent: row.user_agent }),
    ...(row.client_ip === null ? {} : { clientIp: row.client_ip }),
  };
  if (row.revoked_at === null) return base;
  return { ...base, revokedAt: row.revoked_at, revokeReason: row.revoke_reason as RevokeReason };
}

/**
 * The session port of the SQLite store: `sessions`, the refresh hashes a session was given in `refresh_hashes` (each
 * kept until the expiry the session had when it was issued) and `revocations`. Its writes go through the group
 * commit (`writes`), so they are on disk when they resolve; revocations are published on the file's shared `hub`
 * after their commit. Its sweep (`deleteExpired`, and the lazy one in `create`) also drops the expired rows of the
 * other ports' tables, in the same transaction.
 */
export function createSqliteSessionStore(
  db: Database.Database,
  now: () => number,
  hub: LocalChangeHub,
  guard: SqliteGuard,
  writes: GroupCommit,
): SessionStore {
  const selectById = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
  const selectByHash = db.prepare<[string], SessionRow>(
    `SELECT sessions.* FROM refresh_hashes JOIN sessions ON sessions.id = refresh_hashes.session_id
     WHERE refresh_hashes.hash = ?`,
  );
  const selectHash = db.prepare<[string], { session_id: string }>(
    'SELECT session_id FROM refresh_hashes WHERE hash = ?',
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
       refreshed_at, expires_at, sweep_at, revoked_at, revoke_reason, user_agent, client_ip)
     VALUES (@id, @corpId, @userId, @refreshTokenHash, @sessionKeyCiphertext, @createdAt, @refreshedAt,
       @expiresAt, @expiresAt, @revokedAt, @revokeReason, @userAgent, @clientIp)`,
  );
  // A hash is kept until the expiry its session had when it was issued (schema 8 says why).
  const insertHash = db.prepare('INSERT INTO refresh_hashes (hash, session_id, expires_at) VALUES (?, ?, ?)');
  // Leaves sweep_at as it was: no index holds the columns it sets, so a refresh rewrites the session's row only.
  const updateRefresh = db.prepare(
    'UPDATE sessions SET refresh_token_hash = ?, refreshed_at = ?, expires_at = ? WHERE id = ?',
  );
  // For a refresh that shortens the session (a lowered refresh TTL) past its sweep_at, which must not pass expires_at.
  const updateRefreshAndSweep = db.prepare(
    'UPDATE sessions SET refresh_token_hash = ?, refreshed_at = ?, expires_at = ?, sweep_at = ? WHERE id = ?',
  );
  const updateRevoked = db.prepare('UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ?');
  const insertRevocation = db.prepare(
    `INSERT INTO revocations (session_id, revoked_at, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`,
  );
  // A null bound reaches every session of the userid (see UserSessionsBound).
  const selectActiveOfUser = db.prepare<
    [{ corpId: string; userId: string; now: number; before: number | null }],
    SessionRow
  >(
    `SELECT * FROM sessions WHERE corp_id = @corpId AND user_id = @userId AND revoked_at IS NULL
       AND expires_at > @now AND (@before IS NULL OR created_at < @before)
     ORDER BY created_at, id`,
  );
  // sessions_by_user's leading column serves a corp's sessions too.
  const selectActiveOfCorp = db.prepare<[{ corpId: string; now: number }], SessionRow>(
    `SELECT * FROM sessions WHERE corp_id = @corpId AND revoked_at IS NULL AND expires_at > @now
     ORDER BY created_at, id`,
  );
  const renameUser = db.prepare<
    [{ toUserId: string; corpId: string; fromUserId: string; before: number | null }]
  >(
    `UPDATE sessions SET user_id = @toUserId WHERE corp_id = @corpId AND user_id = @fromUserId
       AND (@before IS NULL OR created_at < @before)`,
  );
  const updateSessionKey = db.prepare('UPDATE sessions SET session_key_ciphertext = ? WHERE id = ?');
  const replaceSessionKey = db.prepare(
    'UPDATE sessions SET session_key_ciphertext = ? WHERE id = ? AND session_key_ciphertext = ?',
  );
  // By primary key, so that a cursor (the last id returned) stays meaningful while sessions come and go.
  const selectPage = db.prepare<[{ after: string | null; limit: number }], SessionRow>(
    'SELECT * FROM sessions WHERE @after IS NULL OR id > @after ORDER BY id LIMIT @limit',
  );
  const selectRevocations = db.prepare<
    [number, number],
    { session_id: string; revoked_at: number; expires_at: number }
  >(
    `SELECT session_id, revoked_at, expires_at FROM revocations WHERE revoked_at >= ? AND expires_at > ?
     ORDER BY revoked_at, rowid`,
  );
  // sweep_at <= expires_at always, so every expired session is in the range; the live ones found there were refreshed
  // since their sweep_at was set, and are moved to their expiry, out of the range until then.
  const deleteExpiredSessions = db.prepare<[{ before: number }]>(
    'DELETE FROM sessions WHERE sweep_at < @before AND expires_at < @before',
  );
  const postponeSweep = db.prepare<[{ before: number }]>(
    'UPDATE sessions SET sweep_at = expires_at WHERE sweep_at < @before',
  );
  const deleteExpiredHashes = db.prepare('DELETE FROM refresh_hashes WHERE expires_at < ?');
  const deleteExpiredRevocations = db.prepare('DELETE FROM revocations WHERE expires_at < ?');
  const deleteExpiredTokens = db.prepare('DELETE FROM access_tokens WHERE expires_at < ?');
  const deleteExpiredLocks = db.prepare('DELETE FROM access_token_locks WHERE until < ?');
  const deleteExpiredCache = db.prepare('DELETE FROM cache WHERE expires_at < ?');
  const deleteAppliedEvents = db.prepare('DELETE FROM inbox WHERE applied_at IS NOT NULL AND applied_at < ?');
  const repeats = createSqliteRotationRepeats(db);

  // The session a presented hash belongs to. Through `refresh_hashes`, that is two B-trees: the hash's leaf (the
  // table is clustered by hash) and then the session's. A refresh token names its session, so the session is read by
  // id first, and kept when its current hash is the one presented: one B-tree, and at a million sessions one leaf
  // fewer read from the OS per refresh. Any other case (no hint, a wrong one, a replaced or unknown hash) goes
  // through `refresh_hashes` as before. The answer is the same either way: every current hash is in `refresh_hashes`
  // with its session, until the same sweep drops both, and only the hash decides.
  const selectByPresented = (hash: string, hint: RefreshHashHint | undefined): SessionRow | undefined => {
    if (typeof hint?.sessionId === 'string') {
      const row = selectById.get(hint.sessionId);
      if (row?.refresh_token_hash === hash) return row;
    }
    return selectByHash.get(hash);
  };

  /** Marks `row` revoked inside the caller's transaction; the caller publishes the entry after the commit. */
  const revokeRow = (row: SessionRow, reason: RevokeReason, at: number): RevocationEntry => {
    updateRevoked.run(at, reason, row.id);
    insertRevocation.run(row.id, at, row.expires_at);
    return { sessionId: row.id, revokedAt: at, expiresAt: row.expires_at };
  };

  // Sessions are what deleteExpired counts; the other tables' expired rows go in the same pass. A session is found
  // through sweep_at, set to its expiry at login and left behind by its refreshes: the sweep drops it if it expired
  // and otherwise moves sweep_at up to its current expiry, so a session in daily use is met about once per refresh
  // TTL, and its refreshes write no index.
  const sweep = db.transaction((before: number): number => {
    const dropped = deleteExpiredSessions.run({ before }).changes;
    postponeSweep.run({ before });
    deleteExpiredHashes.run(before);
    deleteExpiredRevocations.run(before);
    deleteExpiredTokens.run(before);
    deleteExpiredLocks.run(before);
    deleteExpiredCache.run(before);
    deleteAppliedEvents.run(before - APPLIED_EVENT_RETENTION_MS);
    repeats.sweep(before);
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
      userAgent: record.userAgent ?? null,
      clientIp: record.clientIp ?? null,
    });
    insertHash.run(record.refreshTokenHash, record.id, record.expiresAt);
  };

  type RotateNext = Parameters<SessionStore['rotate']>[1];
  const rotate = db.transaction(
    (
      presentedHash: string,
      next: RotateNext,
      hint: RefreshHashHint | undefined,
    ): { result: Awaited<ReturnType<SessionStore['rotate']>>; revoked?: RevocationEntry } => {
      const row = selectByPresented(presentedHash, hint);
      if (!row) return { result: { outcome: 'unknown' } };
      const session = toSession(row);
      const at = now();
      const repeat = repeats.get(row.id, at);
      switch (decideRotation(session, presentedHash, at, repeat)) {
        case 'repeat':
          return { result: { outcome: 'repeated', session, answer: repeat?.answer ?? '' } };
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
          if (next.expiresAt >= row.sweep_at) {
            updateRefresh.run(next.refreshTokenHash, next.refreshedAt, next.expiresAt, row.id);
          } else {
            updateRefreshAndSweep.run(
              next.refreshTokenHash,
              next.refreshedAt,
              next.expiresAt,
              next.expiresAt,
              row.id,
            );
          }
          insertHash.run(next.refreshTokenHash, row.id, next.expiresAt);
          repeats.put(row.id, presentedHash, next.repeat);
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
    (
      corpId: string,
      userId: string,
      reason: RevokeReason,
      at: number,
      bound: UserSessionsBound,
    ): RevocationEntry[] =>
      selectActiveOfUser
        .all({ corpId, userId, now: now(), before: bound.createdBefore ?? null })
        .map((row) => revokeRow(row, reason, at)),
  );

  const revokeCorp = db.transaction((corpId: string, reason: RevokeReason, at: number): RevocationEntry[] =>
    selectActiveOfCorp.all({ corpId, now: now() }).map((row) => revokeRow(row, reason, at)),
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
    async findByRefreshHash(hash, hint) {
      return guard(() => {
        const row = selectByPresented(hash, hint);
        return row ? toSession(row) : undefined;
      });
    },
    async rotate(presentedHash, next, hint) {
      assertRotationRepeat(next.repeat);
      const { result, revoked } = await writes.run(() => guard(() => rotate(presentedHash, next, hint)));
      if (revoked) hub.publishRevocation(revoked);
      return result;
    },
    async revoke(id, reason, at) {
      const entry = await writes.run(() => guard(() => revoke(id, reason, at)));
      if (!entry) return false;
      hub.publishRevocation(entry);
      return true;
    },
    async revokeUser(corpId, userId, reason, at, bound = {}) {
      const entries = await writes.run(() => guard(() => revokeUser(corpId, userId, reason, at, bound)));
      for (const entry of entries) hub.publishRevocation(entry);
      return entries.map((entry) => entry.sessionId);
    },
    async revokeCorp(corpId, reason, at) {
      const entries = await writes.run(() => guard(() => revokeCorp(corpId, reason, at)));
      for (const entry of entries) hub.publishRevocation(entry);
      return entries.length;
    },
    async renameUser(corpId, fromUserId, toUserId, bound = {}) {
      const before = bound.createdBefore ?? null;
      return writes.run(() => guard(() => renameUser.run({ toUserId, corpId, fromUserId, before }).changes));
    },
    async listUser(corpId, userId) {
      return guard(() => selectActiveOfUser.all({ corpId, userId, now: now(), before: null }).map(toSession));
    },
    async setSessionKey(id, sessionKeyCiphertext) {
      await writes.run(() => guard(() => updateSessionKey.run(sessionKeyCiphertext, id)));
    },
    async replaceSessionKey(id, expected, next) {
      return writes.run(() => guard(() => replaceSessionKey.run(next, id, expected).changes === 1));
    },
    async scan(cursor, limit) {
      assertPositiveInteger('sessions.scan: limit', limit);
      return guard(() => {
        // One row more than asked says whether another page follows.
        const rows = selectPage.all({ after: cursor ?? null, limit: limit + 1 });
        const page = rows.slice(0, limit).map(toSession);
        return { sessions: page, cursor: rows.length > limit ? page[page.length - 1]?.id : undefined };
      });
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
