/**
 * The contract every {@link Store} adapter must meet. Each adapter's test file runs it with a factory that opens a
 * fresh, empty backend per test.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  RevocationEntry,
  SecurityEventInput,
  SessionRecord,
  SigningKeyRecord,
  Store,
} from '../src/index.js';
import { describeRefreshHintConformance } from './conformance-refresh-hints.js';
import { describeRetryConformance } from './conformance-retries.js';
import { sessionRecord } from './session-record.js';
import { describeSuiteConformance } from './suite-conformance.js';

export interface StoreFixture {
  readonly store: Store;
  /** The store's clock. */
  now(): number;
  /**
   * Lets `ms` pass for the store: moves an injected clock, or really waits when the backend keeps real TTLs
   * (Redis). Tests keep `ms` to tens of milliseconds so both work.
   */
  advance(ms: number): Promise<void>;
  /** Opens another store on the same backend (same file, same Redis prefix); the same store when there is none. */
  openPeer(): Promise<Store>;
  /** Closes the store, every peer, and removes what the fixture created. */
  close(): Promise<void>;
}

/** Store options a test may ask a fixture for; the factory passes them to the adapter. */
export interface StoreFixtureOptions {
  readonly installTombstoneRetentionMs?: number;
}

export type StoreFactory = (options?: StoreFixtureOptions) => Promise<StoreFixture>;

/** A clock for the adapters that take `now`: starts at the real time and only moves when told. */
export function createTestClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The factory of a store shared by instances, on the real clock: each fixture opens a store under a prefix of its own
 * (`nextPrefix`), and its peers under the same prefix, as other gateway instances would.
 */
export function sharedStoreFactory(
  open: (prefix: string, options: StoreFixtureOptions) => Store,
  nextPrefix: () => string,
): StoreFactory {
  return async (options = {}) => {
    const prefix = nextPrefix();
    const store = open(prefix, options);
    // Subscribed before the test starts, so a wake-up sent right away is not missed.
    await store.ping();
    const peers: Store[] = [];
    return {
      store,
      now: Date.now,
      advance: sleep,
      openPeer: async () => {
        const peer = open(prefix, options);
        await peer.ping();
        peers.push(peer);
        return peer;
      },
      close: async () => {
        await Promise.all([store.close(), ...peers.map((peer) => peer.close())]);
      },
    };
  };
}

