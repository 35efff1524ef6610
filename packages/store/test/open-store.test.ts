import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type OpenStoreConfig, openStore } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'wecom-auth-store-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openStore', () => {
  it('opens memory for kind memory', async () => {
    const store = openStore({ kind: 'memory' });
    expect(store.kind).toBe('memory');
    await store.close();
  });

  it('opens SQLite for sqlitePath', async () => {
    const store = openStore({ sqlitePath: join(root, 'store.db') });
    expect(store.kind).toBe('sqlite');
    await store.close();
  });

  it('prefers Redis when redisUrl is set', async () => {
    const config = {
      redisUrl: 'redis://127.0.0.1:1',
      sqlitePath: join(root, 'unused.db'),
      commandTimeoutMs: 200,
    };
    const store = openStore(config);
    expect(store.kind).toBe('redis');
    await store.close();
  });

  it('passes the tombstone horizon on to the store it opens', async () => {
    let now = Date.now();
    const store = openStore({ kind: 'memory', now: () => now, installTombstoneRetentionMs: 1_000 });
    const install = {
      suiteId: 'tj-1',
      corpId: 'wwA',
      corpName: 'A',
      permanentCodeCiphertext: 'sealed',
      authInfo: '{}',
      installedAt: now,
      updatedAt: now,
      eventTimestamp: 10,
    };
    await store.suites.removeInstall('tj-1', 'wwA', 20, now);
    expect(await store.suites.saveInstall(install)).toBe('stale');
    now += 1_000;
    expect(await store.suites.saveInstall(install)).toBe('stored');
    expect(() => openStore({ sqlitePath: join(root, 'bad.db'), installTombstoneRetentionMs: 0 })).toThrow(
      new TypeError(
        'createSqliteStore: installTombstoneRetentionMs must be a positive, finite number of milliseconds',
      ),
    );
    expect(() => openStore({ kind: 'memory', installTombstoneRetentionMs: Number.NaN })).toThrow(TypeError);
    await store.close();
  });

  it('refuses a configuration that names no store', () => {
    expect(() => openStore({} as OpenStoreConfig)).toThrow(
      new TypeError("openStore: set redisUrl, sqlitePath or kind: 'memory'"),
    );
    expect(() => openStore({ sqlitePath: '' })).toThrow(TypeError);
  });
});
