import { randomUUID } from 'node:crypto';
import { REDIS_HOST_PORT, redisAvailable } from '@wecom-auth/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisStore,
  type RedisStoreOptions,
  type Store,
  StoreUnavailableError,
  type SuiteInstallChange,
  type SuiteInstallRecord,
} from '../src/index.js';
import { describeStoreConformance, sharedStoreFactory } from './conformance.js';
import { sessionRecord } from './session-record.js';

const REDIS_URL = process.env.REDIS_URL ?? `redis://${REDIS_HOST_PORT}`;

// Whether Redis answers is decided once, before any suite is declared.
const unreachable = !(await redisAvailable('the Redis store tests', REDIS_URL));

// Every run writes under its own prefix and removes only that prefix afterwards.
const runPrefix = `wecom-auth-test:${randomUUID()}:`;
let admin: Redis | undefined;
let fixtures = 0;

async function deleteUnder(prefix: string): Promise<void> {
  if (!admin) return;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
}

const suiteInstall = (suiteId: string, corpId: string, eventTimestamp: number): SuiteInstallRecord => ({
  suiteId,
  corpId,
  corpName: `Corp ${corpId}`,
  permanentCodeCiphertext: `sealed-${corpId}-${eventTimestamp}`,
  authInfo: '{"agent":[]}',
  installedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000 + eventTimestamp,
  eventTimestamp,
});

const open = (keyPrefix: string, extra: Partial<RedisStoreOptions> = {}): Store =>
  createRedisStore({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 2_000, ...extra });

