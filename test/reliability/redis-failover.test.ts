/**
 * Redis as operators run it, failing under load: two gateways share a Sentinel-managed primary (one replica, three
 * Sentinels) or a Redis Cluster (three primaries, one replica each), with every write that must survive confirmed on
 * one replica (`REDIS_WAIT_REPLICAS=1`), under a steady mix of logins, refreshes, logouts, verifies and /v1/me.
 *
 * - The primary (Sentinel) or one primary (Cluster) is killed with SIGKILL; the Sentinels or the cluster promote its
 * replica, and the killed server is restarted (as a supervisor would) to become the new primary's replica. Meanwhile a
 * request that needs the lost node answers 503 `store_unavailable`, never a 500 or a hang; the gateways recover by
 * themselves, without a restart; every session acknowledged (201, so confirmed by `WAIT`) is still stored, every
 * answered logout and rotation still in force; and both instances together asked WeCom for one access token.
 * - On the Cluster, a range of slots moves from one primary to another while the load runs: the clients follow the
 *   ASK and MOVED redirections, and nothing answered is lost.
 */
import type { RunningGateway } from '@wecom-auth/gateway';
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  activeDemoUserIds,
  eventually,
  type RedisCluster,
  type RedisSentinelSet,
  redisServerAvailable,
  startGatewayUnderTest,
  startRedisCluster,
  startRedisSentinel,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evidenceLogDestination, recordSecret } from './support/evidence.js';
import { describeExchange, type Exchange, errorCode } from './support/gateway-exchange.js';
import { MixedLoad } from './support/mixed-load.js';
import { SessionLedger } from './support/session-ledger.js';
import {
  allAnswerNormally,
  brokenPromises,
  expectNothingAnsweredLost,
  unexcusedProbeAnswers,
} from './support/store-outage.js';

const EVIDENCE = 'redis-failover';
/** The upper bound on recovery after the promotion: generous for a loaded CI machine, not a speed benchmark. */
const RECOVERY_BOUND_MS = 15_000;

const redisServerMissing = !redisServerAvailable('the Redis failover tests');

const activeUsers = activeDemoUserIds();
let sandbox: Sandbox;
const cleanups: (() => Promise<void>)[] = [];

/** Two gateways on the store `env` names, writes confirmed on one replica. */
async function startGateways(name: string, env: Record<string, string>): Promise<RunningGateway[]> {
  const gateways: RunningGateway[] = [];
  for (const instance of ['a', 'b']) {
    const { gateway, close } = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      env: {
        ...env,
        REDIS_WAIT_REPLICAS: '1',
        // A replica on a busy 2-core machine may take a while to acknowledge: 503 rather than a lost write.
        REDIS_WAIT_TIMEOUT_MS: '1000',
        LOGIN_RATE_LIMIT: '1000000',
        // The audit presents a token rotated a moment before and expects a reuse at once.
        REFRESH_REUSE_INTERVAL_SECONDS: '0',
        LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
        LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
      },
      logDestination: evidenceLogDestination(`${EVIDENCE}-${name}-${instance}`),
    });
    gateways.push(gateway);
    cleanups.push(close);
  }
  return gateways;
}

/** A mixed load on `gateways`, stopped by the cleanups if the test fails first. */
function startLoad(gateways: readonly RunningGateway[], ledger: SessionLedger, seed: number): MixedLoad {
  const load = new MixedLoad({
    sandbox,
    ledger,
    targets: gateways.map((gateway) => gateway.url),
    users: activeUsers,
    workers: 8,
    mix: { login: 4, refresh: 3, logout: 1, verify: 3, me: 2 },
    maxRequests: 30_000,
    maxMs: 90_000,
    seed,
    pauseAfterUnavailableMs: 50,
    evidenceSource: EVIDENCE,
  });
  cleanups.push(async () => {
    load.stop();
    await load.done;
  });
  return load;
}

/**
 * Stops the load after a little more traffic, then holds the gateways to what their clients were told: nothing
 * broken, every acknowledged session stored, every answered logout and rotation in force, one gettoken.
 */
async function settleAndAudit(
  gateways: RunningGateway[],
  load: MixedLoad,
  ledger: SessionLedger,
): Promise<string> {
  const answered = load.answered;
  await eventually(() => load.answered >= answered + 100, 20_000, 5);
  load.stop();
  await load.done;
  // Revocations reach the other instance's mirror within a second (docs/deployment.md); twice that for a busy machine.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(brokenPromises(load.records)).toEqual([]);
  expect(load.surprises).toEqual([]);
  const audit = await expectNothingAnsweredLost(
    gateways as [RunningGateway, RunningGateway],
    ledger,
    sandbox,
    EVIDENCE,
  );
  // Both instances, through the failover, shared one access token of the corp.
  expect(sandbox.control.calls().byPath['/cgi-bin/gettoken']).toBe(1);
  const unavailable = load.records.filter(
    ({ exchange: result }) => errorCode(result) === 'store_unavailable',
  );
  return `${load.records.length} requests, ${unavailable.length} answered 503 store_unavailable, ${ledger.all().length} sessions, audit ${audit.refreshed} refreshed and ${audit.reuseRefused} rotated-away tokens refused`;
}

