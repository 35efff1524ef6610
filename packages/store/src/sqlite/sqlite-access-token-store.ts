import { randomUUID } from 'node:crypto';
import type { AccessTokenRecord, AccessTokenStore } from '@wecom-auth/api';
import type Database from 'better-sqlite3';
import { assertPositiveMs } from '../input-validation.js';
import type { LocalChangeHub } from '../local-change-hub.js';
import type { SqliteGuard } from './sqlite-connection.js';

/**
 * The access-token port of the SQLite store: records in `access_tokens`, refresh locks in `access_token_locks`.
 * Neither waits for a sync (a lost token is fetched again); waits are woken through the file's shared `hub`.
 */
export function createSqliteAccessTokenStore(
  db: Database.Database,
  now: () => number,
  hub: LocalChangeHub,
  guard: SqliteGuard,
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
