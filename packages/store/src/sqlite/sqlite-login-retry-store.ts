import type Database from 'better-sqlite3';
import { assertPositiveMs } from '../input-validation.js';
import type { LoginRetryClaim, LoginRetryStore } from '../ports.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';

/** How often a claim also drops the expired rows: most answers are never asked for again. */
const SWEEP_INTERVAL_MS = 60_000;

interface RetryRow {
  holder: string | null;
  answer: string | null;
  expires_at: number;
}

/**
 * The login-retry port of the SQLite store: `login_retries`, one row per key holding a claim (`holder`) or an answer.
 * Claims and answers join the store's group commit (one IMMEDIATE transaction per loop turn, each operation in its
 * own savepoint), so the processes sharing the file agree on who holds a key, and concurrent logins share a commit
 * instead of committing twice each. The rows are short-lived and need no sync of their own: a claim or an answer lost
 * to a power cut costs a retry its answer, never a session, so they resolve once committed, not once synced.
 */
export function createSqliteLoginRetryStore(
  db: Database.Database,
  now: () => number,
  guard: SqliteGuard,
  writes: GroupCommit,
): LoginRetryStore {
  const select = db.prepare<[string], RetryRow>(
    'SELECT holder, answer, expires_at FROM login_retries WHERE key = ?',
  );
  const remove = db.prepare('DELETE FROM login_retries WHERE key = ?');
  const upsertClaim = db.prepare(
    `INSERT INTO login_retries (key, holder, answer, expires_at) VALUES (?, ?, NULL, ?)
     ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, answer = NULL, expires_at = excluded.expires_at`,
  );
  const setAnswer = db.prepare(
    'UPDATE login_retries SET holder = NULL, answer = ?, expires_at = ? WHERE key = ? AND holder = ? AND expires_at > ?',
  );
  const removeClaim = db.prepare('DELETE FROM login_retries WHERE key = ? AND holder = ?');
  const removeExpired = db.prepare('DELETE FROM login_retries WHERE expires_at <= ?');
  let lastSweep = Number.NEGATIVE_INFINITY;

  const claim = (key: string, holder: string, ttlMs: number): LoginRetryClaim => {
    const at = now();
    if (at - lastSweep >= SWEEP_INTERVAL_MS) {
      lastSweep = at;
      removeExpired.run(at);
    }
    const row = select.get(key);
    if (row && row.expires_at > at) {
      if (row.answer !== null) {
        remove.run(key);
        return { state: 'answered', answer: row.answer };
      }
      return { state: 'pending' };
    }
    upsertClaim.run(key, holder, at + ttlMs);
    return { state: 'claimed' };
  };

  return {
    async claim(key, holder, ttlMs) {
      assertPositiveMs('loginRetries.claim: ttlMs', ttlMs);
      return writes.runUnsynced(() => guard(() => claim(key, holder, ttlMs)));
    },
    async fulfil(key, holder, answer, ttlMs) {
      assertPositiveMs('loginRetries.fulfil: ttlMs', ttlMs);
      return writes.runUnsynced(() =>
        guard(() => {
          const at = now();
          return setAnswer.run(answer, at + ttlMs, key, holder, at).changes === 1;
        }),
      );
    },
    async release(key, holder) {
      guard(() => removeClaim.run(key, holder));
    },
  };
}
