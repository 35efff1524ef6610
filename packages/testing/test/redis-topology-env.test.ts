import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisAddressOf } from '../src/redis-topology.js';
import { redisTopologiesForTests, redisTopologyAvailable } from '../src/redis-topology-env.js';
import { describeWithRedisTopology } from '../src/redis-topology-suite.js';

const both = {
  WECOM_AUTH_TEST_REDIS_CLUSTER: '127.0.0.1:7101, 127.0.0.1:7102,,127.0.0.1:7103',
  WECOM_AUTH_TEST_REDIS_SENTINELS: '127.0.0.1:27201,127.0.0.1:27202',
  WECOM_AUTH_TEST_REDIS_SENTINEL_NAME: 'mymaster',
};

describe('redisTopologiesForTests', () => {
  it('reads the cluster and the sentinels from the environment', () => {
    expect(redisTopologiesForTests(both)).toEqual({
      cluster: ['127.0.0.1:7101', '127.0.0.1:7102', '127.0.0.1:7103'],
      sentinels: { nodes: ['127.0.0.1:27201', '127.0.0.1:27202'], name: 'mymaster' },
    });
  });

  it('names neither when the variables are unset or empty, and defaults the sentinel name', () => {
    expect(redisTopologiesForTests({ WECOM_AUTH_TEST_REDIS_CLUSTER: ' ' })).toEqual({});
    expect(redisTopologiesForTests({ WECOM_AUTH_TEST_REDIS_SENTINELS: '127.0.0.1:27201' })).toEqual({
      sentinels: { nodes: ['127.0.0.1:27201'], name: 'wecom-auth' },
    });
  });
});

describe('redisTopologyAvailable', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('runs the suite when its topology is named', () => {
    expect(redisTopologyAvailable('cluster', 'the cluster tests', both)).toBe(true);
    expect(redisTopologyAvailable('sentinel', 'the sentinel tests', { ...both, CI: 'true' })).toBe(true);
  });

  it('skips visibly, naming the variable and the command that starts the topologies', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(
      redisTopologyAvailable('sentinel', 'the sentinel tests', { WECOM_AUTH_TEST_REDIS_CLUSTER: 'a:1' }),
    ).toBe(false);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Skipping the sentinel tests: .*WECOM_AUTH_TEST_REDIS_SENTINELS is unset.*node scripts\/redis-topologies\.mjs start/,
      ),
    );
  });

  it('fails where topologies are required: WECOM_AUTH_REQUIRE_REDIS_TOPOLOGIES=1 or CI=true', () => {
    expect(() =>
      redisTopologyAvailable('cluster', 'the cluster tests', { WECOM_AUTH_REQUIRE_REDIS_TOPOLOGIES: '1' }),
    ).toThrow(/WECOM_AUTH_TEST_REDIS_CLUSTER is unset.*CI requires it for the cluster tests/);
    expect(() => redisTopologyAvailable('cluster', 'the cluster tests', { CI: 'true' })).toThrow(
      /CI requires it/,
    );
  });
});

describe('redisAddressOf', () => {
  it('turns host:port into what ioredis takes, and refuses anything else', () => {
    expect(redisAddressOf('127.0.0.1:7101')).toEqual({ host: '127.0.0.1', port: 7101 });
    expect(() => redisAddressOf('127.0.0.1')).toThrow(TypeError);
    expect(() => redisAddressOf('127.0.0.1:x')).toThrow(TypeError);
    expect(() => redisAddressOf(':7101')).toThrow(TypeError);
  });
});

// The long-lived topologies themselves (`node scripts/redis-topologies.mjs start`; CI starts them): skipped with a
// warning without them, failed under CI. A key of this file's own, expiring, is all they write.
describeWithRedisTopology('cluster', 'the long-lived Redis Cluster', (seeds) => {
  it('takes writes and reads through ioredis on every slot it is asked about', async () => {
    const client = new Cluster(seeds.map(redisAddressOf));
    try {
      for (const tag of ['a', 'b', 'c', 'd']) {
        const key = `wecom-auth-testing:{${tag}}:${randomUUID()}`;
        await client.set(key, tag, 'PX', 10_000);
        expect(await client.get(key)).toBe(tag);
      }
      expect(await client.cluster('INFO')).toMatch(/^cluster_state:ok/m);
    } finally {
      client.disconnect();
    }
  });
});

describeWithRedisTopology('sentinel', 'the long-lived Redis Sentinel set', (sentinels) => {
  it('names a primary through the sentinels, and ioredis writes to it', async () => {
    const client = new Redis({ sentinels: sentinels.nodes.map(redisAddressOf), name: sentinels.name });
    try {
      const key = `wecom-auth-testing:${randomUUID()}`;
      await client.set(key, 'x', 'PX', 10_000);
      expect(await client.get(key)).toBe('x');
      expect(((await client.call('ROLE')) as unknown[])[0]).toBe('master');
    } finally {
      client.disconnect();
    }
  });
});
