/**
 * WeCom's access_token shared by gateway instances through Redis, against the failures the mature SDKs shipped:
 * a refresh-lock holder killed mid-refresh (WxJava #3888), waiters never woken by the holder (WxJava #1222), and a
 * refused token deleted by one instance after another already replaced it.
 */
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import { createRedisStore } from '@wecom-auth/store';
import {
  demoGatewayEnv,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  spawnGateway,
  startRedisGateway,
} from '@wecom-auth/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const redis = await redisForTests('the shared access_token tests', 13);

let sandbox: Sandbox;
let admin: Redis;
const opened: GatewayUnderTest[] = [];

async function open(env: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const gateway = await startRedisGateway(sandbox, redis.url, env);
  opened.push(gateway);
  return gateway;
}

const gettokens = (): number => sandbox.control.calls().byPath['/cgi-bin/gettoken'] ?? 0;

/** The refresh lock of the one app, as Redis holds it: its remaining lifetime, or -2 when there is none. */
async function lockTtl(): Promise<number> {
  const keys = await admin.keys('wecom-auth:atlock:*');
  if (keys.length === 0) return -2;
  return admin.pttl(keys[0] as string);
}

async function storedToken(): Promise<string | undefined> {
  const keys = await admin.keys('wecom-auth:at:*');
  return keys[0] === undefined ? undefined : ((await admin.hget(keys[0], 'token')) ?? undefined);
}

describe.skipIf(redis.unreachable)('the access_token shared through Redis', () => {
  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0 });
    admin = new Redis(redis.url);
  });

  beforeEach(async () => {
    await flushDatabase(redis.url);
    sandbox.control.reset();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((gateway) => gateway.close()));
  });

  afterAll(async () => {
    await flushDatabase(redis.url);
    admin?.disconnect();
    await sandbox?.close();
  });

  it('a lock holder killed mid-refresh stalls nobody: others stop waiting after one timeout, the lock expires', async () => {
    // The holder's gettoken hangs, so it is surely holding the lock when it is killed.
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', delayMs: 3_000, count: 1 });
    const holder = await spawnGateway({
      ...demoGatewayEnv(sandbox.url),
      REDIS_URL: redis.url,
      WECOM_TIMEOUT_MS: '1500',
    });
    const pending = fetch(`${holder.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: sandbox.control.login({ userid: 'zhangsan' }).code }),
    }).catch(() => undefined);
    const midRefresh = await eventually(() => (sandbox.control.faults()[0]?.hits ?? 0) === 1, 10_000);
    expect(midRefresh).toBe(true);
    const ttl = await lockTtl();
    // The lock carries its own expiry (2 × the WeCom timeout), so a dead holder cannot keep it.
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_000);
    expect(await holder.kill('SIGKILL')).toBeNull();
    await pending;

    const survivor = await open({ WECOM_TIMEOUT_MS: '1500' });
    const login = await survivor.attemptLogin('lisi');
    expect(login.status).toBe(201);
    // It fetched the token itself, once, after giving up on the dead holder.
    const metrics = await fetch(`${survivor.gateway.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(
      /wecom_auth_access_token_fetches_total\{outcome="success",corp="wwdemo0000000001"\} 1\n/,
    );
    expect(await eventually(async () => (await lockTtl()) === -2, 5_000, 50)).toBe(true);
  });

  it('waiters on other instances are woken by the holder, so a cold start costs one gettoken', async () => {
    // A long WeCom timeout: a waiter that is never woken would sit out 10 s and then fetch a second token.
    sandbox.control.addFault({ path: '/cgi-bin/gettoken', delayMs: 300, count: 1 });
    const first = await open({ WECOM_TIMEOUT_MS: '10000' });
    const second = await open({ WECOM_TIMEOUT_MS: '10000' });
    const leading = first.attemptLogin('zhangsan');
    expect(await eventually(() => (sandbox.control.faults()[0]?.hits ?? 0) === 1, 5_000, 5)).toBe(true);
    // The lock is held by the first instance now; every login of the second must wait for its token.
    const followers = ['lisi', 'zhangsan', 'lisi', 'zhangsan'].map((user, index) =>
      (index % 2 === 0 ? second : first).attemptLogin(user),
    );
    const answers = await Promise.all([leading, ...followers]);
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    expect(gettokens()).toBe(1);
  });

  it('a waiter refused the lock is not stranded when the holder finishes before the wait begins', async () => {
    const holder = createRedisStore({ url: redis.url, keyPrefix: 'wecom-auth:race:' });
    const waiter = createRedisStore({ url: redis.url, keyPrefix: 'wecom-auth:race:' });
    try {
      const lock = await holder.accessTokens.tryLock('app', 10_000);
      expect(lock).toBeDefined();
      expect(await waiter.accessTokens.tryLock('app', 10_000)).toBeUndefined();
      // The holder stores, announces and releases while the waiter is between its refused tryLock and its wait
      // (not even subscribed yet): the announcements are gone by the time it listens.
      await holder.accessTokens.putIfNewer('app', {
        token: 'fresh',
        obtainedAt: Date.now(),
        expiresAt: Date.now() + 7_200_000,
      });
      await lock?.release();
      const waiting = waiter.accessTokens.waitForChange('app', 60_000).then(() => 'woken');
      const outcome = await Promise.race([
        waiting,
        new Promise((resolve) => setTimeout(() => resolve('stranded'), 5_000).unref()),
      ]);
      expect(outcome).toBe('woken');
      expect((await waiter.accessTokens.get('app'))?.token).toBe('fresh');
    } finally {
      await Promise.all([holder.close(), waiter.close()]);
    }
  });

  it.each([
    ['40014', 'revokeTokens'],
    ['42001', 'expireTokens'],
  ] as const)(
    'after %s the token is dropped only while it is still the one in Redis',
    async (_errcode, fault) => {
      const first = await open();
      const second = await open();
      expect((await first.attemptLogin('zhangsan')).status).toBe(201);
      expect((await second.attemptLogin('lisi')).status).toBe(201);
      expect(gettokens()).toBe(1);
      const original = await storedToken();

      sandbox.control[fault]();
      // The first instance meets the refusal, drops the token from Redis and fetches a new one.
      expect((await first.attemptLogin('zhangsan')).status).toBe(201);
      expect(gettokens()).toBe(2);
      const replacement = await storedToken();
      expect(replacement).toBeDefined();
      expect(replacement).not.toBe(original);

      // The second still holds the refused token in memory: its compare-and-delete must leave the new one alone
      // and adopt it, not fetch a third.
      expect((await second.attemptLogin('lisi')).status).toBe(201);
      expect(gettokens()).toBe(2);
      expect(await storedToken()).toBe(replacement);
      expect(await second.gateway.services.corps.clientFor(DEMO_CORP_ID).accessToken.getToken()).toBe(
        replacement,
      );
    },
  );
});
