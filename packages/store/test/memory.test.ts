import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index.js';
import { createMemoryLoginRetryStore } from '../src/memory/memory-login-retry-store.js';
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

describe('login retries in memory', () => {
  it('keeps at most maxEntries keys, dropping the oldest first', async () => {
    const retries = createMemoryLoginRetryStore(() => 1_000, 3);
    for (const key of ['a', 'b', 'c', 'd']) {
      expect(await retries.claim(key, `holder-${key}`, 20_000)).toEqual({ state: 'claimed' });
    }
    // 'a' was the oldest: its claim is gone, so a new taker claims it (its old holder's answer is refused).
    expect(await retries.fulfil('a', 'holder-a', 'answer-a', 60_000)).toBe(false);
    expect(await retries.fulfil('d', 'holder-d', 'answer-d', 60_000)).toBe(true);
    expect(await retries.claim('b', 'other', 20_000)).toEqual({ state: 'pending' });
    expect(await retries.claim('d', 'other', 20_000)).toEqual({ state: 'answered', answer: 'answer-d' });
  });

  it('counts a fulfilled key as the newest', async () => {
    const retries = createMemoryLoginRetryStore(() => 1_000, 2);
    await retries.claim('a', 'h', 20_000);
    await retries.claim('b', 'h', 20_000);
    await retries.fulfil('a', 'h', 'answer-a', 60_000);
    await retries.claim('c', 'h', 20_000);
    // 'b' is now the oldest and was dropped; 'a' (fulfilled after 'b' was claimed) stays.
    expect(await retries.claim('a', 'x', 20_000)).toEqual({ state: 'answered', answer: 'answer-a' });
    expect(await retries.claim('b', 'x', 20_000)).toEqual({ state: 'claimed' });
  });
});
