import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, StoreUnavailableError, type SuiteInstallRecord } from '../src/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/sqlite/sqlite-schema.js';
import { sessionRecord } from './session-record.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A new file at schema `version`, as the release that wrote that version left it: its migrations and no others. */
function fileAtSchema(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  for (const [index, migration] of MIGRATIONS.slice(0, version).entries()) {
    db.exec(migration);
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(index + 1);
  }
  return db;
}

const ticketRecord = (timestamp: number) => ({
  suiteId: 'ww-suite-1',
  ticket: `ticket-${timestamp}`,
  timestamp,
  receivedAt: timestamp * 1_000,
});

const installRecord = (corpId: string, eventTimestamp: number): SuiteInstallRecord => ({
  suiteId: 'ww-suite-1',
  corpId,
  corpName: `Corp ${corpId}`,
  permanentCodeCiphertext: `sealed-${corpId}`,
  authInfo: '{"agent":[]}',
  installedAt: eventTimestamp * 1_000,
  updatedAt: eventTimestamp * 1_000,
  eventTimestamp,
});

/** Starts the child, resolves with the first line it prints, and kills it with SIGKILL right then. */
function runThenCrash(
  childScript: string,
  path: string,
): Promise<{ id: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, path], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let id: string | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n');
      if (id === undefined && line.length > 1) {
        id = line[0];
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (id === undefined) reject(new Error(`the child exited without printing an id: ${stderr}`));
      else resolve({ id, signal });
    });
  });
}

