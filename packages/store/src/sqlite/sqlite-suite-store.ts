import type Database from 'better-sqlite3';
import type { LocalChangeHub } from '../local-change-hub.js';
import type { SuiteInstallChange, SuiteInstallRecord, SuiteStore, SuiteTicketRecord } from '../ports.js';
import {
  assertCorpId,
  assertInstallPage,
  assertInstallRecord,
  assertRemoval,
  assertSuiteId,
  assertTicketRecord,
  decideInstallRemoval,
  decideInstallSave,
  decideTicketOffer,
  type InstallState,
} from '../suite-rules.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';

interface TicketRow {
  suite_id: string;
  ticket: string;
  timestamp: number;
  received_at: number;
}

/** A row of `suite_installs`: an install, or a tombstone (`uninstalled_at` set, the install's columns NULL). */
interface CorpRow {
  suite_id: string;
  corp_id: string;
  corp_name: string | null;
  permanent_code_ciphertext: string | null;
  auth_info: string | null;
  installed_at: number | null;
  updated_at: number | null;
  event_timestamp: number;
  uninstalled_at: number | null;
}

function toInstall(row: CorpRow): SuiteInstallRecord | undefined {
  if (row.uninstalled_at !== null || row.permanent_code_ciphertext === null) return undefined;
  return {
    suiteId: row.suite_id,
    corpId: row.corp_id,
    corpName: row.corp_name ?? '',
    permanentCodeCiphertext: row.permanent_code_ciphertext,
    authInfo: row.auth_info ?? '',
    installedAt: row.installed_at ?? 0,
    updatedAt: row.updated_at ?? 0,
    eventTimestamp: row.event_timestamp,
  };
}

/**
 * The suite port of the SQLite store: `suite_tickets` and `suite_installs` (schema 3). Each write reads the corp's
 * or suite's row, applies the shared ordering rule and writes, in one savepoint of the group commit (`writes`): atomic
 * against any other connection to the file, and on disk when it resolves. Install changes are published on the file's
 * shared `hub` after their commit. A tombstone older than `tombstoneRetentionMs` counts as gone; uninstalls drop the
 * ones past that horizon.
 */
