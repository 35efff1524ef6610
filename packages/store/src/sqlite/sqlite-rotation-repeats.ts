import type Database from 'better-sqlite3';
import type { RotationRepeat } from '../ports.js';
import type { KeptRepeat } from '../rotation.js';

/** The repeat of a session's latest rotation, with its sealed answer. */
export type StoredRepeat = KeptRepeat & { readonly answer: string };

/**
 * The `rotation_repeats` table: what each session's latest rotation keeps for a repeat of the token it replaced.
 * Its statements run inside the session store's rotation transaction; one row per session at most, replaced by each
 * rotation and dropped by the sweep once its window has closed (not with its session: since schema 9 the table has no
 * foreign key to `sessions`, and the schema says why).
 */
export interface SqliteRotationRepeats {
  /** The session's kept repeat, while its window is open at `now`. */
  get(sessionId: string, now: number): StoredRepeat | undefined;
  /** Keeps `repeat` for the rotation that replaced `replacedHash`, or forgets the earlier one when none. */
  put(sessionId: string, replacedHash: string, repeat: RotationRepeat | undefined): void;
  /** Drops the repeats whose window closed before `before`. */
  sweep(before: number): void;
}

export function createSqliteRotationRepeats(db: Database.Database): SqliteRotationRepeats {
  const select = db.prepare<[string, number], { replaced_hash: string; answer: string; until: number }>(
    'SELECT replaced_hash, answer, until FROM rotation_repeats WHERE session_id = ? AND until > ?',
  );
  const upsert = db.prepare(
    `INSERT INTO rotation_repeats (session_id, replaced_hash, answer, until) VALUES (?, ?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET replaced_hash = excluded.replaced_hash, answer = excluded.answer,
       until = excluded.until`,
  );
  const remove = db.prepare('DELETE FROM rotation_repeats WHERE session_id = ?');
  const removeClosed = db.prepare('DELETE FROM rotation_repeats WHERE until < ?');
  return {
    get(sessionId, now) {
      const row = select.get(sessionId, now);
      return row && { replacedHash: row.replaced_hash, answer: row.answer, until: row.until };
    },
    put(sessionId, replacedHash, repeat) {
      if (repeat) upsert.run(sessionId, replacedHash, repeat.answer, repeat.until);
      else remove.run(sessionId);
    },
    sweep(before) {
      removeClosed.run(before);
    },
  };
}
