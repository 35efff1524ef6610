import type Database from 'better-sqlite3';
import { assertPositiveInteger } from '../input-validation.js';
import type { EventInbox, InboxEvent } from '../ports.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';

/**
 * The event-inbox port of the SQLite store: `inbox`, written through the group commit (`writes`), so that an event
 * is on disk before it is acknowledged to WeCom.
 */
export function createSqliteEventInbox(
  db: Database.Database,
  guard: SqliteGuard,
  writes: GroupCommit,
): EventInbox {
  const insert = db.prepare(
    'INSERT OR IGNORE INTO inbox (id, corp_id, payload, received_at) VALUES (?, ?, ?, ?)',
  );
  const markApplied = db.prepare('UPDATE inbox SET applied_at = ? WHERE id = ? AND applied_at IS NULL');
  const selectPending = db.prepare<
    [number],
    { id: string; corp_id: string | null; payload: string; received_at: number }
  >(
    'SELECT id, corp_id, payload, received_at FROM inbox WHERE applied_at IS NULL ORDER BY received_at, rowid LIMIT ?',
  );
  return {
    async record(event) {
      return writes.run(() =>
        guard(
          () => insert.run(event.id, event.corpId ?? null, event.payload, event.receivedAt).changes === 1,
        ),
      );
    },
    async markApplied(id, at) {
      await writes.run(() => guard(() => markApplied.run(at, id)));
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return guard(() =>
        selectPending.all(limit).map(
          (row): InboxEvent => ({
            id: row.id,
            // NULL: recorded by a single-corp release (schema 1), so the default corp's.
            ...(row.corp_id === null ? {} : { corpId: row.corp_id }),
            payload: row.payload,
            receivedAt: row.received_at,
          }),
        ),
      );
    },
  };
}
