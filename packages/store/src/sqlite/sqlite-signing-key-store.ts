import type Database from 'better-sqlite3';
import type { SigningKeyRecord, SigningKeyStore } from '../ports.js';
import type { SqliteGuard } from './sqlite-connection.js';
import type { GroupCommit } from './sqlite-group-commit.js';

interface SigningKeyRow {
  record: string;
  retired_at: number | null;
}

function toSigningKey(row: SigningKeyRow): SigningKeyRecord {
  const record = JSON.parse(row.record) as SigningKeyRecord;
  return row.retired_at === null ? record : { ...record, retiredAt: row.retired_at };
}

/** The signing-key port of the SQLite store: `signing_keys`, written through the group commit (`writes`). */
export function createSqliteSigningKeyStore(
  db: Database.Database,
  guard: SqliteGuard,
  writes: GroupCommit,
): SigningKeyStore {
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
  const selectOne = db.prepare<[string], { record: string }>('SELECT record FROM signing_keys WHERE kid = ?');
  const updateRecord = db.prepare('UPDATE signing_keys SET record = ? WHERE kid = ?');

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

  const replacePrivateJwk = db.transaction(
    (kid: string, expected: Readonly<Record<string, unknown>>, next: Readonly<Record<string, unknown>>) => {
      const row = selectOne.get(kid);
      if (row === undefined) return false;
      const record = JSON.parse(row.record) as SigningKeyRecord;
      if (JSON.stringify(record.privateJwk) !== JSON.stringify(expected)) return false;
      updateRecord.run(JSON.stringify({ ...record, privateJwk: next }), kid);
      return true;
    },
  );

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
    async replacePrivateJwk(kid, expected, next) {
      return writes.run(() => guard(() => replacePrivateJwk(kid, expected, next)));
    },
  };
}
