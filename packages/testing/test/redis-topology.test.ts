import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../src/redis.js';
import { redisAddressOf } from '../src/redis-topology.js';
import { type RedisCluster, startRedisCluster } from '../src/redis-topology-cluster.js';
import { type RedisSentinelSet, startRedisSentinel } from '../src/redis-topology-sentinel.js';

const hasRedisServer = redisServerAvailable('the Redis topology tests');

/** Whether `pid` runs: a zombie (dead, not yet reaped by whoever inherited it) does not. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The primary's writes so far are on `replicas` replicas: a kill right after cannot lose them. */
async function replicated(port: number, replicas: number): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await redis.connect();
    expect(await redis.call('WAIT', replicas, 5_000)).toBe(replicas);
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(!hasRedisServer)('a Redis Cluster of 3 primaries and 3 replicas', () => {
  let cluster: RedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
    client = new Cluster(cluster.seeds.map(redisAddressOf));
    // A killed node's refused reconnects; what the tests check is that commands succeed.
    client.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    const pids = cluster?.seeds.map((seed) => cluster.pidOf(redisAddressOf(seed).port)) ?? [];
    await cluster?.stop();
    expect(pids.filter((pid) => pid !== undefined && alive(pid))).toEqual([]);
    expect(cluster === undefined || !existsSync(cluster.dir)).toBe(true);
  });

  it('is laid out as asked, read back from CLUSTER NODES', () => {
    const primaries = cluster.nodes.filter((node) => node.role === 'primary');
    const replicas = cluster.nodes.filter((node) => node.role === 'replica');
    expect(primaries).toHaveLength(3);
    expect(replicas).toHaveLength(3);
    // Each primary has its own replica.
    expect(new Set(replicas.map((node) => node.primaryPort))).toEqual(
      new Set(primaries.map((node) => node.port)),
    );
    expect(cluster.seeds).toHaveLength(6);
  });

  it('moves a slot live while clients write and read it through ioredis', async () => {
    const slot = await cluster.slotOf('{moving}:0');
    const source = await cluster.primaryOf(slot);
    const target = cluster.nodes.find((node) => node.role === 'primary' && node.port !== source.port);
    if (!target) throw new Error('no second primary');
    // Enough keys in the slot that MIGRATE takes many batches while the clients run.
    const preloaded = 3_000;
    for (let start = 0; start < preloaded; start += 500) {
      const pipeline = client.pipeline();
      for (let index = start; index < start + 500; index += 1) pipeline.set(`{moving}:${index}`, `v${index}`);
      await pipeline.exec();
    }

    const errors: unknown[] = [];
    const mismatches: string[] = [];
    let operations = 0;
    let moving = true;
    const worker = async (id: number): Promise<void> => {
      for (let round = 0; moving || round < 20; round += 1) {
        // Old keys (ASK while their batch is in flight, MOVED after) and keys made during the move.
        const key =
          round % 2 === 0 ? `{moving}:${(id * 7919 + round) % preloaded}` : `{moving}:new:${id}:${round}`;
        const value = `w${id}-${round}`;
        try {
          await client.set(key, value);
          const read = await client.get(key);
          if (read !== value) mismatches.push(`${key}: ${read}`);
          operations += 2;
        } catch (error) {
          errors.push(error);
        }
      }
    };
    const workers = Array.from({ length: 4 }, (_, id) => worker(id));
    await cluster.moveSlots(source.port, target.port, [slot]);
    moving = false;
    await Promise.all(workers);

    expect(errors).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(operations).toBeGreaterThan(100);
    expect(await cluster.primaryOf(slot)).toEqual({ host: '127.0.0.1', port: target.port });
    const countOn = async (port: number): Promise<number> => {
      const redis = new Redis({ host: '127.0.0.1', port });
      try {
        return Number(await redis.call('CLUSTER', 'COUNTKEYSINSLOT', slot));
      } finally {
        redis.disconnect();
      }
    };
    expect(await countOn(source.port)).toBe(0);
    expect(await countOn(target.port)).toBeGreaterThanOrEqual(preloaded);
    expect(await client.get('{moving}:2999')).toBe('v2999');
    await cluster.waitForHealthy();
  }, 60_000);

  it('promotes the replica of a primary killed with SIGKILL, keeps its keys, and takes the old primary back as a replica', async () => {
    await client.set('{failover}:key', 'kept');
    const slot = await cluster.slotOf('{failover}:key');
    const victim = await cluster.primaryOf(slot);
    const heir = (await cluster.readNodes()).find((node) => node.primaryPort === victim.port);
    if (!heir) throw new Error(`no replica of ${victim.port}`);
    await replicated(victim.port, 1);

    const pid = cluster.pidOf(victim.port);
    const killedAt = performance.now();
    await cluster.kill(victim.port);
    expect(pid !== undefined && alive(pid)).toBe(false);
    await cluster.waitForHealthy(45_000);
    // Quoted in docs/deployment.md: with cluster-node-timeout 2000 ms.
    console.log(
      `cluster failover: ${Math.round(performance.now() - killedAt)} ms from kill -9 to a healthy cluster`,
    );

    expect(await cluster.primaryOf(slot)).toEqual({ host: '127.0.0.1', port: heir.port });
    expect(await client.get('{failover}:key')).toBe('kept');
    await client.set('{failover}:key', 'after');

    await cluster.restart(victim.port);
    await cluster.waitForHealthy(45_000);
    const back = (await cluster.readNodes()).find((node) => node.port === victim.port);
    expect(back).toMatchObject({ role: 'replica', primaryPort: heir.port, failing: false });
    const oldPrimary = new Redis({ host: '127.0.0.1', port: victim.port });
    try {
      // Its data came back from its append-only file and it follows the new primary's writes.
      await oldPrimary.call('READONLY');
      expect(await oldPrimary.get('{failover}:key')).toBe('after');
    } finally {
      oldPrimary.disconnect();
    }
  }, 90_000);
});

