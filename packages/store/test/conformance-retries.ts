/**
 * The contract of what a store keeps for retries: the repeat of a session's latest rotation (a refresh presented
 * again moments later gets the same answer, not a reuse verdict) and the login answers kept for a retry of the same
 * request. Part of {@link describeStoreConformance}: it runs against every adapter, with a peer on the same backend.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionRecord, Store } from '../src/index.js';
import type { StoreFixture } from './conformance.js';
import { sessionRecord } from './session-record.js';

const HOUR = 3_600_000;

/** Declares the tests; `current` gives the fixture of the running test (opened by the caller's `beforeEach`). */
export function describeRetryConformance(current: () => StoreFixture): void {
  const store = (): Store => current().store;
  const now = (): number => current().now();
  const session = (): SessionRecord => sessionRecord(now(), { expiresAt: now() + HOUR });
  const nextToken = (repeat?: { answer: string; windowMs: number }) => ({
    refreshTokenHash: `rh-${randomUUID()}`,
    refreshedAt: now(),
    expiresAt: now() + 2 * HOUR,
    ...(repeat ? { repeat: { answer: repeat.answer, until: now() + repeat.windowMs } } : {}),
  });

  describe('sessions: the repeat of a rotation', () => {
    it('answers a repeat of the replaced hash inside the window with the kept answer, changing nothing', async () => {
      const created = session();
      await store().sessions.create(created);
      const next = nextToken({ answer: 'sealed-answer-1', windowMs: HOUR });
      expect((await store().sessions.rotate(created.refreshTokenHash, next)).outcome).toBe('rotated');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const repeated = await store().sessions.rotate(created.refreshTokenHash, nextToken());
        expect(repeated).toEqual({
          outcome: 'repeated',
          session: {
            ...created,
            refreshTokenHash: next.refreshTokenHash,
            refreshedAt: next.refreshedAt,
            expiresAt: next.expiresAt,
          },
          answer: 'sealed-answer-1',
        });
      }
      const stored = await store().sessions.get(created.id);
      expect(stored?.refreshTokenHash).toBe(next.refreshTokenHash);
      expect(stored?.revokedAt).toBeUndefined();
      expect(await store().sessions.listRevocations(0)).toEqual([]);
      // The current token still rotates.
      expect((await store().sessions.rotate(next.refreshTokenHash, nextToken())).outcome).toBe('rotated');
    });

    it('takes a repeat after the window for a reuse, and revokes the session', async () => {
      const created = session();
      await store().sessions.create(created);
      await store().sessions.rotate(created.refreshTokenHash, nextToken({ answer: 'a', windowMs: 30 }));
      await current().advance(80);
      const late = await store().sessions.rotate(created.refreshTokenHash, nextToken());
      expect(late.outcome).toBe('reused');
      expect((await store().sessions.get(created.id))?.revokeReason).toBe('refresh_token_reuse');
    });

    it('keeps the repeat of the latest rotation only: an older hash is a reuse even inside its window', async () => {
      const created = session();
      await store().sessions.create(created);
      const second = nextToken({ answer: 'answer-2', windowMs: HOUR });
      await store().sessions.rotate(created.refreshTokenHash, second);
      const third = nextToken({ answer: 'answer-3', windowMs: HOUR });
      expect((await store().sessions.rotate(second.refreshTokenHash, third)).outcome).toBe('rotated');
      const repeated = await store().sessions.rotate(second.refreshTokenHash, nextToken());
      expect(repeated.outcome === 'repeated' && repeated.answer).toBe('answer-3');
      expect((await store().sessions.rotate(created.refreshTokenHash, nextToken())).outcome).toBe('reused');
    });

    it('forgets the earlier repeat when a rotation keeps none', async () => {
      const created = session();
      await store().sessions.create(created);
      const second = nextToken({ answer: 'answer-2', windowMs: HOUR });
      await store().sessions.rotate(created.refreshTokenHash, second);
      await store().sessions.rotate(second.refreshTokenHash, nextToken());
      expect((await store().sessions.rotate(second.refreshTokenHash, nextToken())).outcome).toBe('reused');
    });

    it('answers revoked, not repeated, once the session is revoked', async () => {
      const created = session();
      await store().sessions.create(created);
      await store().sessions.rotate(created.refreshTokenHash, nextToken({ answer: 'a', windowMs: HOUR }));
      await store().sessions.revoke(created.id, 'logout', now());
      expect((await store().sessions.rotate(created.refreshTokenHash, nextToken())).outcome).toBe('revoked');
    });

    it('of 20 concurrent rotations over two instances, one rotates and 19 get its answer; nothing is revoked', async () => {
      const created = session();
      await store().sessions.create(created);
      const peer = await current().openPeer();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? store() : peer).sessions.rotate(
            created.refreshTokenHash,
            nextToken({ answer: `answer-${index}`, windowMs: HOUR }),
          ),
        ),
      );
      const winners = results.filter((result) => result.outcome === 'rotated');
      expect(winners).toHaveLength(1);
      const winnerIndex = results.findIndex((result) => result.outcome === 'rotated');
      const answers = results.flatMap((result) => (result.outcome === 'repeated' ? [result.answer] : []));
      expect(answers).toEqual(Array.from({ length: 19 }, () => `answer-${winnerIndex}`));
      expect((await store().sessions.get(created.id))?.revokedAt).toBeUndefined();
    });

    it('refuses a repeat without an answer or a finite end', async () => {
      const created = session();
      await store().sessions.create(created);
      const bad = { ...nextToken(), repeat: { answer: '', until: now() + HOUR } };
      await expect(store().sessions.rotate(created.refreshTokenHash, bad)).rejects.toThrow(TypeError);
      const endless = { ...nextToken(), repeat: { answer: 'a', until: Number.NaN } };
      await expect(store().sessions.rotate(created.refreshTokenHash, endless)).rejects.toThrow(TypeError);
      expect(await store().sessions.get(created.id)).toEqual(created);
    });
  });

  describe('loginRetries', () => {
    it('claims a key, makes a second taker wait, and hands the answer out exactly once', async () => {
      const retries = store().loginRetries;
      expect(await retries.claim('k1', 'holder-a', HOUR)).toEqual({ state: 'claimed' });
      expect(await retries.claim('k1', 'holder-b', HOUR)).toEqual({ state: 'pending' });
      expect(await retries.fulfil('k1', 'holder-a', 'sealed', HOUR)).toBe(true);
      expect(await retries.claim('k1', 'holder-b', HOUR)).toEqual({ state: 'answered', answer: 'sealed' });
      // Gone after its one answer: the next taker claims the key afresh.
      expect(await retries.claim('k1', 'holder-c', HOUR)).toEqual({ state: 'claimed' });
    });

    it('stores nothing for a holder that lost its claim', async () => {
      const retries = store().loginRetries;
      expect(await retries.fulfil('k-unclaimed', 'holder-a', 'sealed', HOUR)).toBe(false);
      await retries.claim('k2', 'holder-a', HOUR);
      expect(await retries.fulfil('k2', 'holder-b', 'forged', HOUR)).toBe(false);
      expect(await retries.claim('k2', 'holder-c', HOUR)).toEqual({ state: 'pending' });
      expect(await retries.claim('k-unclaimed', 'holder-c', HOUR)).toEqual({ state: 'claimed' });
    });

    it('release frees the holder’s own claim only', async () => {
      const retries = store().loginRetries;
      await retries.claim('k3', 'holder-a', HOUR);
      await retries.release('k3', 'holder-b');
      expect(await retries.claim('k3', 'holder-b', HOUR)).toEqual({ state: 'pending' });
      await retries.release('k3', 'holder-a');
      expect(await retries.claim('k3', 'holder-b', HOUR)).toEqual({ state: 'claimed' });
      await retries.fulfil('k3', 'holder-b', 'sealed', HOUR);
      // An answer is not a claim: releasing it does nothing.
      await retries.release('k3', 'holder-b');
      expect(await retries.claim('k3', 'holder-c', HOUR)).toEqual({ state: 'answered', answer: 'sealed' });
    });

    it('forgets a claim and an answer once their time is over', async () => {
      const retries = store().loginRetries;
      await retries.claim('k4', 'holder-a', 30);
      await retries.claim('k5', 'holder-a', HOUR);
      await retries.fulfil('k5', 'holder-a', 'sealed', 30);
      await current().advance(80);
      expect(await retries.claim('k4', 'holder-b', HOUR)).toEqual({ state: 'claimed' });
      expect(await retries.fulfil('k4', 'holder-a', 'late', HOUR)).toBe(false);
      expect(await retries.claim('k5', 'holder-b', HOUR)).toEqual({ state: 'claimed' });
    });

    it('lets exactly one of 20 concurrent claimers over two instances have the key', async () => {
      const peer = await current().openPeer();
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? store() : peer).loginRetries.claim('k6', `holder-${index}`, HOUR),
        ),
      );
      expect(claims.filter((claim) => claim.state === 'claimed')).toHaveLength(1);
      expect(claims.filter((claim) => claim.state === 'pending')).toHaveLength(19);
    });

    it('hands out an answer once even when 20 takers over two instances ask at once', async () => {
      const peer = await current().openPeer();
      await store().loginRetries.claim('k7', 'holder', HOUR);
      await store().loginRetries.fulfil('k7', 'holder', 'sealed', HOUR);
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? store() : peer).loginRetries.claim('k7', `taker-${index}`, HOUR),
        ),
      );
      expect(claims.filter((claim) => claim.state === 'answered')).toEqual([
        { state: 'answered', answer: 'sealed' },
      ]);
    });

    it('rejects a TTL that is not a positive number', async () => {
      await expect(store().loginRetries.claim('k8', 'h', 0)).rejects.toThrow(TypeError);
      await expect(store().loginRetries.fulfil('k8', 'h', 'a', Number.NaN)).rejects.toThrow(TypeError);
    });

    it('round-trips arbitrary keys and answers', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), async (key, answer) => {
          const retries = store().loginRetries;
          const unique = `${randomUUID()}:${key}`;
          expect(await retries.claim(unique, 'h', HOUR)).toEqual({ state: 'claimed' });
          expect(await retries.fulfil(unique, 'h', answer, HOUR)).toBe(true);
          expect(await retries.claim(unique, 'h2', HOUR)).toEqual({ state: 'answered', answer });
        }),
        { numRuns: 25 },
      );
    });
  });
}
