import type { Database } from 'better-sqlite3';
import { StoreUnavailableError } from '../ports.js';

/**
 * The schema, one entry per version. A released entry never changes: a new version appends an entry, so that a file
 * written by any earlier release is brought up to date on open.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE access_tokens (
    key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    obtained_at INTEGER NOT NULL
  );
  CREATE TABLE access_token_locks (
    key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    corp_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    refresh_token_hash TEXT NOT NULL,
    session_key_ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT
  );
  CREATE INDEX sessions_by_user ON sessions (corp_id, user_id);
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);
  CREATE TABLE session_refresh_hashes (
    hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
  );
  CREATE INDEX session_refresh_hashes_by_session ON session_refresh_hashes (session_id);
  CREATE TABLE revocations (
    session_id TEXT PRIMARY KEY,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX revocations_by_time ON revocations (revoked_at);
  CREATE TABLE cache (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    record TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
  );
  CREATE TABLE inbox (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    applied_at INTEGER
  );
  CREATE INDEX inbox_pending ON inbox (received_at) WHERE applied_at IS NULL;
  `,
  // 2: several corps. An event records the corp whose callback delivered it; events of schema 1 keep NULL, which
  // stands for the default corp (the one corp that release served). Sessions already carry their corp.
  `
  ALTER TABLE inbox ADD COLUMN corp_id TEXT;
  `,
  // 3 and 4 belong to the third-party (suite) apps and to the login retries, developed alongside this one; their
  // entries take these places when the three are put together.
  '',
  '',
  // 5: operator control. A session remembers the client of the login that created it (shown to operators), and the
  // security event log: one row per fact, its rowid the order and the cursor.
  `
  ALTER TABLE sessions ADD COLUMN user_agent TEXT;
  ALTER TABLE sessions ADD COLUMN client_ip TEXT;
  CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    corp_id TEXT,
    user_id TEXT,
    session_id TEXT,
    request_id TEXT,
    client_ip TEXT,
    reason TEXT
  );
  CREATE INDEX security_events_by_user ON security_events (corp_id, user_id, id);
  CREATE INDEX security_events_by_type ON security_events (type, id);
  CREATE INDEX security_events_by_time ON security_events (at);
  `,
];

/** The schema version this release writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Creates or upgrades the schema in one transaction; refuses a file written by a newer release. */
export function migrateSchema(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const upgrade = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new StoreUnavailableError(
        `The SQLite file has schema version ${current}, newer than ${SCHEMA_VERSION} of this release: upgrade it`,
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version += 1) {
      db.exec(MIGRATIONS[version - 1] ?? '');
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(version);
    }
  });
  // IMMEDIATE: two processes opening a new file at once must not both create the tables.
  upgrade.immediate();
}
