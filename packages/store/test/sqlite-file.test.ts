import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, StoreUnavailableError } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/create-session-then-hang.ts', import.meta.url));

/** Starts the child, resolves with the first line it prints, and kills it with SIGKILL right then. */
function createSessionThenCrash(path: string): Promise<{ id: string; signal: NodeJS.Signals | null }> {
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
    const { id, signal } = await createSessionThenCrash(path);
    expect(signal).toBe('SIGKILL');
    const store = createSqliteStore({ path });
    expect(await store.sessions.get(id)).toMatchObject({ id, corpId: 'ww-corp-a', userId: 'zhangsan' });
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
    expect(db.prepare('SELECT MAX(version) AS version FROM schema_version').get()).toEqual({ version: 5 });
    db.close();
    // Reopening migrates nothing twice.
    const again = createSqliteStore({ path });
    await again.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT COUNT(*) AS rows FROM schema_version').get()).toEqual({ rows: 5 });
    check.close();
  });

  it('upgrades a file written by the single-corp release: sessions, revocations and pending events kept', async () => {
    const path = join(root, 'schema-1.db');
    await createSqliteStore({ path }).close();
    // Schema 1 is the current schema without what the later migrations add.
    const legacy = new Database(path);
    legacy.exec(
      `ALTER TABLE inbox DROP COLUMN corp_id; ALTER TABLE sessions DROP COLUMN user_agent;
       ALTER TABLE sessions DROP COLUMN client_ip; DROP TABLE security_events;
       DELETE FROM schema_version WHERE version > 1;`,
    );
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
    expect(db.prepare('SELECT MAX(version) AS version FROM schema_version').get()).toEqual({ version: 5 });
    db.close();
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
    const session = (id: string, expiresAt: number) => ({
      id,
      corpId: 'ww1',
      userId: 'u1',
      refreshTokenHash: `rh-${id}`,
      sessionKeyCiphertext: 'x',
      createdAt: now,
      refreshedAt: now,
      expiresAt,
    });
    await store.sessions.create(session('old', now + 1_000));
    now += 5 * 60_000;
    await store.sessions.create(session('new', now + 1_000));
    expect(await store.sessions.get('old')).toBeUndefined();
    expect(await store.sessions.get('new')).toBeDefined();
    await store.close();
  });
});