describe.skipIf(!hasRedisServer)('a Redis Sentinel set of a primary, a replica and 3 sentinels', () => {
  let set: RedisSentinelSet;
  let client: Redis;

  beforeAll(async () => {
    set = await startRedisSentinel({ replicas: 1, sentinels: 3 });
    client = new Redis({ sentinels: set.sentinels.map(redisAddressOf), name: set.name });
    client.on('error', () => undefined);
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await set?.stop();
  });

  it('fails over when the primary is killed, and ioredis follows the sentinels to the new one', async () => {
    expect(set.name).toBe('wecom-auth');
    const before = await set.currentPrimary();
    expect(`${before.host}:${before.port}`).toBe(set.primary);
    await client.set('session', 'kept');
    await replicated(before.port, 1);

    const killedAt = performance.now();
    await set.kill(before.port);
    const after = await set.waitForFailover(before.port, 45_000);
    // Quoted in docs/deployment.md: with down-after-milliseconds 2000.
    console.log(
      `Sentinel failover: ${Math.round(performance.now() - killedAt)} ms from kill -9 to a new primary`,
    );
    expect(`${after.host}:${after.port}`).toBe(set.replicas[0]);

    expect(await client.get('session')).toBe('kept');
    await client.set('session', 'after');
    const [role] = (await client.call('ROLE')) as [string];
    expect(role).toBe('master');
    expect(/^tcp_port:(\d+)/m.exec(await client.info('server'))?.[1]).toBe(String(after.port));

    // Back with its old configuration, which says it is a primary: the sentinels make it a replica.
    await set.restart(before.port);
    await set.waitForHealthy(45_000);
    const old = new Redis({ host: '127.0.0.1', port: before.port });
    try {
      const [oldRole, , following] = (await old.call('ROLE')) as [string, string, number];
      expect([oldRole, Number(following)]).toEqual(['slave', after.port]);
      expect(await old.get('session')).toBe('after');
    } finally {
      old.disconnect();
    }
  }, 90_000);
});

describe.skipIf(!hasRedisServer)('a topology of a process that dies', () => {
  it('dies with it: no redis-server outlives a test that crashed', async () => {
    const harness = new URL('../src/redis-topology-sentinel.ts', import.meta.url).href;
    const script = `
      const { startRedisSentinel } = await import(${JSON.stringify(harness)});
      const set = await startRedisSentinel({ replicas: 0, sentinels: 1 });
      const ports = [set.primary, ...set.sentinels].map((address) => Number(address.split(':')[1]));
      console.log(JSON.stringify(ports.map(set.pidOf)));
      throw new Error('the test crashed');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    const pids = JSON.parse(output.trim()) as number[];
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
  }, 30_000);
});
