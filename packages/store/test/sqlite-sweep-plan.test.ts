import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-sweep-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The sweep runs every minute on the event loop's thread. A table that grows with use must be swept through an
 * index on its expiry, so that a sweep costs what it deletes, not the size of the table.
 */
describe('SQLite sweep', () => {
  const sweptByExpiry: readonly [table: string, condition: string][] = [
    ['sessions', 'expires_at < ?'],
    ['revocations', 'expires_at < ?'],
    ['cache', 'expires_at < ?'],
    ['inbox', 'applied_at IS NOT NULL AND applied_at < ?'],
    ['rotation_repeats', 'until < ?'],
    ['security_events', 'at < ?'],
  ];

  it.each(sweptByExpiry)('finds the expired rows of %s through an index', async (table, condition) => {
    const path = join(root, `${table}.db`);
    await createSqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = db
        .prepare<[number], { detail: string }>(`EXPLAIN QUERY PLAN DELETE FROM ${table} WHERE ${condition}`)
        .all(0)
        .map((row) => row.detail);
      expect(plan[0]).toMatch(new RegExp(`^SEARCH ${table} USING (COVERING )?INDEX`));
      expect(plan.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
    } finally {
      db.close();
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
