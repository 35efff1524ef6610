/**
 * The whole store conformance suite on a real Redis Cluster and on a real Sentinel-managed primary (started by
 * `node scripts/redis-topologies.mjs start`, or by CI), plus what only those topologies have: every script's keys in
 * one slot, one refresh of an access token across instances, and revocations heard through a node other than the
 * one that took the write.
 */
import { randomUUID } from 'node:crypto';
import { describeWithRedisTopology, redisAddressOf, redisTopologiesForTests } from '@wecom-auth/testing';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStoreOptions, type Store } from '../src/index.js';
import { describeStoreConformance, sharedStoreFactory, sleep } from './conformance.js';
import { sessionRecord } from './session-record.js';

const address = redisAddressOf;
type Topologies = ReturnType<typeof redisTopologiesForTests>;

/** Deletes every key under `prefix` on each primary of `nodes` (one Redis, or a Cluster's primaries). */
async function deleteUnder(nodes: readonly Redis[], prefix: string): Promise<void> {
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      // One DEL per key: on a Cluster node, keys of several slots may not share a command.
      for (const key of keys) await node.del(key);
    } while (cursor !== '0');
  }
}

function describeTopologyConformance(
  kind: 'cluster' | 'sentinel',
  connection: (topologies: Topologies) => Pick<RedisStoreOptions, 'cluster' | 'sentinel'>,
  primaries: (topologies: Topologies) => Promise<{ nodes: Redis[]; close: () => Promise<void> }>,
): void {
  describeWithRedisTopology(kind, `redis ${kind}`, () => {
    const topologies = redisTopologiesForTests();
    const runPrefix = `wecom-auth-test:${kind}:${randomUUID()}:`;
    let fixtures = 0;
    let admin: { nodes: Redis[]; close: () => Promise<void> } | undefined;
    const open = (keyPrefix: string, options: Partial<RedisStoreOptions> = {}): Store =>
      createRedisStore({ ...connection(topologies), keyPrefix, commandTimeoutMs: 3_000, ...options });

    beforeAll(async () => {
      admin = await primaries(topologies);
    });
    afterAll(async () => {
      if (admin) {
        await deleteUnder(admin.nodes, runPrefix);
        await admin.close();
      }
    });

    describeStoreConformance(
      `redis ${kind}`,
      sharedStoreFactory(open, () => {
        fixtures += 1;
        return `${runPrefix}${fixtures}:`;
      }),
    );

    describe(`redis ${kind} specifics`, () => {
      it('hears a revocation made through another instance, and refreshes one access token once', async () => {
        const prefix = `${runPrefix}instances:`;
        const [a, b] = [open(prefix), open(prefix)];
        const heard: string[] = [];
        await b.sessions.subscribeRevocations((entry) => heard.push(entry.sessionId));
        const t = Date.now();
        await a.sessions.create(
          sessionRecord(t, { id: 'sid-across', refreshTokenHash: 'rh-across', expiresAt: t + 60_000 }),
        );
        expect(await a.sessions.revoke('sid-across', 'logout', t)).toBe(true);
        for (let waited = 0; heard.length === 0 && waited < 5_000; waited += 50) await sleep(50);
        expect(heard).toEqual(['sid-across']);
        // Of two instances asking for one token's refresh lock at once, exactly one gets it.
        const locks = await Promise.all([
          a.accessTokens.tryLock('corp-token', 10_000),
          b.accessTokens.tryLock('corp-token', 10_000),
        ]);
        expect(locks.filter((lock) => lock !== undefined)).toHaveLength(1);
        await Promise.all([a.close(), b.close()]);
      });
    });
  });
}

describeTopologyConformance(
  'cluster',
  (topologies) => ({ cluster: { nodes: (topologies.cluster ?? []).map(address) } }),
  async (topologies) => {
    const cluster = new Cluster((topologies.cluster ?? []).map(address));
    await cluster.ping();
    return { nodes: cluster.nodes('master'), close: () => cluster.quit().then(() => {}) };
  },
);

describeTopologyConformance(
  'sentinel',
  (topologies) => ({
    sentinel: {
      sentinels: (topologies.sentinels?.nodes ?? []).map(address),
      name: topologies.sentinels?.name ?? 'wecom-auth',
    },
  }),
  async (topologies) => {
    const primary = new Redis({
      sentinels: (topologies.sentinels?.nodes ?? []).map(address),
      name: topologies.sentinels?.name ?? 'wecom-auth',
    });
    await primary.ping();
    return { nodes: [primary], close: () => primary.quit().then(() => {}) };
  },
);

describeWithRedisTopology('cluster', 'redis cluster keyspace', (seeds) => {
  let node: Cluster | undefined;
  beforeAll(async () => {
    node = new Cluster(seeds.map(address));
    await node.ping();
  });
  afterAll(async () => {
    await node?.quit();
  });

  it('keeps the keys of every script in one slot, and spreads sessions over the slots', async () => {
    const { redisKeyspace } = await import('../src/redis/redis-keyspace.js');
    const keys = redisKeyspace('p:', true);
    // The cluster itself says which slot a name hashes to.
    const slotOf = async (name: string): Promise<number> => Number(await node?.cluster('KEYSLOT', name));
    const sameSlot = async (...names: string[]): Promise<void> => {
      expect(new Set(await Promise.all(names.map(slotOf))).size).toBe(1);
    };
    for (const id of ['abc', 'a{b}c', '}{', '', '%7B']) {
      await sameSlot(keys.session(id), keys.rotationRepeat(id), keys.legacyRefreshHashes(id));
      await sameSlot(keys.accessToken(id), keys.accessTokenLock(id));
      await sameSlot(keys.suiteTicket(id), keys.suiteInstall(id, 'ww1'), keys.suiteCorps(id));
    }
    await sameSlot(keys.inboxEvent('e1'), keys.inboxEvent('e2'), keys.inboxPending);
    await sameSlot(keys.signingKeys, keys.retiredSigningKeys, keys.activeSigningKey);
    const slots = new Set(
      await Promise.all(Array.from({ length: 200 }, () => slotOf(keys.session(randomUUID())))),
    );
    expect(slots.size).toBeGreaterThan(190);
    expect(() => redisKeyspace('p{x}:', true)).toThrow(TypeError);
    // One Redis keeps the names earlier releases wrote.
    const standalone = redisKeyspace('p:', false);
    expect([standalone.session('s1'), standalone.accessToken('k'), standalone.inboxEvent('e')]).toEqual([
      'p:s:s1',
      'p:at:k',
      'p:ib:e',
    ]);
  });
});
