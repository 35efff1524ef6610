import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type Store } from '../src/index.js';
import { SqliteCacheMemo } from '../src/sqlite/sqlite-cache-store.js';
import { createTestClock, describeStoreConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
const nextFile = (): string => {
  files += 1;
  return join(root, `nested-${files}`, 'store.db');
};

describeStoreConformance('sqlite', async (options = {}) => {
  const clock = createTestClock();
  const path = nextFile();
  const store = createSqliteStore({ ...options, path, now: clock.now });
  const peers: Store[] = [];
  return {
    store,
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
    openPeer: async () => {
      const peer = createSqliteStore({ ...options, path, now: clock.now });
      peers.push(peer);
      return peer;
    },
    close: async () => {
      for (const peer of peers) await peer.close();
      await store.close();
    },
  };
});

describe('SqliteCacheMemo', () => {
  it('keeps at most maxEntries, dropping what was read or written least recently', () => {
    const memo = new SqliteCacheMemo(2);
    memo.remember('a', { json: '1', expiresAt: 10 });
    memo.remember('b', { json: '2', expiresAt: 10 });
    memo.remember('a', { json: '3', expiresAt: 10 });
    memo.remember('c', { json: '4', expiresAt: 10 });
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('a')).toEqual({ json: '3', expiresAt: 10 });
    expect(memo.get('c')).toEqual({ json: '4', expiresAt: 10 });
    memo.forget('a');
    expect(memo.get('a')).toBeUndefined();
  });

  it('keeps an entry that is read over one written after it', () => {
    const memo = new SqliteCacheMemo(2);
    memo.remember('a', { json: '1', expiresAt: 10 });
    memo.remember('b', { json: '2', expiresAt: 10 });
    expect(memo.get('a')).toEqual({ json: '1', expiresAt: 10 });
    memo.remember('c', { json: '3', expiresAt: 10 });
    expect(memo.get('b')).toBeUndefined();
    expect(memo.get('a')).toEqual({ json: '1', expiresAt: 10 });
  });
});
