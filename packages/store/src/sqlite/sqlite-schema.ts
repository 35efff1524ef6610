import type { Database } from 'better-sqlite3';
import { StoreUnavailableError } from '../ports.js';

/**
 * The schema, one entry per version (entry `n - 1` brings a file from version `n - 1` to `n`). A released entry
 * never changes: a new version appends an entry, so that a file written by any earlier release is brought up to date
 * on open. Exported for the upgrade tests, which build a file of an earlier version from the entries before it.
 */
export const MIGRATIONS: readonly string[] = [
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
  // 3: third-party (suite) apps. The newest ticket per suite; per suite and corp either an install (its sealed
  // permanent code and auth info) or the tombstone of its uninstall (uninstalled_at set, the install's columns NULL:
  // the permanent code is deleted, not kept). corp_id compares by BINARY collation: case-sensitive, in byte order.
  `
  CREATE TABLE suite_tickets (
    suite_id TEXT PRIMARY KEY,
    ticket TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE TABLE suite_installs (
    suite_id TEXT NOT NULL,
    corp_id TEXT NOT NULL,
    corp_name TEXT,
    permanent_code_ciphertext TEXT,
    auth_info TEXT,
    installed_at INTEGER,
    updated_at INTEGER,
    event_timestamp INTEGER NOT NULL,
    uninstalled_at INTEGER,
    PRIMARY KEY (suite_id, corp_id),
    CHECK ((uninstalled_at IS NULL) = (permanent_code_ciphertext IS NOT NULL))
  );
  CREATE INDEX suite_install_tombstones ON suite_installs (uninstalled_at) WHERE uninstalled_at IS NOT NULL;
  `,
  // 4: answers kept for a retry. A login's sealed answer under a key bound to its code and client, claimed while the
  // code is exchanged; and the sealed answer of each session's latest refresh, for a repeat of the token it replaced.
  `
  CREATE TABLE login_retries (
    key TEXT PRIMARY KEY,
    holder TEXT,
    answer TEXT,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX login_retries_by_expiry ON login_retries (expires_at);
  CREATE TABLE rotation_repeats (
    session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    replaced_hash TEXT NOT NULL,
    answer TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  CREATE INDEX rotation_repeats_by_until ON rotation_repeats (until);
  `,
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
  // 6: the sweep (every minute) finds expired rows through an index instead of reading whole tables. Revocations stay
  // until their session's refresh expiry (a month by default) and the cache holds an entry per employee, so both
  // grow with use: at a million revocations the scan held the event loop for about a second per sweep.
  `
  CREATE INDEX revocations_by_expiry ON revocations (expires_at);
  CREATE INDEX cache_by_expiry ON cache (expires_at);
  CREATE INDEX inbox_applied ON inbox (applied_at) WHERE applied_at IS NOT NULL;
  `,
  // 7: login retries are kept in the gateway's memory (sqlite-store.ts says why). The rows of schema 4 lived a minute
  // at most and only ever served the process that wrote them, so nothing is carried over.
  `
  DROP TABLE login_retries;
  `,
  // 8: a refresh writes as few pages as it can, which is what a refresh costs once the file outgrows the page cache.
  // - Each refresh moved expires_at, and so the session's entry in sessions_by_expiry, a random page. The sweep now
  //   finds sessions through sweep_at, a time at or before the session's expiry that refreshes leave alone; the sweep
  //   moves it up to expires_at when it finds the session still alive (sqlite-session-store.ts).
  // - A refresh hash was a row of a rowid table with two indexes (its hash, its session), for the cascade that
  //   dropped a session's hashes with it: three B-trees per rotation, two of them at random. Now a hash is a row of a
  //   table clustered by hash with the expiry its session had when the hash was issued, and is swept at that
  //   expiry, as the Redis store lets a hash's key expire: a hash replaced more than a refresh TTL ago is forgotten,
  //   not remembered as long as its session lives (it was never accepted again either way; what goes is the revocation
  //   that presenting it would still have caused). The expiry index grows at its end only.
  //   The hashes of an earlier release are kept until the latest expiry of any session: at least as long as their
  //   own sessions, and copied in hash order without a lookup per hash (a million in about a second, where reading
  //   each one's session took ten).
  `
  CREATE TABLE refresh_hashes (
    hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO refresh_hashes (hash, session_id, expires_at)
    SELECT hash, session_id, (SELECT COALESCE(MAX(expires_at), 0) FROM sessions) FROM session_refresh_hashes
    ORDER BY +hash;
  DROP TABLE session_refresh_hashes;
  CREATE INDEX refresh_hashes_by_expiry ON refresh_hashes (expires_at);
  ALTER TABLE sessions ADD COLUMN sweep_at INTEGER NOT NULL DEFAULT 0;
  UPDATE sessions SET sweep_at = expires_at;
  CREATE INDEX sessions_by_sweep ON sessions (sweep_at);
  DROP INDEX sessions_by_expiry;
  `,
  // 9: a session is found in one B-tree. A rowid table with a TEXT primary key is two: the key's index leads to the
  // rowid, and the rowid to the row, so a refresh (the session by id, then its row rewritten) read two random leaves
  // where one does. Now the table is clustered by id (WITHOUT ROWID); its secondary indexes hold the id instead of
  // the rowid. Rows are copied in id order through a sort (`+id`), so the new table is written leaf after leaf.
  // A table with a foreign key to sessions would have its rows dropped by the implicit DELETE of the DROP TABLE
  // below (foreign keys are on, and cannot be turned off inside the migration's transaction), so the repeats are
  // first moved to a table without it: a repeat is looked up only after its session was found, and the sweep drops
  // it once its window closes, seconds after the rotation, so the cascade kept nothing from being read.
  `
  CREATE TABLE rotation_repeats_kept (
    session_id TEXT PRIMARY KEY,
    replaced_hash TEXT NOT NULL,
    answer TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  INSERT INTO rotation_repeats_kept SELECT session_id, replaced_hash, answer, until FROM rotation_repeats;
  DROP TABLE rotation_repeats;
  ALTER TABLE rotation_repeats_kept RENAME TO rotation_repeats;
  CREATE INDEX rotation_repeats_by_until ON rotation_repeats (until);
  CREATE TABLE sessions_by_id (
    id TEXT PRIMARY KEY,
    corp_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    refresh_token_hash TEXT NOT NULL,
    session_key_ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    refreshed_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    sweep_at INTEGER NOT NULL,
    revoked_at INTEGER,
    revoke_reason TEXT,
    user_agent TEXT,
    client_ip TEXT
  ) WITHOUT ROWID;
  INSERT INTO sessions_by_id (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
      refreshed_at, expires_at, sweep_at, revoked_at, revoke_reason, user_agent, client_ip)
    SELECT id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at, refreshed_at, expires_at,
      sweep_at, revoked_at, revoke_reason, user_agent, client_ip
    FROM sessions ORDER BY +id;
  DROP TABLE sessions;
  ALTER TABLE sessions_by_id RENAME TO sessions;
  CREATE INDEX sessions_by_user ON sessions (corp_id, user_id);
  CREATE INDEX sessions_by_sweep ON sessions (sweep_at);
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