describe.skipIf(unreachable)('redis', () => {
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteUnder(runPrefix);
    await admin?.quit();
  });

  describeStoreConformance(
    'redis',
    sharedStoreFactory(open, () => {
      fixtures += 1;
      return `${runPrefix}${fixtures}:`;
    }),
  );

  describe('redis specifics', () => {
    it('keeps every key it writes under its prefix, each with a TTL where it can expire', async () => {
      const prefix = `${runPrefix}layout:`;
      const store = open(prefix);
      const t = Date.now();
      await store.accessTokens.putIfNewer('k', { token: 't', obtainedAt: t, expiresAt: t + 60_000 });
      await store.cache.set('c', 1, 60_000);
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-1', refreshTokenHash: 'rh-1', expiresAt: t + 60_000 }),
      );
      const keys = await admin?.keys(`${prefix}*`);
      expect(keys?.length).toBeGreaterThan(0);
      for (const key of [`${prefix}at:k`, `${prefix}c:c`, `${prefix}s:sid-1`, `${prefix}rh:rh-1`]) {
        expect(await admin?.pttl(key)).toBeGreaterThan(0);
      }
      await store.close();
    });

    it('moves on a rename only the sessions that name the renamed employee as theirs', async () => {
      const prefix = `${runPrefix}rename-owner:`;
      const store = open(prefix);
      const t = Date.now();
      await store.sessions.create(sessionRecord(t, { id: 'sid-alice', userId: 'alice' }));
      await store.sessions.create(sessionRecord(t, { id: 'sid-bob', userId: 'bob' }));
      await store.sessions.create(sessionRecord(t, { id: 'sid-nobody', userId: 'carol' }));
      // Bob's session listed in Alice's index (a stale entry), and a session that names no owner at all.
      const aliceIndex = `${prefix}u:ww-corp-a:alice`;
      await admin?.sadd(aliceIndex, 'sid-bob', 'sid-nobody');
      await admin?.hdel(`${prefix}s:sid-nobody`, 'userKey');
      expect(await store.sessions.renameUser('ww-corp-a', 'alice', 'alice-2')).toBe(1);
      expect((await store.sessions.get('sid-alice'))?.userId).toBe('alice-2');
      expect((await store.sessions.get('sid-bob'))?.userId).toBe('bob');
      expect((await store.sessions.get('sid-nobody'))?.userId).toBe('carol');
      await store.close();
    });

    it('prunes expired revocations through their expiry index, indexing those an earlier release recorded', async () => {
      const prefix = `${runPrefix}revocation-expiry:`;
      const store = open(prefix);
      const t = Date.now();
      // Recorded by a release without the expiry index: only in `rev`.
      await admin?.zadd(
        `${prefix}rev`,
        t - 5_000,
        `${t - 1_000}:legacy-expired`,
        t - 5_000,
        `${t + 60_000}:legacy-live`,
      );
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-r', refreshTokenHash: 'rh-r', expiresAt: t + 60_000 }),
      );
      expect(await store.sessions.revoke('sid-r', 'logout', t)).toBe(true);
      expect(await store.sessions.deleteExpired(t)).toBe(0);
      const kept = [`${t + 60_000}:legacy-live`, `${t + 60_000}:sid-r`].sort();
      expect((await admin?.zrange(`${prefix}rev`, 0, -1))?.sort()).toEqual(kept);
      expect((await admin?.zrange(`${prefix}revexp`, 0, -1))?.sort()).toEqual(kept);
      await store.close();
    });

    it('bounds how far one filtered read of the event log goes, and hands back a cursor to go on', async () => {
      const prefix = `${runPrefix}events-scan:`;
      const store = open(prefix);
      const t = Date.now();
      await store.events.append([{ at: t, type: 'login.succeeded', userId: 'rare' }]);
      const others = Array.from({ length: 20_500 }, (_, i) => ({
        at: t + 1 + i,
        type: 'login.succeeded',
        userId: 'x',
      }));
      await store.events.append(others);
      const first = await store.events.list({ userId: 'rare', limit: 10 });
      expect(first.events).toEqual([]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await store.events.list({
        userId: 'rare',
        limit: 10,
        cursor: first.nextCursor as string,
      });
      expect(second).toEqual({
        events: [{ id: expect.any(String), at: t, type: 'login.succeeded', userId: 'rare' }],
      });
      await store.close();
    });

    it('leaves an earlier refresh hash to expire with its own token: a rotation does not renew the history', async () => {
      const prefix = `${runPrefix}history:`;
      const store = open(prefix);
      const t = Date.now();
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-h', refreshTokenHash: 'h-0', expiresAt: t + 60_000 }),
      );
      for (let i = 1; i <= 3; i++) {
        const rotated = await store.sessions.rotate(`h-${i - 1}`, {
          refreshTokenHash: `h-${i}`,
          refreshedAt: t,
          expiresAt: t + 60_000 * (i + 1),
        });
        expect(rotated.outcome).toBe('rotated');
      }
      // Each retired hash keeps the lifetime its token was issued with (the adapter's TTLs add the same slack to
      // every key); only the current one lives as long as the session now does.
      const ttls = await Promise.all(
        [0, 1, 2, 3].map(async (i) => Number(await admin?.pttl(`${prefix}rh:h-${i}`))),
      );
      for (let i = 1; i < ttls.length; i++)
        expect(Number(ttls[i]) - Number(ttls[i - 1]), `rh:h-${i} outlives rh:h-${i - 1}`).toBeGreaterThan(
          55_000,
        );
      // Within its lifetime an earlier hash is still recognised: its reuse revokes the session.
      expect(
        (await store.sessions.rotate('h-1', { refreshTokenHash: 'h-x', refreshedAt: t, expiresAt: t }))
          .outcome,
      ).toBe('reused');
      await store.close();
    });

    it('calls onResync after the subscriber connection was lost, and keeps delivering', async () => {
      const prefix = `${runPrefix}resync:`;
      const connectionName = `wecom-auth-test-${randomUUID()}`;
      const store = open(prefix, { connectionName });
      const peer = open(prefix);
      const t = Date.now();
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-r', refreshTokenHash: 'rh-r', expiresAt: t + 60_000 }),
      );
      let resynced: () => void = () => {};
      const resync = new Promise<void>((resolve) => {
        resynced = resolve;
      });
      let received: (entry: { sessionId: string }) => void = () => {};
      const revocation = new Promise<{ sessionId: string }>((resolve) => {
        received = resolve;
      });
      const unsubscribe = await store.sessions.subscribeRevocations(
        (entry) => received(entry),
        () => resynced(),
      );
      const clients = (await admin?.client('LIST')) as string;
      const line = clients.split('\n').find((entry) => entry.includes(` name=${connectionName}:sub `));
      const id = line?.match(/^id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      await admin?.client('KILL', 'ID', String(id));
      await resync;
      await peer.sessions.revoke('sid-r', 'admin', t + 1);
      expect((await revocation).sessionId).toBe('sid-r');
      await unsubscribe();
      await Promise.all([store.close(), peer.close()]);
    });

    it('keeps each suite under keys of its own, tombstones with a TTL, installs and tickets without', async () => {
      const prefix = `${runPrefix}suite-layout:`;
      const store = open(prefix, { installTombstoneRetentionMs: 60_000 });
      const t = Date.now();
      await store.suites.offerTicket({ suiteId: 'tj:1', ticket: 'x', timestamp: 1, receivedAt: t });
      await store.suites.saveInstall(suiteInstall('tj:1', 'wwA', 10));
      await store.suites.saveInstall(suiteInstall('tj:1', 'wwB', 10));
      await store.suites.removeInstall('tj:1', 'wwB', 11, t);
      const keys = (await admin?.keys(`${prefix}*`))?.sort();
      expect(keys).toEqual(
        [
          `${prefix}suite:tj%3A1:corp:wwA`,
          `${prefix}suite:tj%3A1:corp:wwB`,
          `${prefix}suite:tj%3A1:corps`,
          `${prefix}suite:tj%3A1:ticket`,
        ].sort(),
      );
      expect(await admin?.pttl(`${prefix}suite:tj%3A1:ticket`)).toBe(-1);
      expect(await admin?.pttl(`${prefix}suite:tj%3A1:corp:wwA`)).toBe(-1);
      const tombstoneTtl = Number(await admin?.pttl(`${prefix}suite:tj%3A1:corp:wwB`));
      expect(tombstoneTtl).toBeGreaterThan(50_000);
      expect(tombstoneTtl).toBeLessThanOrEqual(60_000);
      // The tombstone holds the order only: the permanent code is gone.
      expect(await admin?.hgetall(`${prefix}suite:tj%3A1:corp:wwB`)).toEqual({
        eventTimestamp: '11',
        uninstalledAt: String(t),
      });
      // A reinstall makes it an install again, without the tombstone's TTL.
      await store.suites.saveInstall(suiteInstall('tj:1', 'wwB', 12));
      expect(await admin?.pttl(`${prefix}suite:tj%3A1:corp:wwB`)).toBe(-1);
      await store.close();
    });

    it('keeps tickets, installs and tombstones for a store opened later on the same prefix', async () => {
      const prefix = `${runPrefix}suite-reopen:`;
      const first = open(prefix);
      const ticket = { suiteId: 'tj-1', ticket: 'newest', timestamp: 1_760_000_600, receivedAt: Date.now() };
      await first.suites.offerTicket(ticket);
      const kept = suiteInstall('tj-1', 'wwA', 1_760_000_000);
      await first.suites.saveInstall(kept);
      await first.suites.saveInstall(suiteInstall('tj-1', 'wwB', 1_760_000_000));
      await first.suites.removeInstall('tj-1', 'wwB', 1_760_000_100, Date.now());
      await first.close();
      const second = open(prefix);
      expect(await second.suites.ticket('tj-1')).toEqual(ticket);
      expect(await second.suites.install('tj-1', 'wwA')).toEqual(kept);
      expect(await second.suites.saveInstall(suiteInstall('tj-1', 'wwB', 1_760_000_050))).toBe('stale');
      expect(await second.suites.countInstalls('tj-1')).toBe(1);
      await second.close();
    });

    it('calls the install subscribers back after the subscriber connection was lost, and keeps delivering', async () => {
      const prefix = `${runPrefix}suite-resync:`;
      const connectionName = `wecom-auth-test-${randomUUID()}`;
      const store = open(prefix, { connectionName });
      const peer = open(prefix);
      let resynced: () => void = () => {};
      const resync = new Promise<void>((resolve) => {
        resynced = resolve;
      });
      let received: (change: SuiteInstallChange) => void = () => {};
      const change = new Promise<SuiteInstallChange>((resolve) => {
        received = resolve;
      });
      const unsubscribe = await store.suites.subscribeInstalls(
        (entry) => received(entry),
        () => resynced(),
      );
      const clients = (await admin?.client('LIST')) as string;
      const line = clients.split('\n').find((entry) => entry.includes(` name=${connectionName}:sub `));
      const id = line?.match(/^id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      await admin?.client('KILL', 'ID', String(id));
      await resync;
      const record = suiteInstall('tj:%1', 'wwA:b', 10);
      await peer.suites.saveInstall(record);
      expect(await change).toEqual({
        suiteId: 'tj:%1',
        corpId: 'wwA:b',
        kind: 'installed',
        at: record.updatedAt,
      });
      await unsubscribe();
      await Promise.all([store.close(), peer.close()]);
    });

    it('indexes by corp at rotation a session that a release without the index created', async () => {
      const prefix = `${runPrefix}corp-index:`;
      const store = open(prefix);
      const t = Date.now();
      const session = (id: string, corpId: string) =>
        sessionRecord(t, { id, corpId, refreshTokenHash: `rh-${id}`, expiresAt: t + 60_000 });
      await store.sessions.create(session('sid-old', 'wwA'));
      await store.sessions.create(session('sid-new', 'wwA'));
      const index = `${prefix}cs:wwA`;
      expect((await admin?.smembers(index))?.sort()).toEqual(['sid-new', 'sid-old']);
      expect(await admin?.pttl(index)).toBeGreaterThan(60_000);
      // As an earlier release left it: the session is not in the corp's index, nor says until when it is indexed.
      await admin?.srem(index, 'sid-old');
      await admin?.hdel(`${prefix}s:sid-old`, 'indexedUntil');
      await store.sessions.rotate('rh-sid-old', {
        refreshTokenHash: 'rh-sid-old-2',
        refreshedAt: t,
        expiresAt: t + 120_000,
      });
      expect((await admin?.smembers(index))?.sort()).toEqual(['sid-new', 'sid-old']);
      expect(await store.sessions.revokeCorp('wwA', 'corp_uninstalled', t + 1)).toBe(2);
      // Every member was revoked: the index is gone with them.
      expect(await admin?.exists(index)).toBe(0);
      await store.close();
    });

    it('keeps the indexes of a session alive longer than it through every rotation and a rename', async () => {
      const prefix = `${runPrefix}index-ttl:`;
      const store = open(prefix);
      const t = Date.now();
      const hour = 3_600_000;
      await store.sessions.create(
        sessionRecord(t, {
          id: 'sid-i',
          corpId: 'wwA',
          userId: 'alice',
          refreshTokenHash: 'rh-0',
          expiresAt: t + hour,
        }),
      );
      const sessionKey = `${prefix}s:sid-i`;
      const corpIndex = `${prefix}cs:wwA`;
      const outlived = async (employeeIndex: string) => {
        // The indexes' TTLs first: read later, the session's has counted down as long, so equal deadlines pass.
        const indexes = [Number(await admin?.pttl(employeeIndex)), Number(await admin?.pttl(corpIndex))];
        const session = Number(await admin?.pttl(sessionKey));
        expect(session).toBeGreaterThan(0);
        for (const ttl of indexes) expect(ttl).toBeGreaterThanOrEqual(session);
        expect(await admin?.sismember(employeeIndex, 'sid-i')).toBe(1);
        expect(await admin?.sismember(corpIndex, 'sid-i')).toBe(1);
      };
      // Renewals six hours apart: the login extended the indexes a day past the session, the renewals within that
      // day write none, and the first past it extends them again.
      let hash = 'rh-0';
      for (let step = 1; step <= 6; step += 1) {
        const next = `rh-${step}`;
        const result = await store.sessions.rotate(hash, {
          refreshTokenHash: next,
          refreshedAt: t,
          expiresAt: t + hour + step * 6 * hour,
        });
        expect(result.outcome).toBe('rotated');
        hash = next;
        await outlived(`${prefix}u:wwA:alice`);
      }
      // A rename moves the session into an index extended to its TTL only: its next rotation extends that one.
      expect(await store.sessions.renameUser('wwA', 'alice', 'alice2')).toBe(1);
      await outlived(`${prefix}u:wwA:alice2`);
      expect(await admin?.hget(sessionKey, 'indexedUntil')).toBeNull();
      await store.sessions.rotate(hash, {
        refreshTokenHash: 'rh-7',
        refreshedAt: t,
        expiresAt: t + 40 * hour,
      });
      await outlived(`${prefix}u:wwA:alice2`);
      await store.close();
    });

    it('writes no index at the rotations of a session its indexes outlive by an hour or more', async () => {
      const prefix = `${runPrefix}index-skip:`;
      const store = open(prefix);
      const t = Date.now();
      const hour = 3_600_000;
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-s', corpId: 'wwA', refreshTokenHash: 'rh-0', expiresAt: t + hour }),
      );
      const corpIndex = `${prefix}cs:wwA`;
      // Taken out by hand: a rotation that wrote the index would put it back.
      await admin?.srem(corpIndex, 'sid-s');
      await store.sessions.rotate('rh-0', {
        refreshTokenHash: 'rh-1',
        refreshedAt: t,
        expiresAt: t + 2 * hour,
      });
      await store.sessions.rotate('rh-1', {
        refreshTokenHash: 'rh-2',
        refreshedAt: t,
        expiresAt: t + 3 * hour,
      });
      expect(await admin?.sismember(corpIndex, 'sid-s')).toBe(0);
      // Past the day to spare: extended (and so listed) again.
      await store.sessions.rotate('rh-2', {
        refreshTokenHash: 'rh-3',
        refreshedAt: t,
        expiresAt: t + 30 * hour,
      });
      expect(await admin?.sismember(corpIndex, 'sid-s')).toBe(1);
      await store.close();
    });

    it('drops an expired session from its corp index when it sweeps', async () => {
      const prefix = `${runPrefix}corp-sweep:`;
      const store = open(prefix);
      const t = Date.now();
      await store.sessions.create(
        sessionRecord(t, { id: 'sid-short', corpId: 'wwA', refreshTokenHash: 'rh-short', expiresAt: t + 10 }),
      );
      expect(await admin?.smembers(`${prefix}cs:wwA`)).toEqual(['sid-short']);
      expect(await store.sessions.deleteExpired(t + 1_000)).toBe(1);
      expect(await admin?.exists(`${prefix}cs:wwA`)).toBe(0);
      await store.close();
    });

    it('rejects calls after close', async () => {
      const store = open(`${runPrefix}closed:`);
      await store.ping();
      await store.close();
      await expect(store.cache.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
});

describe('createRedisStore', () => {
  it('rejects every call with StoreUnavailableError when Redis cannot be reached', async () => {
    const store = createRedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 500 });
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.cache.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.sessions.get('sid')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.accessTokens.waitForChange('k', 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
  });

  it('refuses options that cannot work', () => {
    expect(() => createRedisStore({})).toThrow(new TypeError('createRedisStore: set url or redis'));
    expect(() => createRedisStore({ url: REDIS_URL, redis: { keyPrefix: 'x:' } })).toThrow(
      new TypeError('createRedisStore: set keyPrefix, not redis.keyPrefix'),
    );
    expect(() => createRedisStore({ url: REDIS_URL, commandTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => createRedisStore({ url: REDIS_URL, installTombstoneRetentionMs: -1 })).toThrow(
      new TypeError(
        'createRedisStore: installTombstoneRetentionMs must be a positive, finite number of milliseconds',
      ),
    );
  });
});
