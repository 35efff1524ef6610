/**
 * Redis restarted under load, in Redis mode: two gateways share a Redis that persists as in production
 * (append-only, fsync always), under a steady mix of logins, refreshes, logouts, verifies and /v1/me. Redis is
 * stopped (a shutdown, then in a second run a crash), kept down for two seconds and started again on the same port
 * and data. What docs/deployment.md ("When Redis fails") and docs/errors.md promise must hold:
 *
 * - while Redis is away, a request that needs it answers 503 `store_unavailable` with Retry-After, never a 500,
 *   never a hang;
 * - the connections come back by themselves: both instances answer normally within seconds of Redis answering;
 * - nothing acknowledged is lost: every session answered 201 refreshes, every answered logout and rotation is
 *   still in force, on both instances.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashRefreshToken, type RunningGateway } from '@wecom-auth/gateway';
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  activeDemoUserIds,
  eventually,
  freePort,
  redisServerAvailable,
  ScratchRedis,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordSecret } from './support/evidence.js';
import { describeExchange, type Exchange, errorCode, exchange } from './support/gateway-exchange.js';
import { MixedLoad } from './support/mixed-load.js';
import { startEvidenceRedisGateway } from './support/redis-gateway.js';
import { RedisTripwireLink } from './support/redis-tripwire-link.js';
import { SessionLedger } from './support/session-ledger.js';
import {
  allAnswerNormally,
  brokenPromises,
  expectNothingAnsweredLost,
  unexcusedProbeAnswers,
} from './support/store-outage.js';
import { readStoredSessions } from './support/stored-sessions.js';

const EVIDENCE = 'redis-restart';
/** How long Redis stays down. */
const OUTAGE_MS = 2_000;
/** The upper bound on recovery: generous for a loaded CI machine, not a speed benchmark. */
const RECOVERY_BOUND_MS = 10_000;
/** How soon docs/deployment.md says every instance learns a revocation. */
const REVOCATION_PROPAGATION_MS = 1_000;

const redisServerMissing = !redisServerAvailable('the Redis restart tests');

const activeUsers = activeDemoUserIds();

let sandbox: Sandbox;
const cleanups: (() => Promise<void>)[] = [];