describe.skipIf(redisServerMissing)('Redis failover under load, two gateways', () => {
  beforeAll(async () => {
    recordSecret('corpsecret', DEMO_APP.secret);
    sandbox = await createSandbox({ port: 0 });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('Sentinel: the primary killed, its replica promoted; 503 meanwhile, recovery by itself, nothing acknowledged lost', async () => {
    const set: RedisSentinelSet = await startRedisSentinel({ replicas: 1, sentinels: 3 });
    cleanups.push(() => set.stop());
    sandbox.control.resetCalls();
    const gateways = await startGateways('sentinel', {
      REDIS_SENTINELS: set.sentinels.join(','),
      REDIS_SENTINEL_NAME: set.name,
    });
    const ledger = new SessionLedger();
    const load = startLoad(gateways, ledger, 21);
    expect(await eventually(() => load.answered >= 300, 30_000, 5), 'the load got going').toBe(true);
    const before = ledger.all().length;

    const primary = await set.currentPrimary();
    await set.kill(primary.port);
    const killedAt = performance.now();
    const promoted = await set.waitForFailover(primary.port);
    const promotedAfterMs = performance.now() - killedAt;
    // The new primary has no replica until the old one is back: writes that wait for one answer 503 until then. A
    // supervisor (systemd, Kubernetes) restarts the killed server, and the Sentinels make it the new one's replica.
    await set.restart(primary.port);
    const probes: Exchange[] = [];
    const recovered = await eventually(
      async () => allAnswerNormally(gateways, sandbox, probes, EVIDENCE),
      RECOVERY_BOUND_MS,
      50,
    );
    const recoveryMs = performance.now() - killedAt;
    expect(
      recovered,
      `both gateways answer normally within ${RECOVERY_BOUND_MS} ms of the promotion; last probes: ${probes.slice(-4).map(describeExchange).join(', ')}`,
    ).toBe(true);
    expect(promoted.port).not.toBe(primary.port);
    expect(unexcusedProbeAnswers(probes)).toEqual([]);
    const summary = await settleAndAudit(gateways, load, ledger);
    expect(before).toBeGreaterThan(0);
    console.log(
      `Sentinel failover: promoted after ${Math.round(promotedAfterMs)} ms, both gateways normal ${Math.round(recoveryMs)} ms after the kill; ${summary}`,
    );
  });

  it('Cluster: a primary killed, its replica promoted; 503 for its slots meanwhile, recovery by itself, nothing acknowledged lost', async () => {
    const cluster: RedisCluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
    cleanups.push(() => cluster.stop());
    sandbox.control.resetCalls();
    const gateways = await startGateways('cluster', { REDIS_CLUSTER_NODES: cluster.seeds.join(',') });
    const ledger = new SessionLedger();
    const load = startLoad(gateways, ledger, 22);
    expect(await eventually(() => load.answered >= 300, 30_000, 5), 'the load got going').toBe(true);

    const victim = cluster.nodes.find((node) => node.role === 'primary');
    if (!victim) throw new Error('the cluster has no primary');
    await cluster.kill(victim.port);
    const killedAt = performance.now();
    const probes: Exchange[] = [];
    // Recovered: every slot is served again (the replica took over) and both gateways answer normally.
    const promoted = async (): Promise<boolean> =>
      (await cluster.readNodes()).some(
        (node) => node.role === 'primary' && !node.failing && node.port === victimReplica?.port,
      );
    const victimReplica = cluster.nodes.find((node) => node.primaryPort === victim.port);
    // Once its replica took over, the killed node is restarted (as a supervisor would) and rejoins as its replica:
    // until then the writes of its slots, which wait for a replica, answer 503.
    expect(await eventually(promoted, RECOVERY_BOUND_MS, 100), 'the replica took over').toBe(true);
    await cluster.restart(victim.port);
    const recovered = await eventually(
      async () => (await promoted()) && (await allAnswerNormally(gateways, sandbox, probes, EVIDENCE)),
      RECOVERY_BOUND_MS + 10_000,
      100,
    );
    const recoveryMs = performance.now() - killedAt;
    expect(recovered, 'the replica took over and both gateways answer normally').toBe(true);
    expect(unexcusedProbeAnswers(probes)).toEqual([]);
    const summary = await settleAndAudit(gateways, load, ledger);
    console.log(
      `Cluster failover: both gateways normal ${Math.round(recoveryMs)} ms after the kill; ${summary}`,
    );
  });

  it('Cluster: a range of slots moves between primaries under load; nothing answered is lost', async () => {
    const cluster: RedisCluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
    cleanups.push(() => cluster.stop());
    sandbox.control.resetCalls();
    const gateways = await startGateways('reshard', { REDIS_CLUSTER_NODES: cluster.seeds.join(',') });
    const ledger = new SessionLedger();
    const load = startLoad(gateways, ledger, 23);
    expect(await eventually(() => load.answered >= 300, 30_000, 5), 'the load got going').toBe(true);

    // The first 40 slots, from the primary that serves them to another one: session ids are random, so the range
    // holds sessions, refresh hashes and indexes of the load.
    const slots = Array.from({ length: 40 }, (_, slot) => slot);
    const from = await cluster.primaryOf(0);
    const to = cluster.nodes.find((node) => node.role === 'primary' && node.port !== from.port);
    if (!to) throw new Error('the cluster has one primary');
    const startedAt = performance.now();
    await cluster.moveSlots(from.port, to.port, slots);
    const movedInMs = performance.now() - startedAt;
    for (const slot of [slots[0], slots.at(-1)] as number[]) {
      expect((await cluster.primaryOf(slot)).port).toBe(to.port);
    }
    const summary = await settleAndAudit(gateways, load, ledger);
    console.log(
      `Cluster reshard: ${slots.length} slots moved in ${Math.round(movedInMs)} ms under load; ${summary}`,
    );
  });
});