/** Resolves `'settled'` when `promise` does, or `'pending'` when `ms` pass first: proves a wake-up happened. */
async function settlesBefore(promise: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  try {
    return await Promise.race([promise.then(() => 'settled' as const), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first `count` entries a listener receives. */
function collect(count: number): {
  listener: (entry: RevocationEntry) => void;
  done: Promise<RevocationEntry[]>;
} {
  const received: RevocationEntry[] = [];
  let finish: (entries: RevocationEntry[]) => void = () => {};
  const done = new Promise<RevocationEntry[]>((resolve) => {
    finish = resolve;
  });
  return {
    listener: (entry) => {
      received.push(entry);
      if (received.length === count) finish([...received]);
    },
    done,
  };
}

// Longer than any wake-up needs, far shorter than the test timeout: a wait still pending after it did not wake.
const WAKE_LIMIT_MS = 5_000;
const HOUR = 3_600_000;

export function describeStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name} store conformance`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.close();
    });

    const session = (overrides: Partial<SessionRecord> = {}): SessionRecord =>
      sessionRecord(fixture.now(), { expiresAt: fixture.now() + HOUR, ...overrides });
    const nextToken = (expiresIn = 2 * HOUR) => ({
      refreshTokenHash: `rh-${randomUUID()}`,
      refreshedAt: fixture.now(),
      expiresAt: fixture.now() + expiresIn,
    });
    const signingKey = (kid: string, createdAt: number): SigningKeyRecord => ({
      kid,
      alg: 'ES256',
      publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}` },
      privateJwk: { kty: 'EC', crv: 'P-256', x: `x-${kid}`, y: `y-${kid}`, d: `d-${kid}` },
      createdAt,
    });

    describeRetryConformance(() => fixture);
    describeRefreshHintConformance(() => fixture);

    it('names its kind and answers ping', async () => {
      expect(['memory', 'sqlite', 'redis']).toContain(store.kind);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('accessTokens', () => {
      const record = (obtainedAt: number, token = `tok-${obtainedAt}`) => ({
        token,
        obtainedAt,
        expiresAt: obtainedAt + HOUR,
      });

      it('answers undefined for a key it never saw', async () => {
        expect(await store.accessTokens.get('https://qyapi|ww1|never')).toBeUndefined();
      });

      it('stores a record and returns it', async () => {
        const first = record(fixture.now());
        expect(await store.accessTokens.putIfNewer('k', first)).toEqual(first);
        expect(await store.accessTokens.get('k')).toEqual(first);
      });

      it('putIfNewer keeps the record with the greater obtainedAt', async () => {
        const t = fixture.now();
        const newer = record(t + 10, 'newer');
        const older = record(t, 'older');
        await store.accessTokens.putIfNewer('k', newer);
        expect(await store.accessTokens.putIfNewer('k', older)).toEqual(newer);
        expect(await store.accessTokens.get('k')).toEqual(newer);
        const newest = record(t + 20, 'newest');
        expect(await store.accessTokens.putIfNewer('k', newest)).toEqual(newest);
        expect(await store.accessTokens.get('k')).toEqual(newest);
      });

      it('keeps records of different keys apart', async () => {
        const a = record(fixture.now(), 'a');
        const b = record(fixture.now(), 'b');
        await store.accessTokens.putIfNewer('corp|app-a', a);
        await store.accessTokens.putIfNewer('corp|app-b', b);
        expect(await store.accessTokens.get('corp|app-a')).toEqual(a);
        expect(await store.accessTokens.get('corp|app-b')).toEqual(b);
      });

      it('stops returning a record once it expired', async () => {
        const t = fixture.now();
        await store.accessTokens.putIfNewer('k', { token: 'short', obtainedAt: t, expiresAt: t + 30 });
        await fixture.advance(80);
        expect(await store.accessTokens.get('k')).toBeUndefined();
      });

      it('deleteIfToken deletes only the matching token', async () => {
        const stored = record(fixture.now(), 'current');
        await store.accessTokens.putIfNewer('k', stored);
        expect(await store.accessTokens.deleteIfToken('k', 'stale')).toBe(false);
        expect(await store.accessTokens.get('k')).toEqual(stored);
        expect(await store.accessTokens.deleteIfToken('k', 'current')).toBe(true);
        expect(await store.accessTokens.get('k')).toBeUndefined();
        expect(await store.accessTokens.deleteIfToken('k', 'current')).toBe(false);
        expect(await store.accessTokens.deleteIfToken('missing', 'current')).toBe(false);
      });

      it('tryLock excludes a second taker until release', async () => {
        const peer = await fixture.openPeer();
        const lock = await store.accessTokens.tryLock('k', 10_000);
        expect(lock).toBeDefined();
        expect(await store.accessTokens.tryLock('k', 10_000)).toBeUndefined();
        expect(await peer.accessTokens.tryLock('k', 10_000)).toBeUndefined();
        expect(await store.accessTokens.tryLock('other-key', 10_000)).toBeDefined();
        await lock?.release();
        const again = await peer.accessTokens.tryLock('k', 10_000);
        expect(again).toBeDefined();
        await again?.release();
      });

      it('tryLock frees a lock after its TTL, and a late release does not free the next holder', async () => {
        // Long enough that the second attempt surely comes before the expiry, even on a busy machine.
        const first = await store.accessTokens.tryLock('k', 80);
        expect(first).toBeDefined();
        expect(await store.accessTokens.tryLock('k', 80)).toBeUndefined();
        await fixture.advance(200);
        const second = await store.accessTokens.tryLock('k', 10_000);
        expect(second).toBeDefined();
        await first?.release();
        expect(await store.accessTokens.tryLock('k', 10_000)).toBeUndefined();
        await second?.release();
        expect(await store.accessTokens.tryLock('k', 10_000)).toBeDefined();
      });

      it('rejects a lock TTL that is not a positive number', async () => {
        await expect(store.accessTokens.tryLock('k', 0)).rejects.toThrow(TypeError);
        await expect(store.accessTokens.tryLock('k', Number.NaN)).rejects.toThrow(TypeError);
      });

      it('waitForChange wakes on a put made through another instance', async () => {
        const peer = await fixture.openPeer();
        const waiting = store.accessTokens.waitForChange('k', 60_000);
        await peer.accessTokens.putIfNewer('k', record(fixture.now()));
        expect(await settlesBefore(waiting, WAKE_LIMIT_MS)).toBe('settled');
      });

      it('waitForChange wakes on a delete', async () => {
        await store.accessTokens.putIfNewer('k', record(fixture.now(), 'doomed'));
        const waiting = store.accessTokens.waitForChange('k', 60_000);
        expect(await store.accessTokens.deleteIfToken('k', 'doomed')).toBe(true);
        expect(await settlesBefore(waiting, WAKE_LIMIT_MS)).toBe('settled');
      });

      it('waitForChange is not woken by another key, and resolves after its timeout', async () => {
        const waiting = store.accessTokens.waitForChange('k', 60_000);
        await store.accessTokens.putIfNewer('other', record(fixture.now()));
        expect(await settlesBefore(waiting, 100)).toBe('pending');
        expect(await settlesBefore(store.accessTokens.waitForChange('k', 20), WAKE_LIMIT_MS)).toBe('settled');
        await store.accessTokens.putIfNewer('k', record(fixture.now()));
        await waiting;
      });

      it('round-trips records under arbitrary keys', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.string({ minLength: 1, maxLength: 40 }),
            fc.string({ maxLength: 60 }),
            async (key, token) => {
              const stored = { token, obtainedAt: fixture.now(), expiresAt: fixture.now() + HOUR };
              await store.accessTokens.putIfNewer(key, stored);
              expect(await store.accessTokens.get(key)).toEqual(stored);
              expect(await store.accessTokens.deleteIfToken(key, token)).toBe(true);
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe('sessions', () => {
      it('creates and reads a session', async () => {
        const created = session();
        await store.sessions.create(created);
        expect(await store.sessions.get(created.id)).toEqual(created);
        expect(await store.sessions.get('sid-missing')).toBeUndefined();
      });

      it('refuses a second session with the same id', async () => {
        const created = session();
        await store.sessions.create(created);
        await expect(store.sessions.create({ ...created, refreshTokenHash: 'rh-other' })).rejects.toThrow(
          TypeError,
        );
      });

      it('rotates the current refresh hash, then again with the new one', async () => {
        const created = session();
        await store.sessions.create(created);
        const next = nextToken();
        const result = await store.sessions.rotate(created.refreshTokenHash, next);
        expect(result).toEqual({ outcome: 'rotated', session: { ...created, ...next } });
        expect(await store.sessions.get(created.id)).toEqual({ ...created, ...next });
        const third = nextToken(3 * HOUR);
        expect((await store.sessions.rotate(next.refreshTokenHash, third)).outcome).toBe('rotated');
      });

      it('finds a session by its current or an earlier refresh hash, without changing it', async () => {
        const created = session();
        await store.sessions.create(created);
        const next = nextToken();
        await store.sessions.rotate(created.refreshTokenHash, next);
        expect(await store.sessions.findByRefreshHash(next.refreshTokenHash)).toEqual({
          ...created,
          ...next,
        });
        expect(await store.sessions.findByRefreshHash(created.refreshTokenHash)).toEqual({
          ...created,
          ...next,
        });
        expect(await store.sessions.findByRefreshHash('rh-nobody')).toBeUndefined();
        expect((await store.sessions.get(created.id))?.revokedAt).toBeUndefined();
      });

      it('refuses to rotate to a hash that is in use already', async () => {
        const [a, b] = [session(), session()];
        await store.sessions.create(a);
        await store.sessions.create(b);
        const next = { ...nextToken(), refreshTokenHash: b.refreshTokenHash };
        await expect(store.sessions.rotate(a.refreshTokenHash, next)).rejects.toThrow(
          'sessions.rotate: the next refresh token hash is in use already',
        );
        expect(await store.sessions.get(a.id)).toEqual(a);
      });

      it('answers unknown for a hash no session had', async () => {
        expect(await store.sessions.rotate('rh-nobody', nextToken())).toEqual({ outcome: 'unknown' });
      });

      it('treats an earlier hash as reuse: revokes the session and announces it', async () => {
        const created = session();
        await store.sessions.create(created);
        const next = nextToken();
        await store.sessions.rotate(created.refreshTokenHash, next);
        const result = await store.sessions.rotate(created.refreshTokenHash, nextToken());
        expect(result.outcome).toBe('reused');
        if (result.outcome !== 'reused') return;
        expect(result.session.id).toBe(created.id);
        expect(result.session.revokeReason).toBe('refresh_token_reuse');
        expect(result.session.revokedAt).toBeTypeOf('number');
        expect((await store.sessions.get(created.id))?.revokeReason).toBe('refresh_token_reuse');
        // The thief's use also kills the legitimate holder's current token.
        expect((await store.sessions.rotate(next.refreshTokenHash, nextToken())).outcome).toBe('revoked');
        const revocations = await store.sessions.listRevocations(0);
        expect(revocations.map((entry) => entry.sessionId)).toEqual([created.id]);
      });

      it('answers revoked for a revoked session and leaves it unchanged', async () => {
        const created = session();
        await store.sessions.create(created);
        expect(await store.sessions.revoke(created.id, 'logout', fixture.now())).toBe(true);
        const result = await store.sessions.rotate(created.refreshTokenHash, nextToken());
        expect(result.outcome).toBe('revoked');
        expect((await store.sessions.get(created.id))?.refreshTokenHash).toBe(created.refreshTokenHash);
      });

      it('answers expired once the refresh lifetime is over', async () => {
        const created = session({ expiresAt: fixture.now() + 30 });
        await store.sessions.create(created);
        await fixture.advance(80);
        const result = await store.sessions.rotate(created.refreshTokenHash, nextToken());
        expect(result.outcome).toBe('expired');
        expect((await store.sessions.get(created.id))?.refreshTokenHash).toBe(created.refreshTokenHash);
      });

      it('lets exactly one of 20 concurrent rotations with the same hash win', async () => {
        const created = session();
        await store.sessions.create(created);
        const peer = await fixture.openPeer();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            (index % 2 === 0 ? store : peer).sessions.rotate(created.refreshTokenHash, nextToken()),
          ),
        );
        const outcomes = results.map((result) => result.outcome);
        expect(outcomes.filter((outcome) => outcome === 'rotated')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'reused').length).toBeGreaterThanOrEqual(1);
        expect(outcomes.every((outcome) => ['rotated', 'reused', 'revoked'].includes(outcome))).toBe(true);
        expect((await store.sessions.get(created.id))?.revokeReason).toBe('refresh_token_reuse');
      });

      it('revoke answers true once, false after, and false for an unknown session', async () => {
        const created = session();
        await store.sessions.create(created);
        const at = fixture.now();
        expect(await store.sessions.revoke(created.id, 'admin', at)).toBe(true);
        expect(await store.sessions.revoke(created.id, 'logout', at + 1)).toBe(false);
        expect(await store.sessions.revoke('sid-missing', 'logout', at)).toBe(false);
        expect(await store.sessions.get(created.id)).toEqual({
          ...created,
          revokedAt: at,
          revokeReason: 'admin',
        });
        expect(await store.sessions.listRevocations(at)).toEqual([
          { sessionId: created.id, revokedAt: at, expiresAt: created.expiresAt },
        ]);
      });

      it("revokeUser revokes only that employee's active sessions", async () => {
        const mine = [session(), session()];
        const alreadyRevoked = session();
        const otherUser = session({ userId: 'lisi' });
        const otherCorp = session({ corpId: 'ww-corp-b' });
        for (const record of [...mine, alreadyRevoked, otherUser, otherCorp])
          await store.sessions.create(record);
        await store.sessions.revoke(alreadyRevoked.id, 'logout', fixture.now());
        const at = fixture.now() + 5;
        const ids = await store.sessions.revokeUser('ww-corp-a', 'zhangsan', 'employee_left', at);
        expect([...ids].sort()).toEqual(mine.map((record) => record.id).sort());
        for (const record of mine) {
          expect(await store.sessions.get(record.id)).toMatchObject({
            revokedAt: at,
            revokeReason: 'employee_left',
          });
        }
        expect((await store.sessions.get(alreadyRevoked.id))?.revokeReason).toBe('logout');
        expect((await store.sessions.get(otherUser.id))?.revokedAt).toBeUndefined();
        expect((await store.sessions.get(otherCorp.id))?.revokedAt).toBeUndefined();
        expect(await store.sessions.revokeUser('ww-corp-a', 'zhangsan', 'employee_left', at)).toEqual([]);
        expect(await store.sessions.revokeUser('ww-corp-a', 'nobody', 'admin', at)).toEqual([]);
      });

      it("revokeCorp revokes only that corp's active sessions, and announces each", async () => {
        const peer = await fixture.openPeer();
        const t = fixture.now();
        const mine = [session(), session({ userId: 'lisi' }), session({ userId: 'wangwu' })];
        const alreadyRevoked = session();
        const expiring = session({ expiresAt: t + 30 });
        const otherCorp = session({ corpId: 'ww-corp-b' });
        const otherCase = session({ corpId: 'WW-CORP-A' });
        for (const record of [...mine, alreadyRevoked, expiring, otherCorp, otherCase]) {
          await store.sessions.create(record);
        }
        await store.sessions.revoke(alreadyRevoked.id, 'logout', t);
        // A rotated session is still the corp's, and so is a renamed employee's.
        const next = nextToken();
        await store.sessions.rotate(mine[0]?.refreshTokenHash ?? '', next);
        await store.sessions.renameUser('ww-corp-a', 'wangwu', 'wangwu2');
        await fixture.advance(80);
        const heard = collect(3);
        const unsubscribe = await peer.sessions.subscribeRevocations(heard.listener);
        const at = fixture.now();
        expect(await store.sessions.revokeCorp('ww-corp-a', 'corp_uninstalled', at)).toBe(3);
        const entries = await heard.done;
        expect(entries.map((entry) => entry.sessionId).sort()).toEqual(
          mine.map((record) => record.id).sort(),
        );
        expect(entries.every((entry) => entry.revokedAt === at)).toBe(true);
        for (const record of mine) {
          expect(await store.sessions.get(record.id)).toMatchObject({
            revokedAt: at,
            revokeReason: 'corp_uninstalled',
          });
        }
        expect((await store.sessions.get(alreadyRevoked.id))?.revokeReason).toBe('logout');
        expect((await store.sessions.get(expiring.id))?.revokedAt).toBeUndefined();
        expect((await store.sessions.get(otherCorp.id))?.revokedAt).toBeUndefined();
        expect((await store.sessions.get(otherCase.id))?.revokedAt).toBeUndefined();
        expect((await store.sessions.rotate(next.refreshTokenHash, nextToken())).outcome).toBe('revoked');
        expect((await store.sessions.listRevocations(at)).map((entry) => entry.sessionId).sort()).toEqual(
          mine.map((record) => record.id).sort(),
        );
        expect(await store.sessions.revokeCorp('ww-corp-a', 'corp_uninstalled', at + 1)).toBe(0);
        expect(await store.sessions.revokeCorp('ww-corp-none', 'corp_uninstalled', at + 1)).toBe(0);
        // A login after the uninstall (the corp installed again) is a session like any other.
        const later = session({ createdAt: fixture.now() });
        await store.sessions.create(later);
        expect(await store.sessions.revokeCorp('ww-corp-a', 'admin', at + 2)).toBe(1);
        expect((await store.sessions.get(later.id))?.revokeReason).toBe('admin');
        await unsubscribe();
      });

      it('renameUser moves every session of the old userid, and only in that corp', async () => {
        const moved = [session({ userId: 'old:id' }), session({ userId: 'old:id' })];
        const otherCorp = session({ corpId: 'ww-corp-b', userId: 'old:id' });
        for (const record of [...moved, otherCorp]) await store.sessions.create(record);
        expect(await store.sessions.renameUser('ww-corp-a', 'old:id', 'new-id')).toBe(2);
        for (const record of moved) expect((await store.sessions.get(record.id))?.userId).toBe('new-id');
        expect((await store.sessions.get(otherCorp.id))?.userId).toBe('old:id');
        expect(await store.sessions.revokeUser('ww-corp-a', 'old:id', 'admin', fixture.now())).toEqual([]);
        const ids = await store.sessions.revokeUser('ww-corp-a', 'new-id', 'admin', fixture.now());
        expect([...ids].sort()).toEqual(moved.map((record) => record.id).sort());
        expect(await store.sessions.renameUser('ww-corp-a', 'nobody', 'someone')).toBe(0);
      });

      it('revokeUser with createdBefore reaches only the sessions created before it (exclusive)', async () => {
        const t = fixture.now();
        const earlier = session({ createdAt: t - 1_000 });
        const justBefore = session({ createdAt: t - 1 });
        const atBound = session({ createdAt: t });
        const later = session({ createdAt: t + 1 });
        for (const record of [earlier, justBefore, atBound, later]) await store.sessions.create(record);
        const at = t + 5;
        const ids = await store.sessions.revokeUser('ww-corp-a', 'zhangsan', 'employee_renamed', at, {
          createdBefore: t,
        });
        expect([...ids].sort()).toEqual([earlier.id, justBefore.id].sort());
        expect(await store.sessions.get(earlier.id)).toMatchObject({
          revokedAt: at,
          revokeReason: 'employee_renamed',
        });
        expect((await store.sessions.get(atBound.id))?.revokedAt).toBeUndefined();
        expect((await store.sessions.get(later.id))?.revokedAt).toBeUndefined();
        expect(await store.sessions.listRevocations(at)).toHaveLength(2);
        // The sessions it spared are still the employee's: an unbounded revocation reaches them.
        const rest = await store.sessions.revokeUser('ww-corp-a', 'zhangsan', 'admin', at);
        expect([...rest].sort()).toEqual([atBound.id, later.id].sort());
      });

      it('renameUser with createdBefore moves only the sessions created before it; later ones keep the userid', async () => {
        const t = fixture.now();
        const moved = [
          session({ userId: 'old:id', createdAt: t - 60_000 }),
          session({ userId: 'old:id', createdAt: t - 1 }),
        ];
        const kept = session({ userId: 'old:id', createdAt: t });
        for (const record of [...moved, kept]) await store.sessions.create(record);
        expect(await store.sessions.renameUser('ww-corp-a', 'old:id', 'new-id', { createdBefore: t })).toBe(
          2,
        );
        for (const record of moved) expect((await store.sessions.get(record.id))?.userId).toBe('new-id');
        expect((await store.sessions.get(kept.id))?.userId).toBe('old:id');
        // Each userid's sessions are found under it, and only there.
        expect(await store.sessions.revokeUser('ww-corp-a', 'old:id', 'admin', t)).toEqual([kept.id]);
        const renamed = await store.sessions.revokeUser('ww-corp-a', 'new-id', 'admin', t);
        expect([...renamed].sort()).toEqual(moved.map((record) => record.id).sort());
      });

      it('keeps the client of the login that created a session, and a session without one has none', async () => {
        const withClient = session({
          userAgent: 'Mozilla/5.0 wxwork/4.1.22 MiniProgramEnv',
          clientIp: '203.0.113.9',
        });
        const without = session();
        await store.sessions.create(withClient);
        await store.sessions.create(without);
        expect(await store.sessions.get(withClient.id)).toEqual(withClient);
        expect(await store.sessions.get(without.id)).toEqual(without);
        const rotated = await store.sessions.rotate(withClient.refreshTokenHash, {
          refreshTokenHash: `rh-${randomUUID()}`,
          refreshedAt: fixture.now(),
          expiresAt: fixture.now() + HOUR,
        });
        expect(rotated).toMatchObject({ outcome: 'rotated', session: { userAgent: withClient.userAgent } });
      });

      it("listUser answers one employee's live sessions, oldest first, and nobody else's", async () => {
        const t = fixture.now();
        const first = session({ createdAt: t - 2_000, clientIp: '198.51.100.1' });
        const second = session({ createdAt: t - 1_000, userAgent: 'ua-2' });
        const revoked = session({ createdAt: t - 500 });
        const expired = session({ createdAt: t - HOUR, expiresAt: t - 1 });
        const otherUser = session({ userId: 'lisi' });
        const otherCorp = session({ corpId: 'ww-corp-b' });
        for (const record of [second, first, revoked, expired, otherUser, otherCorp])
          await store.sessions.create(record);
        await store.sessions.revoke(revoked.id, 'admin', t);
        expect(await store.sessions.listUser('ww-corp-a', 'zhangsan')).toEqual([first, second]);
        expect(await store.sessions.listUser('ww-corp-a', 'nobody')).toEqual([]);
        // A renamed employee's sessions are listed under the new userid only.
        await store.sessions.renameUser('ww-corp-a', 'zhangsan', 'zhangsan2');
        expect((await store.sessions.listUser('ww-corp-a', 'zhangsan2')).map((record) => record.id)).toEqual([
          first.id,
          second.id,
        ]);
        expect(await store.sessions.listUser('ww-corp-a', 'zhangsan')).toEqual([]);
      });

      it('setSessionKey replaces the encrypted session_key', async () => {
        const created = session();
        await store.sessions.create(created);
        await store.sessions.setSessionKey(created.id, 'ciphertext-2');
        expect(await store.sessions.get(created.id)).toEqual({
          ...created,
          sessionKeyCiphertext: 'ciphertext-2',
        });
        await store.sessions.setSessionKey('sid-missing', 'ciphertext-3');
        expect(await store.sessions.get('sid-missing')).toBeUndefined();
      });

      it('replaceSessionKey replaces only the expected ciphertext, and never creates a session', async () => {
        const created = session();
        await store.sessions.create(created);
        expect(await store.sessions.replaceSessionKey(created.id, 'not-it', 'ciphertext-x')).toBe(false);
        expect((await store.sessions.get(created.id))?.sessionKeyCiphertext).toBe('ciphertext-1');
        expect(await store.sessions.replaceSessionKey(created.id, 'ciphertext-1', 'ciphertext-2')).toBe(true);
        expect(await store.sessions.get(created.id)).toEqual({
          ...created,
          sessionKeyCiphertext: 'ciphertext-2',
        });
        // A second resealer that read the old ciphertext loses: the first one's value stays.
        expect(await store.sessions.replaceSessionKey(created.id, 'ciphertext-1', 'ciphertext-3')).toBe(
          false,
        );
        expect((await store.sessions.get(created.id))?.sessionKeyCiphertext).toBe('ciphertext-2');
        expect(await store.sessions.replaceSessionKey('sid-missing', 'ciphertext-1', 'x')).toBe(false);
        expect(await store.sessions.get('sid-missing')).toBeUndefined();
      });

      it('scan returns every session once over its pages, revoked ones included', async () => {
        const created = Array.from({ length: 23 }, () => session());
        for (const record of created) await store.sessions.create(record);
        const revoked = created[5] as SessionRecord;
        await store.sessions.revoke(revoked.id, 'admin', fixture.now());
        const seen = new Map<string, SessionRecord>();
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.sessions.scan(cursor, 5);
          for (const record of page.sessions) seen.set(record.id, record);
          cursor = page.cursor;
          pages += 1;
        } while (cursor !== undefined && pages < 100);
        expect(cursor).toBeUndefined();
        expect([...seen.keys()].sort()).toEqual(created.map((record) => record.id).sort());
        expect(seen.get(revoked.id)?.revokedAt).toBeDefined();
        expect(seen.get(created[0]?.id ?? '')).toEqual(created[0]);
      });

      it('scan of an empty store ends at once, and refuses a limit that is not a positive integer', async () => {
        const page = await store.sessions.scan(undefined, 10);
        expect(page.sessions).toEqual([]);
        expect(page.cursor).toBeUndefined();
        await expect(store.sessions.scan(undefined, 0)).rejects.toThrow(TypeError);
        await expect(store.sessions.scan(undefined, 1.5)).rejects.toThrow(
          'sessions.scan: limit must be a positive integer',
        );
      });

      it('listRevocations returns entries since a time, oldest first, without expired sessions', async () => {
        const t = fixture.now();
        const shortLived = session({ expiresAt: t + 30 });
        const [a, b, c] = [session(), session(), session()];
        if (!a || !b || !c) throw new Error('unreachable');
        for (const record of [shortLived, a, b, c]) await store.sessions.create(record);
        await store.sessions.revoke(shortLived.id, 'logout', t);
        await store.sessions.revoke(b.id, 'logout', t + 2);
        await store.sessions.revoke(a.id, 'logout', t + 1);
        await store.sessions.revoke(c.id, 'logout', t + 3);
        expect((await store.sessions.listRevocations(t + 2)).map((entry) => entry.sessionId)).toEqual([
          b.id,
          c.id,
        ]);
        await fixture.advance(80);
        expect(await store.sessions.listRevocations(t)).toEqual([
          { sessionId: a.id, revokedAt: t + 1, expiresAt: a.expiresAt },
          { sessionId: b.id, revokedAt: t + 2, expiresAt: b.expiresAt },
          { sessionId: c.id, revokedAt: t + 3, expiresAt: c.expiresAt },
        ]);
      });

      it('subscribeRevocations delivers revocations made through another instance', async () => {
        const peer = await fixture.openPeer();
        const [one, two, three] = [session(), session({ userId: 'lisi' }), session()];
        for (const record of [one, two, three]) await store.sessions.create(record);
        const first = collect(2);
        const second = collect(2);
        const unsubscribeFirst = await store.sessions.subscribeRevocations(first.listener);
        const unsubscribeSecond = await store.sessions.subscribeRevocations(second.listener);
        const at = fixture.now();
        await peer.sessions.revoke(one.id, 'admin', at);
        await peer.sessions.revokeUser('ww-corp-a', 'lisi', 'employee_disabled', at + 1);
        expect(await first.done).toEqual([
          { sessionId: one.id, revokedAt: at, expiresAt: one.expiresAt },
          { sessionId: two.id, revokedAt: at + 1, expiresAt: two.expiresAt },
        ]);
        await unsubscribeFirst();
        const late = collect(1);
        const unsubscribeLate = await store.sessions.subscribeRevocations(late.listener);
        await peer.sessions.revoke(three.id, 'logout', at + 2);
        // Messages arrive in order, so when the later listener hears of `three`, the unsubscribed one would have too.
        expect((await late.done).map((entry) => entry.sessionId)).toEqual([three.id]);
        expect((await second.done).map((entry) => entry.sessionId)).toEqual([one.id, two.id]);
        await unsubscribeSecond();
        await unsubscribeLate();
      });

      it('deleteExpired drops expired sessions only and counts them', async () => {
        const t = fixture.now();
        const expiring = [session({ expiresAt: t + 30 }), session({ expiresAt: t + 40 })];
        const lasting = session();
        for (const record of [...expiring, lasting]) await store.sessions.create(record);
        await fixture.advance(80);
        expect(await store.sessions.deleteExpired(fixture.now())).toBe(2);
        for (const record of expiring) expect(await store.sessions.get(record.id)).toBeUndefined();
        expect(await store.sessions.get(lasting.id)).toEqual(lasting);
        expect(await store.sessions.deleteExpired(fixture.now())).toBe(0);
        const dropped = expiring[0];
        if (dropped)
          expect((await store.sessions.rotate(dropped.refreshTokenHash, nextToken())).outcome).toBe(
            'unknown',
          );
      });
    });

    describe('cache', () => {
      it('stores JSON values and deletes them', async () => {
        const profile = { userid: 'zhangsan', name: '张三', department: [1, 2], leader: null };
        await store.cache.set('profile:ww-corp-a:zhangsan', profile, 60_000);
        expect(await store.cache.get('profile:ww-corp-a:zhangsan')).toEqual(profile);
        await store.cache.delete('profile:ww-corp-a:zhangsan');
        expect(await store.cache.get('profile:ww-corp-a:zhangsan')).toBeUndefined();
        expect(await store.cache.get('never-set')).toBeUndefined();
      });

      it('forgets a value after its TTL', async () => {
        await store.cache.set('short', 'value', 30);
        await store.cache.set('long', 'value', 60_000);
        await fixture.advance(80);
        expect(await store.cache.get('short')).toBeUndefined();
        expect(await store.cache.get('long')).toBe('value');
      });

      it('rejects a bad TTL and a value that is not JSON', async () => {
        await expect(store.cache.set('k', 1, 0)).rejects.toThrow(TypeError);
        await expect(store.cache.set('k', 1, -5)).rejects.toThrow(TypeError);
        await expect(store.cache.set('k', undefined, 1000)).rejects.toThrow(
          'cache.set: value must be JSON-serialisable',
        );
      });

      it('round-trips arbitrary JSON under arbitrary keys', async () => {
        await fc.assert(
          fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), fc.jsonValue(), async (key, value) => {
            await store.cache.set(key, value, 60_000);
            expect(await store.cache.get(key)).toEqual(JSON.parse(JSON.stringify(value)));
          }),
          { numRuns: 25 },
        );
      });
    });

    describe('signingKeys', () => {
      it('lets two concurrent starters agree on one active key', async () => {
        const peer = await fixture.openPeer();
        const t = fixture.now();
        const [a, b] = await Promise.all([
          store.signingKeys.ensureActive(signingKey('kid-a', t)),
          peer.signingKeys.ensureActive(signingKey('kid-b', t + 1)),
        ]);
        expect(a).toEqual(b);
        expect(['kid-a', 'kid-b']).toContain(a.kid);
        expect(await store.signingKeys.list()).toEqual([a]);
        expect(await store.signingKeys.ensureActive(signingKey('kid-c', t + 2))).toEqual(a);
      });

      it('rotate retires the active key and activates the next; list is newest first', async () => {
        const t = fixture.now();
        const first = signingKey('kid-1', t);
        await store.signingKeys.ensureActive(first);
        const second = signingKey('kid-2', t + 10);
        await store.signingKeys.rotate(second, t + 20);
        expect(await store.signingKeys.list()).toEqual([second, { ...first, retiredAt: t + 20 }]);
        expect(await store.signingKeys.ensureActive(signingKey('kid-3', t + 30))).toEqual(second);
      });

      it('replacePrivateJwk swaps the private part only while it is the expected one, keeping the rest', async () => {
        const t = fixture.now();
        const first = signingKey('kid-1', t);
        await store.signingKeys.ensureActive(first);
        const second = signingKey('kid-2', t + 10);
        await store.signingKeys.rotate(second, t + 20);
        const resealed = { sealed: 'v1.resealed' };
        expect(await store.signingKeys.replacePrivateJwk('kid-1', { sealed: 'other' }, resealed)).toBe(false);
        expect(await store.signingKeys.replacePrivateJwk('kid-1', first.privateJwk, resealed)).toBe(true);
        expect(await store.signingKeys.list()).toEqual([
          second,
          { ...first, privateJwk: resealed, retiredAt: t + 20 },
        ]);
        // The earlier value no longer matches: a concurrent resealer does not overwrite the first one.
        expect(await store.signingKeys.replacePrivateJwk('kid-1', first.privateJwk, { sealed: 'x' })).toBe(
          false,
        );
        expect(await store.signingKeys.replacePrivateJwk('kid-missing', first.privateJwk, resealed)).toBe(
          false,
        );
        expect((await store.signingKeys.list()).map((key) => key.kid)).toEqual(['kid-2', 'kid-1']);
        expect(await store.signingKeys.ensureActive(signingKey('kid-3', t + 30))).toEqual(second);
      });

      it('prune removes keys retired before a time, never the active one', async () => {
        const t = fixture.now();
        await store.signingKeys.ensureActive(signingKey('kid-1', t));
        await store.signingKeys.rotate(signingKey('kid-2', t + 1), t + 100);
        await store.signingKeys.rotate(signingKey('kid-3', t + 2), t + 200);
        expect(await store.signingKeys.prune(t + 150)).toBe(1);
        expect((await store.signingKeys.list()).map((key) => key.kid)).toEqual(['kid-3', 'kid-2']);
        expect(await store.signingKeys.prune(t + 10_000)).toBe(1);
        expect((await store.signingKeys.list()).map((key) => key.kid)).toEqual(['kid-3']);
      });
    });

    describe('inbox', () => {
      it('records an event once and refuses a retry with the same id', async () => {
        const t = fixture.now();
        expect(await store.inbox.record({ id: 'ev-1', payload: '<xml>1</xml>', receivedAt: t })).toBe(true);
        expect(await store.inbox.record({ id: 'ev-1', payload: '<xml>retry</xml>', receivedAt: t + 5 })).toBe(
          false,
        );
        expect(await store.inbox.pending(10)).toEqual([
          { id: 'ev-1', payload: '<xml>1</xml>', receivedAt: t },
        ]);
      });

      it('keeps the corp that delivered an event, and none for an event recorded without one', async () => {
        const t = fixture.now();
        await store.inbox.record({ id: 'ev-sub', corpId: 'wwsub00000000003', payload: 's', receivedAt: t });
        await store.inbox.record({ id: 'ev-legacy', payload: 'l', receivedAt: t + 1 });
        expect(await store.inbox.pending(10)).toEqual([
          { id: 'ev-sub', corpId: 'wwsub00000000003', payload: 's', receivedAt: t },
          { id: 'ev-legacy', payload: 'l', receivedAt: t + 1 },
        ]);
      });

      it('lists pending events oldest first, up to the limit, without applied ones', async () => {
        const t = fixture.now();
        await store.inbox.record({ id: 'ev-late', payload: 'c', receivedAt: t + 30 });
        await store.inbox.record({ id: 'ev-early', payload: 'a', receivedAt: t + 10 });
        await store.inbox.record({ id: 'ev-middle', payload: 'b', receivedAt: t + 20 });
        expect((await store.inbox.pending(2)).map((event) => event.id)).toEqual(['ev-early', 'ev-middle']);
        await store.inbox.markApplied('ev-early', t + 40);
        expect((await store.inbox.pending(10)).map((event) => event.id)).toEqual(['ev-middle', 'ev-late']);
        // An applied event is still known, so a late retry of it is not recorded again.
        expect(await store.inbox.record({ id: 'ev-early', payload: 'a', receivedAt: t + 50 })).toBe(false);
        await store.inbox.markApplied('ev-unknown', t + 40);
        await expect(store.inbox.pending(0)).rejects.toThrow(
          'inbox.pending: limit must be a positive integer',
        );
      });
    });

    describe('events', () => {
      const fact = (at: number, overrides: Partial<SecurityEventInput> = {}): SecurityEventInput => ({
        at,
        type: 'login.succeeded',
        corpId: 'ww-corp-a',
        userId: 'zhangsan',
        ...overrides,
      });

      it('answers appended facts newest first, with every field kept and ids growing', async () => {
        const t = fixture.now();
        const full: SecurityEventInput = {
          at: t,
          type: 'session.revoked',
          corpId: 'ww-corp-a',
          userId: 'zhangsan',
          sessionId: 'sid-1',
          requestId: 'req-1',
          clientIp: '2001:db8::1',
          reason: 'admin',
        };
        await store.events.append([{ at: t - 2, type: 'admin.denied' }]);
        await store.events.append([fact(t - 1), full]);
        const { events, nextCursor } = await store.events.list({ limit: 10 });
        expect(nextCursor).toBeUndefined();
        expect(events.map(({ id: _id, ...rest }) => rest)).toEqual([
          full,
          fact(t - 1),
          { at: t - 2, type: 'admin.denied' },
        ]);
        const ids = events.map((event) => event.id);
        expect(new Set(ids).size).toBe(3);
        expect(await store.events.list({ limit: 10, cursor: ids[0] as string })).toEqual({
          events: events.slice(1),
        });
      });

      it('pages with a cursor until it is absent, and filters by corp, employee, type and time', async () => {
        const t = fixture.now();
        const batch: SecurityEventInput[] = [];
        for (let i = 0; i < 25; i++) {
          batch.push(
            fact(t + i, {
              userId: i % 2 === 0 ? 'zhangsan' : 'lisi',
              type: i % 5 === 0 ? 'login.refused' : 'login.succeeded',
              corpId: i === 24 ? 'ww-corp-b' : 'ww-corp-a',
            }),
          );
        }
        await store.events.append(batch);
        const seen: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.events.list({ limit: 7, ...(cursor ? { cursor } : {}) });
          expect(page.events.length).toBeLessThanOrEqual(7);
          seen.push(...page.events.map((event) => event.at));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(batch.map((event) => event.at).reverse());

        const zhangsan = await store.events.list({ corpId: 'ww-corp-a', userId: 'zhangsan', limit: 100 });
        expect(zhangsan.events.map((event) => event.at - t)).toEqual([
          22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0,
        ]);
        const refused = await store.events.list({ type: 'login.refused', limit: 100 });
        expect(refused.events.map((event) => event.at - t)).toEqual([20, 15, 10, 5, 0]);
        const recent = await store.events.list({ since: t + 20, userId: 'lisi', limit: 100 });
        expect(recent.events.map((event) => event.at - t)).toEqual([23, 21]);
        expect((await store.events.list({ corpId: 'ww-corp-b', limit: 1 })).events).toHaveLength(1);
        expect(await store.events.list({ userId: 'nobody', limit: 5 })).toEqual({ events: [] });
      });

      it('answers an empty page for a cursor it never gave, and refuses a bad limit', async () => {
        await store.events.append([fact(fixture.now())]);
        expect(await store.events.list({ limit: 5, cursor: 'not-a-cursor' })).toEqual({ events: [] });
        for (const limit of [0, 1_001, 1.5]) {
          await expect(store.events.list({ limit })).rejects.toThrow(
            'events.list: limit must be a whole number',
          );
        }
      });

      it('prune removes facts older than the retention and beyond the maximum count, newest kept', async () => {
        const t = fixture.now();
        await store.events.append([fact(t - 10 * HOUR, { userId: 'old' })]);
        await fixture.advance(20);
        await store.events.append(
          Array.from({ length: 5 }, (_, i) => fact(fixture.now() + i, { userId: `u${i}` })),
        );
        await store.events.prune({ before: t - HOUR, maxEntries: 1_000 });
        const kept = await store.events.list({ limit: 10 });
        expect(kept.events.map((event) => event.userId)).toEqual(['u4', 'u3', 'u2', 'u1', 'u0']);
        await store.events.prune({ before: t - HOUR, maxEntries: 3 });
        expect((await store.events.list({ limit: 10 })).events.map((event) => event.userId)).toEqual([
          'u4',
          'u3',
          'u2',
        ]);
      });
    });
  });

  describe(`${name} store conformance`, () => {
    describeSuiteConformance(factory);
  });
}
