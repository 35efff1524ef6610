import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index.js';
import { createTestClock, describeStoreConformance } from './conformance.js';

describeStoreConformance('memory', async (options = {}) => {
  const clock = createTestClock();
  const store = createMemoryStore({ ...options, now: clock.now });
  return {
    store,
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
    openPeer: async () => store,
    close: () => store.close(),
  };
});

describe('createMemoryStore', () => {
  it('uses the real clock by default', async () => {
    const store = createMemoryStore();
    await store.cache.set('k', 'v', 60_000);
    expect(await store.cache.get('k')).toBe('v');
    expect(store.kind).toBe('memory');
  });
});
