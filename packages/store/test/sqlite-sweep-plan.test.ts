import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { sessionRecord } from './session-record.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The sweep runs every minute on the event loop's thread. A table that grows with use must be swept through an
 * index on its expiry, so that a sweep costs what it deletes, not the size of the table.
 */
describe('SQLite sweep', () => {
  const sweptByExpiry: readonly [table: string, condition: string][] = [
    ['sessions', 'sweep_at < @t AND expires_at < @t'],
    ['refresh_hashes', 'expires_at < @t'],
    ['revocations', 'expires_at < @t'],
    ['cache', 'expires_at < @t'],
    ['inbox', 'applied_at IS NOT NULL AND applied_at < @t'],
    ['rotation_repeats', 'until < @t'],
    ['security_events', 'at < @t'],
  ];

  it.each(sweptByExpiry)('finds the expired rows of %s through an index', async (table, condition) => {
    const path = join(root, `${table}.db`);
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = db
        .prepare<[{ t: number }], { detail: string }>(
          `EXPLAIN QUERY PLAN DELETE FROM ${table} WHERE ${condition}`,
        )
        .all({ t: 0 })
        .map((row) => row.detail);
      expect(plan[0]).toMatch(new RegExp(`^SEARCH ${table} USING (COVERING )?INDEX`));
      expect(plan.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('moves the sweep time of the live sessions it finds through an index', async () => {
    const path = join(root, 'sessions-postpone.db');
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = db
        .prepare<[number], { detail: string }>(
          'EXPLAIN QUERY PLAN UPDATE sessions SET sweep_at = expires_at WHERE sweep_at < ?',
        )
        .all(0)
        .map((row) => row.detail);
      expect(plan).toEqual([expect.stringMatching(/^SEARCH sessions USING INDEX sessions_by_sweep/)]);
    } finally {
      db.close();
    }
  });

  it("reads a refresh's session in one B-tree: the hash's row, then the session clustered by its id", async () => {
    const path = join(root, 'sessions-refresh-plan.db');
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = (sql: string): string[] =>
        db
          .prepare<[{ v: string }], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
          .all({ v: 'x' })
          .map((row) => row.detail);
      expect(
        plan(
          `SELECT sessions.* FROM refresh_hashes JOIN sessions ON sessions.id = refresh_hashes.session_id
           WHERE refresh_hashes.hash = @v`,
        ),
      ).toEqual([
        'SEARCH refresh_hashes USING PRIMARY KEY (hash=?)',
        'SEARCH sessions USING PRIMARY KEY (id=?)',
      ]);
      expect(plan('UPDATE sessions SET refresh_token_hash = @v WHERE id = @v')).toEqual([
        'SEARCH sessions USING PRIMARY KEY (id=?)',
      ]);
    } finally {
      db.close();
    }
  });

  it('finds a session where its login left it, whatever its refreshes did, and drops it once expired', async () => {
    const path = join(root, 'sessions-sweep.db');
    let now = 1_700_000_000_000;
    const store = createSqliteStore({ path, now: () => now });
    const db = new Database(path, { readonly: true });
    const sweepAt = (id: string): unknown =>
      db.prepare<[string], { sweep_at: number }>('SELECT sweep_at FROM sessions WHERE id = ?').get(id)
        ?.sweep_at;
    const session = (id: string, expiresAt: number) =>
      sessionRecord(now, { id, refreshTokenHash: `rh-${id}`, expiresAt });
    try {
      await store.sessions.create(session('daily', now + 1_000));
      await store.sessions.create(session('left', now + 3_000));
      expect(sweepAt('daily')).toBe(now + 1_000);
      // A refresh renews the session without touching the sweep's index.
      for (const [step, hash] of ['rh-daily-2', 'rh-daily-3'].entries()) {
        const presented = step === 0 ? 'rh-daily' : 'rh-daily-2';
        const next = { refreshTokenHash: hash, refreshedAt: now, expiresAt: now + 10_000 + step };
        expect((await store.sessions.rotate(presented, next)).outcome).toBe('rotated');
      }
      expect(sweepAt('daily')).toBe(now + 1_000);

      now += 2_000;
      expect(await store.sessions.deleteExpired(now)).toBe(0);
      expect(sweepAt('daily')).toBe(1_700_000_010_001);
      expect(sweepAt('left')).toBe(1_700_000_003_000);

      now += 2_000;
      expect(await store.sessions.deleteExpired(now)).toBe(1);
      expect(await store.sessions.get('left')).toBeUndefined();
      expect(await store.sessions.get('daily')).toBeDefined();

      // A refresh that shortens the session (a lowered refresh TTL) brings its sweep time down with it.
      const shorter = { refreshTokenHash: 'rh-daily-4', refreshedAt: now, expiresAt: now + 500 };
      expect((await store.sessions.rotate('rh-daily-3', shorter)).outcome).toBe('rotated');
      expect(sweepAt('daily')).toBe(now + 500);
      now += 1_000;
      expect(await store.sessions.deleteExpired(now)).toBe(1);
      expect(await store.sessions.get('daily')).toBeUndefined();
      // Each hash goes at the expiry its session had when it was issued: the two issued for longer stay until then,
      // and name no session any more.
      expect(db.prepare('SELECT hash FROM refresh_hashes ORDER BY hash').all()).toEqual([
        { hash: 'rh-daily-2' },
        { hash: 'rh-daily-3' },
      ]);
      const late = { refreshTokenHash: 'rh-late', refreshedAt: now, expiresAt: now + 60_000 };
      expect((await store.sessions.rotate('rh-daily-3', late)).outcome).toBe('unknown');
      now += 10_000;
      await store.sessions.deleteExpired(now);
      expect(db.prepare('SELECT count(*) AS hashes FROM refresh_hashes').get()).toEqual({ hashes: 0 });
    } finally {
      db.close();
      await store.close();
    }
  });

  it('forgets a replaced refresh hash at the expiry it was issued with, as Redis does, while its session lives on', async () => {
    const path = join(root, 'hash-expiry.db');
    let now = 1_700_000_000_000;
    const store = createSqliteStore({ path, now: () => now });
    try {
      await store.sessions.create(
        sessionRecord(now, { id: 'sid', refreshTokenHash: 'rh-1', expiresAt: now + 1_000 }),
      );
      const renewed = { refreshTokenHash: 'rh-2', refreshedAt: now, expiresAt: now + 100_000 };
      expect((await store.sessions.rotate('rh-1', renewed)).outcome).toBe('rotated');
      expect(await store.sessions.findByRefreshHash('rh-1')).toMatchObject({ id: 'sid' });
      now += 2_000;
      expect(await store.sessions.deleteExpired(now)).toBe(0);
      expect(await store.sessions.findByRefreshHash('rh-1')).toBeUndefined();
      const late = { refreshTokenHash: 'rh-x', refreshedAt: now, expiresAt: now + 100_000 };
      expect((await store.sessions.rotate('rh-1', late)).outcome).toBe('unknown');
      expect(await store.sessions.get('sid')).not.toHaveProperty('revokedAt');
      const next = { refreshTokenHash: 'rh-3', refreshedAt: now, expiresAt: now + 100_000 };
      expect((await store.sessions.rotate('rh-2', next)).outcome).toBe('rotated');
    } finally {
      await store.close();
    }
  });

  it('drops expired revocations and cache entries and keeps the others', async () => {
    const path = join(root, 'behaviour.db');
    const now = 1_700_000_000_000;
    const store = createSqliteStore({ path, now: () => now });
    try {
      const db = new Database(path);
      db.prepare(
        'INSERT INTO revocations (session_id, revoked_at, expires_at) VALUES (?, ?, ?), (?, ?, ?)',
      ).run('gone', now - 10, now - 1, 'kept', now - 10, now + 60_000);
      await store.cache.set('old', 'v', 1);
      await store.cache.set('new', 'v', 60_000);
      await store.sessions.deleteExpired(now + 5_000);
      expect((await store.sessions.listRevocations(0)).map((entry) => entry.sessionId)).toEqual(['kept']);
      // Read underneath the port: cache.get hides an expired entry whether or not the sweep dropped it.
      expect(db.prepare('SELECT key FROM cache').all()).toEqual([{ key: 'new' }]);
      db.close();
    } finally {
      await store.close();
    }
  });
});