describe('SQLite file', () => {
  it('keeps a session whose creation was acknowledged when the process is killed right after', async () => {
    const path = join(root, 'durability', 'store.db');
    const { id, signal } = await runThenCrash(fixture('create-session-then-hang.ts'), path);
    expect(signal).toBe('SIGKILL');
    const store = createSqliteStore({ path });
    expect(await store.sessions.get(id)).toMatchObject({ id, corpId: 'ww-corp-a', userId: 'zhangsan' });
    await store.close();
  });

  it('keeps a suite ticket and install whose writes were acknowledged when the process is killed right after', async () => {
    const path = join(root, 'suite-durability', 'store.db');
    const { id: corpId, signal } = await runThenCrash(fixture('save-install-then-hang.ts'), path);
    expect(signal).toBe('SIGKILL');
    const store = createSqliteStore({ path });
    expect(await store.suites.ticket('ww-suite-1')).toMatchObject({ ticket: 'crash-ticket' });
    expect(await store.suites.install('ww-suite-1', corpId)).toMatchObject({
      corpName: 'Crash Corp',
      permanentCodeCiphertext: 'sealed-crash',
    });
    await store.close();
  });

  it('creates the directory, uses WAL, and records the schema version', async () => {
    const path = join(root, 'a', 'b', 'c', 'store.db');
    const store = createSqliteStore({ path });
    await store.ping();
    expect(existsSync(path)).toBe(true);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) AS version FROM schema_version').get()).toEqual({
      version: SCHEMA_VERSION,
    });
    db.close();
    // Reopening migrates nothing twice.
    const again = createSqliteStore({ path });
    await again.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS rows FROM schema_version').get()).toEqual({
      rows: SCHEMA_VERSION,
    });
    check.close();
  });

  it('upgrades a file written by the single-corp release: sessions, revocations and pending events kept', async () => {
    const path = join(root, 'schema-1.db');
    const legacy = fileAtSchema(path, 1);
    legacy.exec(
      readFileSync(fileURLToPath(new URL('./fixtures/sqlite-schema-1.sql', import.meta.url)), 'utf8'),
    );
    legacy.close();

    const store = createSqliteStore({ path });
    expect(await store.sessions.get('sid-legacy-1')).toMatchObject({
      corpId: 'wwdemo0000000001',
      userId: 'zhangsan',
      refreshTokenHash: 'rh-legacy-1',
    });
    expect(await store.sessions.listRevocations(0)).toEqual([
      { sessionId: 'sid-legacy-2', revokedAt: 1_700_000_100_000, expiresAt: 4_102_444_800_000 },
    ]);
    // An event recorded before the upgrade has no corp: the gateway applies it to its default corp.
    expect(await store.inbox.pending(10)).toEqual([
      { id: 'ev-legacy', payload: '<xml>legacy</xml>', receivedAt: 1_700_000_200_000 },
    ]);
    expect(
      await store.inbox.record({ id: 'ev-new', corpId: 'wwsub00000000003', payload: 'n', receivedAt: 1 }),
    ).toBe(true);
    const rotated = await store.sessions.rotate('rh-legacy-1', {
      refreshTokenHash: 'rh-next',
      refreshedAt: 1_700_000_300_000,
      expiresAt: 4_102_444_800_000,
    });
    expect(rotated.outcome).toBe('rotated');
    // A session of the old release has no client to show; the event log starts empty and works.
    expect(await store.sessions.listUser('wwdemo0000000001', 'zhangsan')).toEqual([
      expect.not.objectContaining({ userAgent: expect.anything() }),
    ]);
    await store.events.append([{ at: 1, type: 'login.succeeded' }]);
    expect((await store.events.list({ limit: 5 })).events).toEqual([
      { id: expect.any(String), at: 1, type: 'login.succeeded' },
    ]);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT MAX(version) AS version FROM schema_version').get()).toEqual({
      version: SCHEMA_VERSION,
    });
    db.close();
  });

  it('upgrades a schema-2 file on open: its data kept, suite tickets and installs then stored', async () => {
    const path = join(root, 'schema-2.db');
    const legacy = fileAtSchema(path, 2);
    legacy.exec(
      readFileSync(fileURLToPath(new URL('./fixtures/sqlite-schema-1.sql', import.meta.url)), 'utf8'),
    );
    legacy
      .prepare('INSERT INTO inbox (id, corp_id, payload, received_at) VALUES (?, ?, ?, ?)')
      .run('ev-schema-2', 'wwsub00000000003', '<xml>2</xml>', 1_700_000_300_000);
    legacy.close();

    const store = createSqliteStore({ path });
    expect(await store.sessions.get('sid-legacy-1')).toMatchObject({ userId: 'zhangsan' });
    expect((await store.inbox.pending(10)).map((event) => event.corpId ?? 'default')).toEqual([
      'default',
      'wwsub00000000003',
    ]);
    expect(await store.suites.offerTicket(ticketRecord(1_760_000_000))).toBe('stored');
    expect(await store.suites.saveInstall(installRecord('wwcorp-a', 1_760_000_000))).toBe('stored');
    expect(await store.suites.removeInstall('ww-suite-1', 'wwcorp-a', 1_760_000_100, Date.now())).toBe(
      'removed',
    );
    // The corp's sessions are found through the index schema 1 made.
    expect(await store.sessions.revokeCorp('wwdemo0000000001', 'corp_uninstalled', Date.now())).toBe(1);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_version ORDER BY version').all()).toEqual(
      Array.from({ length: SCHEMA_VERSION }, (_, index) => ({ version: index + 1 })),
    );
    // The permanent code went with the install; the tombstone keeps only the order.
    expect(db.prepare('SELECT * FROM suite_installs').all()).toEqual([
      expect.objectContaining({
        corp_id: 'wwcorp-a',
        permanent_code_ciphertext: null,
        auth_info: null,
        event_timestamp: 1_760_000_100,
        uninstalled_at: expect.any(Number),
      }),
    ]);
    db.close();
  });

  it('upgrades a schema-7 file: sessions swept at their expiry, refresh hashes kept until it', async () => {
    const path = join(root, 'schema-7.db');
    const legacy = fileAtSchema(path, 7);
    const insert = legacy.prepare(
      `INSERT INTO sessions (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
         refreshed_at, expires_at) VALUES (?, 'ww1', 'u1', ?, 'x', 1, 1, ?)`,
    );
    insert.run('sid-soon', 'rh-soon', 2_000);
    insert.run('sid-later', 'rh-later-2', 9_000);
    const insertHash = legacy.prepare('INSERT INTO session_refresh_hashes (hash, session_id) VALUES (?, ?)');
    insertHash.run('rh-soon', 'sid-soon');
    insertHash.run('rh-later-1', 'sid-later');
    insertHash.run('rh-later-2', 'sid-later');
    legacy.close();

    const store = createSqliteStore({ path, now: () => 3_000 });
    expect(await store.sessions.deleteExpired(3_000)).toBe(1);
    expect(await store.sessions.get('sid-soon')).toBeUndefined();
    expect(await store.sessions.get('sid-later')).toMatchObject({ expiresAt: 9_000 });
    // Every hash came along, kept at least until its session's expiry: the earlier one is still known as replaced.
    expect(await store.sessions.findByRefreshHash('rh-later-1')).toMatchObject({ id: 'sid-later' });
    const next = { refreshTokenHash: 'rh-later-3', refreshedAt: 3_000, expiresAt: 20_000 };
    expect((await store.sessions.rotate('rh-later-2', next)).outcome).toBe('rotated');
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' ORDER BY name",
        )
        .all(),
    ).toEqual([{ name: 'sessions_by_sweep' }, { name: 'sessions_by_user' }]);
    expect(db.prepare('SELECT id, sweep_at FROM sessions').all()).toEqual([
      { id: 'sid-later', sweep_at: 9_000 },
    ]);
    expect(db.prepare('SELECT hash, session_id, expires_at FROM refresh_hashes ORDER BY hash').all()).toEqual(
      [
        { hash: 'rh-later-1', session_id: 'sid-later', expires_at: 9_000 },
        { hash: 'rh-later-2', session_id: 'sid-later', expires_at: 9_000 },
        { hash: 'rh-later-3', session_id: 'sid-later', expires_at: 20_000 },
        // Until the latest expiry in the file, past its session's: it names no session, and goes at that time.
        { hash: 'rh-soon', session_id: 'sid-soon', expires_at: 9_000 },
      ],
    );
    db.close();
  });

  it('upgrades a schema-8 file: sessions clustered by id with every column, and the repeats kept', async () => {
    const path = join(root, 'schema-8.db');
    const legacy = fileAtSchema(path, 8);
    const insert = legacy.prepare(
      `INSERT INTO sessions (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
         refreshed_at, expires_at, sweep_at, revoked_at, revoke_reason, user_agent, client_ip)
       VALUES (@id, @corpId, @userId, @refreshTokenHash, 'sealed', 1_000, @refreshedAt, 90_000, @sweepAt,
         @revokedAt, @revokeReason, @userAgent, @clientIp)`,
    );
    const plain = {
      corpId: 'ww1',
      userId: 'u1',
      revokedAt: null,
      revokeReason: null,
      userAgent: null,
      clientIp: null,
    };
    insert.run({ ...plain, id: 'sid-b', refreshTokenHash: 'rh-b-2', refreshedAt: 2_000, sweepAt: 60_000 });
    insert.run({
      id: 'sid-a',
      corpId: 'ww2',
      userId: 'u2',
      refreshTokenHash: 'rh-a-1',
      refreshedAt: 1_000,
      sweepAt: 90_000,
      revokedAt: 1_500,
      revokeReason: 'logout',
      userAgent: 'wxwork/4.1',
      clientIp: '203.0.113.7',
    });
    const insertHash = legacy.prepare(
      'INSERT INTO refresh_hashes (hash, session_id, expires_at) VALUES (?, ?, ?)',
    );
    for (const [hash, id] of [
      ['rh-a-1', 'sid-a'],
      ['rh-b-1', 'sid-b'],
      ['rh-b-2', 'sid-b'],
    ]) {
      insertHash.run(hash, id, 90_000);
    }
    // sid-b's latest rotation replaced rh-b-1 and kept its answer for a repeat until 10_000.
    legacy
      .prepare('INSERT INTO rotation_repeats (session_id, replaced_hash, answer, until) VALUES (?, ?, ?, ?)')
      .run('sid-b', 'rh-b-1', 'kept-answer', 10_000);
    legacy.close();

    const store = createSqliteStore({ path, now: () => 3_000 });
    expect(await store.sessions.get('sid-a')).toEqual({
      id: 'sid-a',
      corpId: 'ww2',
      userId: 'u2',
      refreshTokenHash: 'rh-a-1',
      sessionKeyCiphertext: 'sealed',
      createdAt: 1_000,
      refreshedAt: 1_000,
      expiresAt: 90_000,
      revokedAt: 1_500,
      revokeReason: 'logout',
      userAgent: 'wxwork/4.1',
      clientIp: '203.0.113.7',
    });
    // The repeat came along: the replaced token is answered again, not taken for a reuse that would revoke.
    const next = { refreshTokenHash: 'rh-b-3', refreshedAt: 3_000, expiresAt: 95_000 };
    expect(await store.sessions.rotate('rh-b-1', next)).toMatchObject({
      outcome: 'repeated',
      answer: 'kept-answer',
    });
    expect(await store.sessions.rotate('rh-b-2', next)).toMatchObject({ outcome: 'rotated' });
    expect(await store.sessions.get('sid-b')).toMatchObject({
      refreshTokenHash: 'rh-b-3',
      expiresAt: 95_000,
    });
    await store.close();

    const db = new Database(path, { readonly: true });
    const tableSql = (name: string): string =>
      db
        .prepare<[string], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(name)?.sql ?? '';
    expect(tableSql('sessions')).toMatch(/WITHOUT ROWID$/);
    expect(db.pragma('foreign_key_list(rotation_repeats)')).toEqual([]);
    expect(db.prepare('SELECT id, sweep_at FROM sessions ORDER BY id').all()).toEqual([
      { id: 'sid-a', sweep_at: 90_000 },
      { id: 'sid-b', sweep_at: 60_000 },
    ]);
    expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('sessions', 'rotation_repeats')",
        )
        .all()
        .map((row) => (row as { name: string }).name)
        .sort(),
    ).toEqual([
      'rotation_repeats_by_until',
      'sessions_by_sweep',
      'sessions_by_user',
      'sqlite_autoindex_rotation_repeats_1',
    ]);
    db.close();
  });

  it('keeps tickets, installs and tombstones across a reopen', async () => {
    const path = join(root, 'suites-reopen.db');
    const first = createSqliteStore({ path });
    await first.suites.offerTicket(ticketRecord(1_760_000_600));
    const kept = installRecord('wwcorp-a', 1_760_000_000);
    await first.suites.saveInstall(kept);
    await first.suites.saveInstall(installRecord('wwcorp-b', 1_760_000_000));
    await first.suites.removeInstall('ww-suite-1', 'wwcorp-b', 1_760_000_100, Date.now());
    await first.close();

    const second = createSqliteStore({ path });
    expect(await second.suites.ticket('ww-suite-1')).toEqual(ticketRecord(1_760_000_600));
    expect(await second.suites.offerTicket(ticketRecord(1_760_000_000))).toBe('stale');
    expect(await second.suites.install('ww-suite-1', 'wwcorp-a')).toEqual(kept);
    expect(await second.suites.countInstalls('ww-suite-1')).toBe(1);
    expect(await second.suites.saveInstall(installRecord('wwcorp-b', 1_760_000_050))).toBe('stale');
    await second.close();
  });

  it('drops the tombstones past the horizon when a corp uninstalls', async () => {
    let now = Date.now();
    const path = join(root, 'tombstones.db');
    const store = createSqliteStore({ path, now: () => now, installTombstoneRetentionMs: 60_000 });
    for (const corpId of ['wwcorp-a', 'wwcorp-b']) {
      await store.suites.saveInstall(installRecord(corpId, 1_760_000_000));
    }
    await store.suites.removeInstall('ww-suite-1', 'wwcorp-a', 1_760_000_100, now);
    now += 61_000;
    await store.suites.removeInstall('ww-suite-1', 'wwcorp-b', 1_760_000_100, now);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT corp_id FROM suite_installs').all()).toEqual([{ corp_id: 'wwcorp-b' }]);
    db.close();
  });

  it.skipIf(process.platform !== 'linux')(
    'refuses a path under /proc at once, saying why (a recursive mkdir would spin there forever)',
    () => {
      expect(() => createSqliteStore({ path: '/proc/wecom-auth-test/store.db' })).toThrow(
        "Cannot open the SQLite store at /proc/wecom-auth-test/store.db: ENOENT: no such file or directory, mkdir '/proc/wecom-auth-test'",
      );
      writeFileSync(join(root, 'a-file.db'), 'a file');
      expect(() => createSqliteStore({ path: join(root, 'a-file.db', 'store.db') })).toThrow(
        /a-file\.db is not a directory/,
      );
    },
  );

  it('keeps login retries in memory: shared by the stores on one file, never written to it', async () => {
    const path = join(root, 'retries.db');
    const legacy = fileAtSchema(path, 6);
    legacy
      .prepare('INSERT INTO login_retries (key, holder, answer, expires_at) VALUES (?, NULL, ?, ?)')
      .run('kept-by-schema-6', 'sealed', Date.now() + 60_000);
    legacy.close();
    const store = createSqliteStore({ path });
    const peer = createSqliteStore({ path });
    try {
      // Schema 7 dropped the table with its short-lived rows.
      expect(await store.loginRetries.claim('kept-by-schema-6', 'h1', 20_000)).toEqual({ state: 'claimed' });
      expect(await peer.loginRetries.claim('kept-by-schema-6', 'h2', 20_000)).toEqual({ state: 'pending' });
      expect(await store.loginRetries.fulfil('kept-by-schema-6', 'h1', 'answer', 60_000)).toBe(true);
      expect(await peer.loginRetries.claim('kept-by-schema-6', 'h2', 20_000)).toEqual({
        state: 'answered',
        answer: 'answer',
      });
      const db = new Database(path, { readonly: true });
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'login_retries%'").all()).toEqual([]);
      db.close();
    } finally {
      await store.close();
      await peer.close();
    }
  });

  it('reads the cache through memory shared by the stores on one file, and writes every change to the file', async () => {
    const path = join(root, 'cache-memo.db');
    let now = 1_700_000_000_000;
    const store = createSqliteStore({ path, now: () => now });
    const peer = createSqliteStore({ path, now: () => now });
    const file = new Database(path, { readonly: true });
    const rows = () => file.prepare('SELECT key, value FROM cache ORDER BY key').all();
    try {
      await store.cache.set('profile', { name: 'first' }, 60_000);
      expect(await peer.cache.get('profile')).toEqual({ name: 'first' });
      await peer.cache.set('profile', { name: 'second' }, 60_000);
      expect(await store.cache.get('profile')).toEqual({ name: 'second' });
      expect(rows()).toEqual([{ key: 'profile', value: '{"name":"second"}' }]);
      // Each reader gets its own copy.
      const copy = await store.cache.get<{ name: string }>('profile');
      if (copy) copy.name = 'changed by a caller';
      expect(await peer.cache.get('profile')).toEqual({ name: 'second' });
      await store.cache.delete('profile');
      expect(await peer.cache.get('profile')).toBeUndefined();
      expect(rows()).toEqual([]);
      await store.cache.set('short', 1, 1_000);
      now += 1_000;
      expect(await peer.cache.get('short')).toBeUndefined();
      expect(rows()).toEqual([]);
    } finally {
      file.close();
      await store.close();
      await peer.close();
    }
    // A new process's store reads what the file kept.
    const reopened = createSqliteStore({ path });
    try {
      await reopened.cache.set('kept', { v: 1 }, 60_000);
    } finally {
      await reopened.close();
    }
    const again = createSqliteStore({ path });
    try {
      expect(await again.cache.get('kept')).toEqual({ v: 1 });
    } finally {
      await again.close();
    }
  });

  it('creates every missing level of the directory', async () => {
    const path = join(root, 'one', 'two', 'three', 'store.db');
    await createSqliteStore({ path }).close();
    expect(existsSync(path)).toBe(true);
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(root, 'newer.db');
    await createSqliteStore({ path }).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(99);
    db.close();
    expect(() => createSqliteStore({ path })).toThrow(StoreUnavailableError);
  });

  it('rejects calls after close with StoreUnavailableError', async () => {
    const store = createSqliteStore({ path: join(root, 'closed.db') });
    await store.close();
    await expect(store.sessions.get('sid')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.cache.set('k', 1, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });

  it('fails to open a path that cannot be a file', async () => {
    const blocker = join(root, 'not-a-dir');
    await createSqliteStore({ path: blocker }).close();
    expect(() => createSqliteStore({ path: join(blocker, 'store.db') })).toThrow(StoreUnavailableError);
  });

  it('refuses options that cannot work', () => {
    expect(() => createSqliteStore({ path: '' })).toThrow(
      new TypeError('createSqliteStore: path must be a non-empty string'),
    );
    expect(() => createSqliteStore({ path: join(root, 'x.db'), busyTimeoutMs: -1 })).toThrow(TypeError);
  });

  it('lazily drops expired rows when sessions are created', async () => {
    let now = Date.now();
    const store = createSqliteStore({ path: join(root, 'lazy.db'), now: () => now });
    const session = (id: string, expiresAt: number) =>
      sessionRecord(now, { id, refreshTokenHash: `rh-${id}`, expiresAt });
    await store.sessions.create(session('old', now + 1_000));
    now += 5 * 60_000;
    await store.sessions.create(session('new', now + 1_000));
    expect(await store.sessions.get('old')).toBeUndefined();
    expect(await store.sessions.get('new')).toBeDefined();
    await store.close();
  });
});
