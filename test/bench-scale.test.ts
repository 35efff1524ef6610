import { hashRefreshToken } from '@wecom-auth/gateway';
import { describe, expect, it } from 'vitest';
import type { CostedRun } from '../bench/scale/measure-gateway.js';
import { parseCommandStats, readingDelta } from '../bench/scale/redis-server-stats.js';
import { RefreshTokens } from '../bench/scale/refresh-tokens.js';
import { roundOrder } from '../bench/scale/round-order.js';
import { commandCosts, runSummary } from '../bench/scale/scale-report.js';
import { clusterNodesFromEnv } from '../bench/scale/scale-stores.js';
import { type SeedPlan, seededRefreshToken, seededSession } from '../bench/scale/seeded-sessions.js';

const run = (requestsPerSecond: number, extra: Partial<CostedRun> = {}): CostedRun => ({
  requestsPerSecond,
  p50Ms: requestsPerSecond / 100,
  p99Ms: requestsPerSecond / 10,
  non2xx: 0,
  errors: 0,
  ok: 1_000,
  gatewayCpuMicros: 500,
  loadAverage: 2,
  ...extra,
});

/** Enough of a plan for the tokens: they depend on its clock alone. */
const plan: SeedPlan = {
  corpId: 'wwcorp',
  userIds: ['zhangsan'],
  sealedSessionKeys: ['sealed'],
  now: Date.UTC(2026, 11, 7),
  refreshTtlMs: 2_592_000_000,
};

describe('bench:scale harness', () => {
  it('seeds refresh tokens shaped as the gateway issues them, issued at the session’s last refresh, naming it', () => {
    for (const index of [0, 1, 99_999]) {
      const token = seededRefreshToken(plan, index);
      const session = seededSession(plan, index);
      expect(token).toMatch(/^[0-9a-z]{9}[0-9a-z]{9}[A-Za-z0-9_-]{13}[A-Za-z0-9_-]{43}$/);
      expect(Number.parseInt(token.slice(0, 9), 36)).toBe(session.refreshedAt);
      expect(token.slice(9, 31)).toBe(session.id);
      expect(hashRefreshToken(token)).toHaveLength(52);
      expect(session.refreshTokenHash).toBe(hashRefreshToken(token));
    }
  });

  it('hands out each seeded token once, then the tokens handed back, oldest first', () => {
    const tokens = new RefreshTokens(plan);
    tokens.seededUpTo(3);
    const seeded = [tokens.next(), tokens.next(), tokens.next()];
    expect(seeded.toSorted()).toEqual([0, 1, 2].map((index) => seededRefreshToken(plan, index)).toSorted());
    tokens.keep(JSON.stringify({ refreshToken: 'first' }));
    tokens.keep(JSON.stringify({ refreshToken: 'second' }));
    tokens.keep(JSON.stringify({ error: 'no token in a failed answer' }));
    expect(tokens.next()).toBe('first');
    tokens.keep(JSON.stringify({ refreshToken: 'third' }));
    expect([tokens.next(), tokens.next()]).toEqual(['second', 'third']);
    expect(() => tokens.next()).toThrow('no unused refresh token left');
  });

  it('takes the sizes in the given order in odd rounds and in reverse in even ones, leaving its input alone', () => {
    const sizes = [10_000, 100_000, 1_000_000] as const;
    expect([1, 2, 3, 4].map((round) => roundOrder(sizes, round))).toEqual([
      [10_000, 100_000, 1_000_000],
      [1_000_000, 100_000, 10_000],
      [10_000, 100_000, 1_000_000],
      [1_000_000, 100_000, 10_000],
    ]);
    expect(sizes).toEqual([10_000, 100_000, 1_000_000]);
  });

  it('takes the cluster nodes from WECOM_AUTH_BENCH_REDIS_CLUSTER, and none when it is unset or blank', () => {
    expect(clusterNodesFromEnv({})).toBeUndefined();
    expect(clusterNodesFromEnv({ WECOM_AUTH_BENCH_REDIS_CLUSTER: ' ' })).toBeUndefined();
    expect(clusterNodesFromEnv({ WECOM_AUTH_BENCH_REDIS_CLUSTER: '10.0.0.1:7000, 10.0.0.2:7001,' })).toEqual([
      '10.0.0.1:7000',
      '10.0.0.2:7001',
    ]);
    expect(() => clusterNodesFromEnv({ WECOM_AUTH_BENCH_REDIS_CLUSTER: 'redis://a:1' })).toThrow(
      'WECOM_AUTH_BENCH_REDIS_CLUSTER: "redis://a:1" is not host:port',
    );
  });

  it('reads what Redis spent per command between two readings', () => {
    const before = parseCommandStats(
      'cmdstat_evalsha:calls=10,usec=1000,usec_per_call=100.00\r\ncmdstat_get:calls=5,usec=10,usec_per_call=2.00\r\n',
    );
    const after = parseCommandStats(
      'cmdstat_evalsha:calls=30,usec=4000,usec_per_call=133.33\r\ncmdstat_get:calls=5,usec=10\r\ncmdstat_zadd:calls=2,usec=40\r\n',
    );
    expect(
      readingDelta({ cpuMicros: 1_000, commands: before }, { cpuMicros: 3_500, commands: after }),
    ).toEqual({
      cpuMicros: 2_500,
      commands: { evalsha: { calls: 20, usec: 3_000 }, zadd: { calls: 2, usec: 40 } },
    });
  });

  it('summarises rounds as the median rate with its spread, and the median round latency', () => {
    expect(runSummary([run(900), run(1_200), run(1_000)])).toEqual({
      rate: '1000 (900–1200)',
      latency: '10 / 100',
    });
    expect(runSummary([run(700)]).rate).toBe('700');
  });

  it('names the costliest commands with their time per call and calls per request, not its own readings', () => {
    const commands = {
      evalsha: { calls: 1_000, usec: 100_000 },
      get: { calls: 3_000, usec: 9_000 },
      info: { calls: 2, usec: 900_000 },
    };
    expect(commandCosts([run(1_000, { commands })])).toBe('evalsha 100.0 × 1.0, get 3.0 × 3.0');
  });
});
