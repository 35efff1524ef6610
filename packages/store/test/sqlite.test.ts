import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteStore, type Store } from '../src/index.js';
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
