import type Database from 'better-sqlite3';
import type {
  SecurityEventInput,
  SecurityEventLog,
  SecurityEventQuery,
  StoredSecurityEvent,
} from '../security-event-log.js';
import { assertSecurityEventQuery, assertSecurityEventRetention } from '../security-event-query.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';

interface EventRow {
  id: number;
  at: number;
  type: string;
  corp_id: string | null;
  user_id: string | null;
  session_id: string | null;
  request_id: string | null;
  client_ip: string | null;
  reason: string | null;
}

function toEvent(row: EventRow): StoredSecurityEvent {
  return {
    id: String(row.id),
    at: row.at,
    type: row.type,
    ...(row.corp_id === null ? {} : { corpId: row.corp_id }),
    ...(row.user_id === null ? {} : { userId: row.user_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.request_id === null ? {} : { requestId: row.request_id }),
    ...(row.client_ip === null ? {} : { clientIp: row.client_ip }),
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
}

/** The filters of a query, in the order of the WHERE clause they make. */
const filters = [
  ['corpId', 'corp_id = @corpId'],
  ['userId', 'user_id = @userId'],
  ['type', 'type = @type'],
  ['since', 'at >= @since'],
  ['cursor', 'id < @cursor'],
] as const;

/**
 * The security event log of the SQLite store: the `security_events` table, its rowid the order and the cursor.
 * Appends go through the group commit (`writes`), so facts recorded in the same turn as the writes they describe (a
 * session created, a revocation) share their transaction and their fsync. Pruning runs in a transaction of its own,
 * off the group commit, so that a large deletion never holds up a login.
 */
export function createSqliteSecurityEventLog(
  db: Database.Database,
  guard: SqliteGuard,
  writes: GroupCommit,
): SecurityEventLog {
  const insert = db.prepare<[Record<string, string | number | null>]>(
    `INSERT INTO security_events (at, type, corp_id, user_id, session_id, request_id, client_ip, reason)
     VALUES (@at, @type, @corpId, @userId, @sessionId, @requestId, @clientIp, @reason)`,
  );
  // One statement per combination of filters (at most 32), prepared when first used.
  const selects = new Map<string, Database.Statement<[Record<string, string | number>], EventRow>>();
  const selectFor = (query: SecurityEventQuery) => {
    const used = filters.filter(([name]) => query[name] !== undefined);
    const key = used.map(([name]) => name).join(',');
    let statement = selects.get(key);
    if (!statement) {
      const where = used.length === 0 ? '' : `WHERE ${used.map(([, clause]) => clause).join(' AND ')}`;
      statement = db.prepare(`SELECT * FROM security_events ${where} ORDER BY id DESC LIMIT @limit`);
      selects.set(key, statement);
    }
    return statement;
  };
  const deleteOlder = db.prepare<[number]>('DELETE FROM security_events WHERE at < ?');
  const deleteBeyond = db.prepare<[number]>(
    `DELETE FROM security_events WHERE id <= (SELECT id FROM security_events ORDER BY id DESC LIMIT 1 OFFSET ?)`,
  );
  const prune = db.transaction(
    (before: number, maxEntries: number): number =>
      deleteOlder.run(before).changes + deleteBeyond.run(maxEntries).changes,
  );
  const row = (event: SecurityEventInput): Record<string, string | number | null> => ({
    at: event.at,
    type: event.type,
    corpId: event.corpId ?? null,
    userId: event.userId ?? null,
    sessionId: event.sessionId ?? null,
    requestId: event.requestId ?? null,
    clientIp: event.clientIp ?? null,
    reason: event.reason ?? null,
  });

  return {
    async append(events) {
      if (events.length === 0) return;
      await writes.run(() =>
        guard(() => {
          for (const event of events) insert.run(row(event));
        }),
      );
    },
    async list(query) {
      assertSecurityEventQuery(query);
      // A cursor that is not one of ours matches nothing older: an empty page, not an error.
      const cursor = query.cursor === undefined ? undefined : Number(query.cursor);
      if (cursor !== undefined && !Number.isSafeInteger(cursor)) return { events: [] };
      const parameters: Record<string, string | number> = { limit: query.limit + 1 };
      if (query.corpId !== undefined) parameters.corpId = query.corpId;
      if (query.userId !== undefined) parameters.userId = query.userId;
      if (query.type !== undefined) parameters.type = query.type;
      if (query.since !== undefined) parameters.since = query.since;
      if (cursor !== undefined) parameters.cursor = cursor;
      const rows = guard(() => selectFor(query).all(parameters));
      const events = rows.slice(0, query.limit).map(toEvent);
      const last = events[events.length - 1];
      return rows.length > query.limit && last ? { events, nextCursor: last.id } : { events };
    },
    async prune(retention) {
      assertSecurityEventRetention(retention);
      return guard(() => prune.immediate(retention.before, retention.maxEntries));
    },
  };
}
