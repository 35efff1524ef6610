import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/sqlite-group-commit.js';

describe('GroupCommit', () => {
  let dir: string;
  let db: Database.Database;
  /** A second connection to the same file: it sees committed rows only. */
  let reader: Database.Database;
  let writes: GroupCommit;
  const committedRows = (): number =>
    (reader.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wecom-auth-group-commit-'));
    db = new Database(join(dir, 'store.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE items (id TEXT PRIMARY KEY)');
    reader = new Database(join(dir, 'store.db'), { readonly: true });
    writes = new GroupCommit(db, (error) => new Error('commit failed', { cause: error }));
  });
  afterEach(() => {
    reader.close();
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = (id: string) => () => db.prepare('INSERT INTO items (id) VALUES (?)').run(id).changes;

  it('commits the writes queued in one turn together, and resolves each only after the commit', async () => {
    const seenByOthers: number[] = [];
    const results = Array.from({ length: 20 }, (_, i) =>
      writes.run(() => {
        insert(`item-${i}`)();
        // Had each write committed on its own, the other connection would see the earlier ones here.
        seenByOthers.push(committedRows());
        return i;
      }),
    );
    expect(committedRows()).toBe(0);
    expect(await Promise.all(results)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seenByOthers).toEqual(Array.from({ length: 20 }, () => 0));
    expect(committedRows()).toBe(20);
  });

  it('rolls back and rejects a failing write alone; the rest of its batch commits', async () => {
    const failing = writes.run(() => {
      insert('half-done')();
      throw new TypeError('duplicate refresh token hash');
    });
    const before = writes.run(insert('a'));
    const after = writes.run(insert('b'));
    await expect(failing).rejects.toThrow('duplicate refresh token hash');
    await expect(before).resolves.toBe(1);
    await expect(after).resolves.toBe(1);
    const ids = reader.prepare('SELECT id FROM items ORDER BY id').all() as { id: string }[];
    expect(ids.map((row) => row.id)).toEqual(['a', 'b']);
  });

  it('keeps writes of separate turns in separate commits', async () => {
    await writes.run(insert('first'));
    expect(committedRows()).toBe(1);
    await writes.run(insert('second'));
    expect(committedRows()).toBe(2);
  });

  it('rejects every write of a batch whose commit fails, with the mapped error', async () => {
    const pending = [writes.run(insert('x')), writes.run(insert('y'))];
    db.close();
    for (const write of pending) await expect(write).rejects.toThrow('commit failed');
  });

  it('commits what is queued at once on flush (before the store closes)', async () => {
    const write = writes.run(insert('last'));
    writes.flush();
    expect(committedRows()).toBe(1);
    await expect(write).resolves.toBe(1);
  });
});
