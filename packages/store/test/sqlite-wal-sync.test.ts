/**
 * Which writes of the SQLite store wait for the WAL file to be synced before they are acknowledged: every durable
 * write (sessions, revocations, signing keys, received events) does; caches and locks do not.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqliteStore, type SessionRecord, type Store } from '../src/index.js';
import { FileSync } from '../src/sqlite/file-sync.js';
import { sessionRecord } from './session-record.js';

describe('SQLite store: writes acknowledged after the WAL sync', () => {
  let dir: string;
  let store: Store;
  /** Syncs held back by the test; each records the file it was asked to sync. */
  let held: { path: string; release: () => void }[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wecom-auth-wal-sync-'));
    held = [];
    vi.spyOn(FileSync.prototype, 'sync').mockImplementation(function (this: FileSync) {
      return new Promise<void>((resolve) => {
        held.push({ path: this.path, release: resolve });
      });
    });
    store = createSqliteStore({ path: join(dir, 'store.db') });
  });
  afterEach(async () => {
    const closing = store.close();
    for (const sync of held) sync.release();
    await closing;
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (): SessionRecord => sessionRecord(Date.now());

  /** True when `promise` has settled once the event loop has had two turns to commit and sync. */
  const settled = async (promise: Promise<unknown>): Promise<boolean> => {
    let done = false;
    void promise.then(
      () => (done = true),
      () => (done = true),
    );
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  /** Asserts that `write` is committed but waits for a sync, and resolves once the sync is released. */
  async function expectHeldUntilSynced(write: Promise<unknown>): Promise<void> {
    const syncsBefore = held.length;
    expect(await settled(write)).toBe(false);
    expect(held.length).toBe(syncsBefore + 1);
    held.at(-1)?.release();
    await write;
  }

  it('syncs the WAL file, not the database file', async () => {
    await expectHeldUntilSynced(store.sessions.create(session()));
    expect(held[0]?.path).toBe(join(dir, 'store.db-wal'));
  });

  it('holds session creates, rotations, revocations, renames and session-key updates until the sync', async () => {
    const record = session();
    await expectHeldUntilSynced(store.sessions.create(record));
    await expectHeldUntilSynced(
      store.sessions.rotate(record.refreshTokenHash, {
        refreshTokenHash: `rh-${randomUUID()}`,
        refreshedAt: Date.now(),
        expiresAt: Date.now() + 3_600_000,
      }),
    );
    await expectHeldUntilSynced(store.sessions.setSessionKey(record.id, 'ciphertext-2'));
    await expectHeldUntilSynced(store.sessions.renameUser('ww-corp-a', 'zhangsan', 'zhangsan2'));
    await expectHeldUntilSynced(store.sessions.revoke(record.id, 'logout', Date.now()));
    await expectHeldUntilSynced(
      store.sessions.revokeUser('ww-corp-a', 'zhangsan2', 'employee_left', Date.now()),
    );
  });

  it('holds signing-key and event-inbox writes until the sync', async () => {
    const key = {
      kid: 'k1',
      alg: 'ES256' as const,
      publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      privateJwk: { sealed: 'sealed' },
      createdAt: Date.now(),
    };
    await expectHeldUntilSynced(store.signingKeys.ensureActive(key));
    await expectHeldUntilSynced(store.signingKeys.rotate({ ...key, kid: 'k2' }, Date.now()));
    await expectHeldUntilSynced(store.signingKeys.prune(Date.now() + 1));
    await expectHeldUntilSynced(store.inbox.record({ id: 'e1', payload: '<xml/>', receivedAt: Date.now() }));
    await expectHeldUntilSynced(store.inbox.markApplied('e1', Date.now()));
  });

  it('acknowledges cache and lock writes without a sync of their own', async () => {
    await expect(store.cache.set('profile:x', { name: 'x' }, 60_000)).resolves.toBeUndefined();
    const lock = await store.accessTokens.tryLock('token-key', 10_000);
    await lock?.release();
    expect(held).toHaveLength(0);
  });

  it('shares one sync between the writes committed together', async () => {
    const writes = [store.sessions.create(session()), store.sessions.create(session())];
    expect(await settled(Promise.all(writes))).toBe(false);
    expect(held).toHaveLength(1);
    held[0]?.release();
    await Promise.all(writes);
  });
});