export function createSqliteSuiteStore(
  db: Database.Database,
  now: () => number,
  hub: LocalChangeHub,
  guard: SqliteGuard,
  writes: GroupCommit,
  tombstoneRetentionMs: number,
): SuiteStore {
  const selectTicket = db.prepare<[string], TicketRow>('SELECT * FROM suite_tickets WHERE suite_id = ?');
  const upsertTicket = db.prepare<[SuiteTicketRecord]>(
    `INSERT INTO suite_tickets (suite_id, ticket, timestamp, received_at)
     VALUES (@suiteId, @ticket, @timestamp, @receivedAt)
     ON CONFLICT (suite_id) DO UPDATE SET ticket = excluded.ticket, timestamp = excluded.timestamp,
       received_at = excluded.received_at`,
  );
  const selectCorp = db.prepare<[string, string], CorpRow>(
    'SELECT * FROM suite_installs WHERE suite_id = ? AND corp_id = ?',
  );
  const upsertInstall = db.prepare<[SuiteInstallRecord]>(
    `INSERT INTO suite_installs (suite_id, corp_id, corp_name, permanent_code_ciphertext, auth_info, installed_at,
       updated_at, event_timestamp, uninstalled_at)
     VALUES (@suiteId, @corpId, @corpName, @permanentCodeCiphertext, @authInfo, @installedAt, @updatedAt,
       @eventTimestamp, NULL)
     ON CONFLICT (suite_id, corp_id) DO UPDATE SET corp_name = excluded.corp_name,
       permanent_code_ciphertext = excluded.permanent_code_ciphertext, auth_info = excluded.auth_info,
       installed_at = excluded.installed_at, updated_at = excluded.updated_at,
       event_timestamp = excluded.event_timestamp, uninstalled_at = NULL`,
  );
  const writeTombstone = db.prepare<[string, string, number, number]>(
    `INSERT INTO suite_installs (suite_id, corp_id, event_timestamp, uninstalled_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (suite_id, corp_id) DO UPDATE SET corp_name = NULL, permanent_code_ciphertext = NULL,
       auth_info = NULL, installed_at = NULL, updated_at = NULL, event_timestamp = excluded.event_timestamp,
       uninstalled_at = excluded.uninstalled_at`,
  );
  const purgeTombstones = db.prepare<[number]>(
    'DELETE FROM suite_installs WHERE uninstalled_at IS NOT NULL AND uninstalled_at <= ?',
  );
  // Two statements rather than `(@after IS NULL OR corp_id > @after)`, which would keep SQLite from seeking to the
  // page's start in the primary key: every page would scan the suite from its first corp.
  const selectFirstPage = db.prepare<[string, number], CorpRow>(
    `SELECT * FROM suite_installs WHERE suite_id = ? AND uninstalled_at IS NULL ORDER BY corp_id LIMIT ?`,
  );
  const selectPageAfter = db.prepare<[string, string, number], CorpRow>(
    `SELECT * FROM suite_installs WHERE suite_id = ? AND corp_id > ? AND uninstalled_at IS NULL
     ORDER BY corp_id LIMIT ?`,
  );
  const countInstalled = db.prepare<[string], { installs: number }>(
    'SELECT COUNT(*) AS installs FROM suite_installs WHERE suite_id = ? AND uninstalled_at IS NULL',
  );

  const stateOf = (suiteId: string, corpId: string): InstallState => {
    const row = selectCorp.get(suiteId, corpId);
    if (!row) return undefined;
    if (row.uninstalled_at === null) {
      return { kind: 'installed', eventTimestamp: row.event_timestamp, installedAt: row.installed_at ?? 0 };
    }
    if (row.uninstalled_at + tombstoneRetentionMs <= now()) return undefined;
    return { kind: 'uninstalled', eventTimestamp: row.event_timestamp };
  };

  // Each runs inside the group commit's savepoint, which makes its read and write one atomic step.
  const offerTicket = (record: SuiteTicketRecord): 'stored' | 'stale' => {
    const outcome = decideTicketOffer(selectTicket.get(record.suiteId)?.timestamp, record.timestamp);
    if (outcome === 'stored') upsertTicket.run(record);
    return outcome;
  };
  const saveInstall = (record: SuiteInstallRecord): SuiteInstallChange | undefined => {
    const decision = decideInstallSave(stateOf(record.suiteId, record.corpId), record.eventTimestamp);
    if (decision.outcome === 'stale') return undefined;
    upsertInstall.run({
      ...record,
      installedAt: decision.outcome === 'updated' ? decision.installedAt : record.installedAt,
    });
    return { suiteId: record.suiteId, corpId: record.corpId, kind: decision.outcome, at: record.updatedAt };
  };
  const removeInstall = (
    suiteId: string,
    corpId: string,
    eventTimestamp: number,
    at: number,
  ): 'removed' | 'stale' | 'absent' => {
    const outcome = decideInstallRemoval(stateOf(suiteId, corpId), eventTimestamp);
    if (outcome === 'stale') return outcome;
    // Uninstalls are rare: a good moment to drop the tombstones past the horizon (an index holds only tombstones).
    purgeTombstones.run(now() - tombstoneRetentionMs);
    writeTombstone.run(suiteId, corpId, eventTimestamp, at);
    return outcome;
  };

  return {
    async offerTicket(record) {
      assertTicketRecord(record);
      return writes.run(() => guard(() => offerTicket(record)));
    },
    async ticket(suiteId) {
      assertSuiteId('ticket', suiteId);
      return guard(() => {
        const row = selectTicket.get(suiteId);
        if (!row) return undefined;
        return {
          suiteId: row.suite_id,
          ticket: row.ticket,
          timestamp: row.timestamp,
          receivedAt: row.received_at,
        };
      });
    },
    async saveInstall(record) {
      assertInstallRecord(record);
      const change = await writes.run(() => guard(() => saveInstall(record)));
      if (!change) return 'stale';
      hub.publishInstallChange(change);
      return 'stored';
    },
    async install(suiteId, corpId) {
      assertSuiteId('install', suiteId);
      assertCorpId('install', corpId);
      return guard(() => {
        const row = selectCorp.get(suiteId, corpId);
        return row ? toInstall(row) : undefined;
      });
    },
    async removeInstall(suiteId, corpId, eventTimestamp, at) {
      assertRemoval(suiteId, corpId, eventTimestamp, at);
      const outcome = await writes.run(() => guard(() => removeInstall(suiteId, corpId, eventTimestamp, at)));
      if (outcome === 'removed') hub.publishInstallChange({ suiteId, corpId, kind: 'uninstalled', at });
      return outcome;
    },
    async listInstalls(suiteId, page) {
      assertInstallPage(suiteId, page);
      return guard(() => {
        const rows =
          page.after === undefined
            ? selectFirstPage.all(suiteId, page.limit)
            : selectPageAfter.all(suiteId, page.after, page.limit);
        return rows.flatMap((row) => toInstall(row) ?? []);
      });
    },
    async countInstalls(suiteId) {
      assertSuiteId('countInstalls', suiteId);
      return guard(() => countInstalled.get(suiteId)?.installs ?? 0);
    },
    async subscribeInstalls(listener) {
      const unsubscribe = hub.subscribeInstalls(listener);
      return async () => unsubscribe();
    },
  };
}
