import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/sqlite/sqlite-group-commit.js';

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
    writes = new GroupCommit(db, {
      onCommitFailure: (error) => new Error('commit failed', { cause: error }),
    });
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

  describe('with a sync', () => {
    /** A sync the test finishes by hand, counting how often it was started. */
    let syncs: { finish: (error?: Error) => void }[];
    beforeEach(() => {
      syncs = [];
      writes = new GroupCommit(db, {
        onCommitFailure: (error) => new Error('sync failed', { cause: error }),
        sync: () =>
          new Promise<void>((resolve, reject) => {
            syncs.push({ finish: (error) => (error ? reject(error) : resolve()) });
          }),
      });
    });
    const settled = async (promise: Promise<unknown>): Promise<boolean> => {
      let done = false;
      void promise.then(
        () => (done = true),
        () => (done = true),
      );
      await new Promise((resolve) => setImmediate(resolve));
      return done;
    };

    it('resolves a write only once the sync after its commit has finished', async () => {
      const write = writes.run(insert('a'));
      writes.flush();
      // Committed (another connection sees it) but not acknowledged: the disk has not confirmed it yet.
      expect(committedRows()).toBe(1);
      expect(await settled(write)).toBe(false);
      expect(syncs).toHaveLength(1);
      syncs[0]?.finish();
      await expect(write).resolves.toBe(1);
    });

    it('covers the commits made while a sync runs with one more sync, not one each', async () => {
      writes = new GroupCommit(db, {
        onCommitFailure: (error) => new Error('sync failed', { cause: error }),
        sync: () =>
          new Promise<void>((resolve, reject) => {
            syncs.push({ finish: (error) => (error ? reject(error) : resolve()) });
          }),
        concurrentSyncs: 1,
      });
      const first = writes.run(insert('a'));
      writes.flush();
      const second = writes.run(insert('b'));
      writes.flush();
      const third = writes.run(insert('c'));
      writes.flush();
      expect(syncs).toHaveLength(1);
      syncs[0]?.finish();
      await expect(first).resolves.toBe(1);
      // The first sync started before these two commits, so it does not vouch for them.
      expect(await settled(second)).toBe(false);
      expect(syncs).toHaveLength(2);
      syncs[1]?.finish();
      await expect(Promise.all([second, third])).resolves.toEqual([1, 1]);
      expect(syncs).toHaveLength(2);
    });

    it('starts a second sync at once for a commit made while one runs; the later one vouches for both', async () => {
      const first = writes.run(insert('a'));
      writes.flush();
      const second = writes.run(insert('b'));
      writes.flush();
      // Two at once, by default: the second commit does not wait for the first sync.
      expect(syncs).toHaveLength(2);
      const third = writes.run(insert('c'));
      writes.flush();
      expect(syncs).toHaveLength(2);
      // The second sync started after the first commit, so its end makes both durable.
      syncs[1]?.finish();
      await expect(Promise.all([first, second])).resolves.toEqual([1, 1]);
      expect(await settled(third)).toBe(false);
      // One more sync for the commit made while both ran; the first sync's late end changes nothing.
      expect(syncs).toHaveLength(3);
      syncs[0]?.finish(new Error('EIO after the fact'));
      syncs[2]?.finish();
      await expect(third).resolves.toBe(1);
    });

    it('rejects only the writes of a failed sync that no later sync vouched for', async () => {
      const first = writes.run(insert('a'));
      writes.flush();
      const second = writes.run(insert('b'));
      writes.flush();
      syncs[0]?.finish(new Error('EIO'));
      await expect(first).rejects.toThrow('sync failed');
      syncs[1]?.finish();
      await expect(second).resolves.toBe(1);
    });

    it('refuses a number of concurrent syncs that is not a positive integer', () => {
      for (const concurrentSyncs of [0, -1, 1.5, Number.NaN]) {
        expect(() => new GroupCommit(db, { onCommitFailure: (error) => error, concurrentSyncs })).toThrow(
          TypeError,
        );
      }
    });

    it('rejects the writes whose sync failed, and acknowledges later ones after a sync that works', async () => {
      const lost = writes.run(insert('a'));
      writes.flush();
      syncs[0]?.finish(new Error('EIO'));
      await expect(lost).rejects.toThrow('sync failed');
      const later = writes.run(insert('b'));
      writes.flush();
      syncs[1]?.finish();
      await expect(later).resolves.toBe(1);
    });

    it('drains: commits what is queued and waits for the syncs under way', async () => {
      const write = writes.run(insert('a'));
      const drained = writes.drain();
      expect(committedRows()).toBe(1);
      expect(await settled(drained)).toBe(false);
      syncs[0]?.finish();
      await drained;
      await expect(write).resolves.toBe(1);
    });
  });
});