describe.skipIf(redisServerMissing)('Redis restarted under load, two gateways', () => {
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

  it.each([
    { signal: 'SIGTERM', seed: 11 },
    { signal: 'SIGKILL', seed: 12 },
  ] as const)(
    'Redis stopped with $signal: 503 store_unavailable while it is away, recovery within seconds, nothing answered lost',
    async ({ signal, seed }) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-redis-restart-'));
      cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
      const redis = new ScratchRedis(await freePort(), { dir: dataDir, appendFsync: 'always' });
      await redis.start();
      cleanups.push(() => redis.stop('SIGKILL'));
      const gateways: RunningGateway[] = [];
      for (const name of ['a', 'b']) {
        const gateway = await startEvidenceRedisGateway(sandbox, redis.url, `${EVIDENCE}-${signal}-${name}`, {
          // One test client is one IP: the per-IP login limit is not under test here.
          LOGIN_RATE_LIMIT: '1000000',
          // The audit presents a token rotated a moment before and expects a reuse: no reuse interval, so that a
          // repeat is a reuse at once (the interval has its own tests).
          REFRESH_REUSE_INTERVAL_SECONDS: '0',
          LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
          LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
        });
        gateways.push(gateway);
        cleanups.push(() => gateway.close());
      }
      const [first, second] = gateways as [RunningGateway, RunningGateway];

      const ledger = new SessionLedger();
      const load = new MixedLoad({
        sandbox,
        ledger,
        targets: [first.url, second.url],
        users: activeUsers,
        workers: 8,
        mix: { login: 4, refresh: 3, logout: 1, verify: 3, me: 2 },
        maxRequests: 20_000,
        maxMs: 60_000,
        seed,
        // Clients back off on a 503 (Retry-After says 1 s; shortened here so the outage still sees traffic).
        pauseAfterUnavailableMs: 50,
        evidenceSource: EVIDENCE,
      });
      // Cleanups run last-in first-out: after a failed assertion, the load stops before the gateways close.
      cleanups.push(async () => {
        load.stop();
        await load.done;
      });
      expect(await eventually(() => load.answered >= 200, 30_000, 5), 'the load got going').toBe(true);

      // What the clients were told before the stop.
      const openedBeforeStop = ledger.all().map((session) => session.id);
      const loggedOutBeforeStop = ledger.all().filter((session) => session.state === 'revoked').length;
      const recordsBeforeStop = load.records.length;

      await redis.stop(signal);
      const refusedDuringOutage = (): Set<string> =>
        new Set(
          load.records
            .slice(recordsBeforeStop)
            .filter(({ exchange: result }) => errorCode(result) === 'store_unavailable')
            .map(({ target }) => target),
        );
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      // Both instances noticed: each refused requests of the load while Redis was away.
      expect(await eventually(() => refusedDuringOutage().size === 2, 10_000, 20)).toBe(true);

      await redis.start();
      const redisBack = performance.now();
      const probes: Exchange[] = [];
      const recovered = await eventually(
        () => allAnswerNormally(gateways, sandbox, probes, EVIDENCE),
        RECOVERY_BOUND_MS,
        50,
      );
      const recoveryMs = performance.now() - redisBack;
      expect(recovered, `both gateways answer normally within ${RECOVERY_BOUND_MS} ms of Redis`).toBe(true);

      // The load goes on a little after the recovery, then stops.
      const answeredAtRecovery = load.answered;
      await eventually(() => load.answered >= answeredAtRecovery + 100, 20_000, 5);
      load.stop();
      await load.done;
      // docs/deployment.md: every instance's revocation mirror learns a logout within a second. The audit checks
      // the last logouts of the load on the other instance too; twice that bound leaves room for a loaded machine.
      await new Promise((resolve) => setTimeout(resolve, 2 * REVOCATION_PROPAGATION_MS));

      expect(brokenPromises(load.records)).toEqual([]);
      expect(unexcusedProbeAnswers(probes).map(describeExchange)).toEqual([]);
      expect(load.surprises).toEqual([]);

      // Redis holds every session answered 201, before, during and after the outage, and every answered logout; the
      // census is taken before the audit settles the uncertain ones.
      const census = ledger.census();
      const audit = await expectNothingAnsweredLost([first, second], ledger, sandbox, EVIDENCE);
      expect(openedBeforeStop.length).toBeGreaterThan(0);
      expect(loggedOutBeforeStop).toBeGreaterThan(0);

      const unavailable = load.records.filter(
        ({ exchange: result }) => errorCode(result) === 'store_unavailable',
      );
      console.log(
        `Redis ${signal}: ${load.records.length} requests, ${unavailable.length} answered 503 store_unavailable; ` +
          `recovered ${Math.round(recoveryMs)} ms after Redis answered; ${openedBeforeStop.length} sessions and ` +
          `${loggedOutBeforeStop} logouts before the stop; sessions ${JSON.stringify(census)}; audit ` +
          `${audit.refreshed} refreshed, ${audit.reuseRefused} rotated-away tokens refused, ` +
          `${audit.settled} settled (taken effect: ${JSON.stringify(audit.settledRevoked)})`,
      );
    },
  );

  /** What the client holds after the tripwire test: the answer to its refresh, or to its retry after a 503. */
  let afterCutShortRefresh: string | undefined;

  it('Redis gone right after it answered a rotation: the refresh answers 200 or 503 store_unavailable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-redis-restart-'));
    cleanups.push(() => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
    const redis = new ScratchRedis(await freePort(), { dir: dataDir, appendFsync: 'always' });
    await redis.start();
    cleanups.push(() => redis.stop('SIGKILL'));
    const link = await RedisTripwireLink.open(redis.port);
    cleanups.push(() => link.close());
    const gateway = await startEvidenceRedisGateway(
      sandbox,
      `redis://127.0.0.1:${link.port}/0`,
      `${EVIDENCE}-tripwire`,
    );
    cleanups.push(() => gateway.close());

    const { code } = sandbox.control.login({ userid: 'lisi' });
    const login = await exchange(gateway.url, '/v1/sessions', { method: 'POST', body: { code } }, EVIDENCE);
    expect(describeExchange(login)).toBe('201');
    const ledger = new SessionLedger();
    const session = ledger.opened(login.outcome === 'answered' ? login.body : undefined);
    const refreshToken = session.refreshTokens[0] as string;

    // Redis answers the rotation (the one script that carries the presented hash), then is gone before the
    // refresh's next store call.
    const tripped = link.cutAfterReplyTo(['eval', hashRefreshToken(refreshToken)]);
    const refresh = (): Promise<Exchange> =>
      exchange(gateway.url, '/v1/sessions/refresh', { method: 'POST', body: { refreshToken } }, EVIDENCE);
    const first = await refresh();
    const cut = await Promise.race([
      tripped.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000)),
    ]);
    expect(cut, 'the link was cut right after Redis answered the rotation').toBe(true);
    expect(['200', '503 store_unavailable']).toContain(describeExchange(first));

    link.restore();
    const ready = await eventually(
      async () => describeExchange(await exchange(gateway.url, '/readyz', {}, EVIDENCE)) === '200',
      10_000,
      50,
    );
    expect(ready).toBe(true);
    // docs/errors.md: 503 store_unavailable means "retry shortly"; the client does, with the token it holds.
    afterCutShortRefresh = describeExchange(first) === '200' ? '200' : describeExchange(await refresh());
    await readStoredSessions(gateway.services.store, [session.id], sandbox.url);
  });

  // The refresh reads the session and the employee before the rotation commits, so nothing can fail after it: a 503
  // here leaves the presented token valid, and the client's retry with it refreshes instead of looking like reuse.
  it('and after that 503, the retry with the same refresh token refreshes (not refused as a reuse)', () => {
    expect(afterCutShortRefresh).toBe('200');
  });
});
