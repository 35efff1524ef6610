import fc from 'fast-check';
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

  it('drops a sixty-fourth of the bound at once when it overflows, never the newest key', async () => {
    const retries = createMemoryLoginRetryStore(() => 1_000, 128);
    for (let key = 0; key <= 128; key += 1) await retries.claim(`k${key}`, 'h', 20_000);
    // 129 keys for 128: the three oldest go (down to 126), in one pass rather than one per new key.
    for (const dropped of ['k0', 'k1', 'k2']) {
      expect(await retries.fulfil(dropped, 'h', 'answer', 60_000)).toBe(false);
    }
    expect(await retries.fulfil('k3', 'h', 'answer-3', 60_000)).toBe(true);
    expect(await retries.fulfil('k128', 'h', 'answer-128', 60_000)).toBe(true);
    expect(await retries.claim('k128', 'x', 20_000)).toEqual({ state: 'answered', answer: 'answer-128' });
    // A bound of one keeps the newest key.
    const single = createMemoryLoginRetryStore(() => 1_000, 1);
    await single.claim('a', 'h', 20_000);
    await single.claim('b', 'h', 20_000);
    expect(await single.fulfil('b', 'h', 'answer-b', 60_000)).toBe(true);
    expect(await single.claim('a', 'x', 20_000)).toEqual({ state: 'claimed' });
  });

  it('keeps the newest keys, never more than its bound, whatever the bound and the number of keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 600 }),
        async (bound, count) => {
          const retries = createMemoryLoginRetryStore(() => 1_000, bound);
          for (let key = 0; key < count; key += 1) await retries.claim(`k${key}`, `h${key}`, 20_000);
          // fulfil by the right holder answers whether a key is still kept; it reorders keys but drops none.
          const kept: number[] = [];
          for (let key = 0; key < count; key += 1) {
            if (await retries.fulfil(`k${key}`, `h${key}`, 'answer', 60_000)) kept.push(key);
          }
          expect(kept.length).toBeLessThanOrEqual(bound);
          // At least what one pass of eviction leaves: a sixty-fourth of the bound below it.
          expect(kept.length).toBeGreaterThanOrEqual(
            Math.min(count, Math.max(1, bound - Math.floor(bound / 64))),
          );
          // The kept keys are the newest ones, the last claimed among them.
          expect(kept).toEqual(
            Array.from({ length: kept.length }, (_, index) => count - kept.length + index),
          );
        },
      ),
      { numRuns: 200 },
    );
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
