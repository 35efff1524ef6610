/**
 * One mini program associated with the apps of several corps (a group): the corp is a tenant in every layer. Over
 * real HTTP against the sandbox's group (the demo company and its subsidiary, whose `zhangsan` is another person), on
 * SQLite and on Redis across two instances.
 */
import {
  createSandbox,
  DEMO_CORP_ID,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_APP,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';
import {
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  groupGatewayEnv,
  redisForTests,
  startGatewayUnderTest,
  startRedisGateway,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CALLBACKS = {
  [DEMO_CORP_ID]: {
    callbackToken: 'demoCallbackToken1',
    callbackAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  },
  [SUBSIDIARY_CORP_ID]: {
    callbackToken: 'subCallbackToken2',
    callbackAesKey: 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut',
  },
};

/** Points each corp's callback at `gatewayUrl`/v1/callback/{corpId}, as its admin would in the WeCom console. */
async function connectCallbacks(sandbox: Sandbox, gatewayUrl: string): Promise<void> {
  for (const [corpId, secrets] of Object.entries(CALLBACKS)) {
    await sandbox.control.setCallback({
      corpid: corpId,
      agentId: corpId === SUBSIDIARY_CORP_ID ? SUBSIDIARY_APP.agentId : 1000002,
      url: `${gatewayUrl}/v1/callback/${corpId}`,
      token: secrets.callbackToken,
      encodingAESKey: secrets.callbackAesKey,
    });
  }
}

function login(t: GatewayUnderTest, userid: string, corp: { user?: string; asked?: string } = {}) {
  return t.call('POST', '/v1/sessions', {
    body: { code: t.code(userid, corp.user), ...(corp.asked === undefined ? {} : { corpId: corp.asked }) },
  });
}

describe('a gateway serving a group of corps (SQLite)', () => {
  let t: GatewayUnderTest;

  beforeAll(async () => {
    const sandbox = await createSandbox({ port: 0 });
    t = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      env: { ...groupGatewayEnv(sandbox.url, CALLBACKS), LOG_LEVEL: 'info' },
    });
    await connectCallbacks(sandbox, t.gateway.url);
  });

  afterAll(async () => {
    await t?.close();
    await t?.sandbox.close();
  });

  it("answers 409 corp_mismatch for a subsidiary's employee, whose code is then used up; the corp's own code logs in", async () => {
    const code = t.code('zhangsan', SUBSIDIARY_CORP_ID);
    const mismatch = await t.call('POST', '/v1/sessions', { body: { code } });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toMatchObject({ error: 'corp_mismatch', corpId: SUBSIDIARY_CORP_ID });
    // WeCom consumed the code with the parent's token: it cannot be exchanged again.
    const reused = await t.call('POST', '/v1/sessions', { body: { code, corpId: SUBSIDIARY_CORP_ID } });
    expect(reused.body).toMatchObject({ error: 'code_invalid' });

    const session = await login(t, 'zhangsan', { user: SUBSIDIARY_CORP_ID, asked: SUBSIDIARY_CORP_ID });
    expect(session.status).toBe(201);
    expect(session.body?.employee).toMatchObject({
      corpId: SUBSIDIARY_CORP_ID,
      userId: 'zhangsan',
      name: '张珊',
    });
    const verify = await t.call('GET', '/v1/verify', { token: String(session.body?.accessToken) });
    expect(verify.status).toBe(204);
    expect(verify.headers.get('x-wecom-corpid')).toBe(SUBSIDIARY_CORP_ID);
    expect(verify.headers.get('x-wecom-userid')).toBe('zhangsan');
  });

  it('keeps the two zhangsans apart: two sessions, two profiles', async () => {
    const parent = await login(t, 'zhangsan');
    const subsidiary = await login(t, 'zhangsan', { user: SUBSIDIARY_CORP_ID, asked: SUBSIDIARY_CORP_ID });
    const parentMe = await t.call('GET', '/v1/me', { token: String(parent.body?.accessToken) });
    const subsidiaryMe = await t.call('GET', '/v1/me', { token: String(subsidiary.body?.accessToken) });
    expect(parentMe.body).toMatchObject({ corpId: DEMO_CORP_ID, userId: 'zhangsan', name: '张三' });
    expect(subsidiaryMe.body).toMatchObject({ corpId: SUBSIDIARY_CORP_ID, userId: 'zhangsan', name: '张珊' });
  });

  it("deleting one corp's zhangsan revokes that one within 1 s; the other keeps access", async () => {
    const parent = String((await login(t, 'zhangsan')).body?.accessToken);
    const subsidiary = String(
      (await login(t, 'zhangsan', { user: SUBSIDIARY_CORP_ID, asked: SUBSIDIARY_CORP_ID })).body?.accessToken,
    );
    await t.sandbox.control.deleteUser('zhangsan', { corpid: SUBSIDIARY_CORP_ID });
    const verifies = async (token: string) => (await t.call('GET', '/v1/verify', { token })).status;
    expect(await eventually(async () => (await verifies(subsidiary)) === 401, 1_000)).toBe(true);
    expect(await verifies(parent)).toBe(204);
    t.sandbox.control.reset();
    await connectCallbacks(t.sandbox, t.gateway.url);
  });

  it('refuses a user of a corp it does not serve, and a corpId it does not serve', async () => {
    const outsider = await login(t, 'zhoujie', { user: OTHER_CORP_ID });
    expect(outsider.status).toBe(403);
    expect(outsider.body).toMatchObject({ error: 'not_a_member' });
    expect(outsider.text).not.toMatch(/wo[A-Za-z0-9_-]{30}/);
    const unknown = await login(t, 'zhangsan', { asked: OTHER_CORP_ID });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'corp_unknown' });
  });

  it('readiness and metrics speak of each corp, never of a user', async () => {
    const ready = await t.call('GET', '/readyz');
    expect(Object.keys(ready.body?.corps ?? {})).toEqual([DEMO_CORP_ID, SUBSIDIARY_CORP_ID]);
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      /wecom_auth_logins_total\{outcome="corp_mismatch",corp="wwdemo0000000001"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/wecom_auth_logins_total\{outcome="corp_unknown",corp="other"\} [1-9]/);
    expect(metrics.text).toMatch(
      /wecom_auth_access_token_fetches_total\{outcome="success",corp="wwsub00000000003"\} 1/,
    );
    expect(metrics.text).not.toContain('zhangsan');
  });
});

const redis = await redisForTests('the group-of-corps tests on Redis', 8);

describe.skipIf(redis.unreachable)('a group of corps on two instances sharing Redis', () => {
  let sandbox: Sandbox;
  let gateways: GatewayUnderTest[] = [];

  beforeAll(async () => {
    await flushDatabase(redis.url);
    // WeCom's own frequency and concurrency limits are not what this measures.
    sandbox = await createSandbox({
      port: 0,
      limits: { corpPerMinute: 1_000_000, ipPerMinute: 1_000_000, concurrentPerCorpApi: 100_000 },
    });
    // One test client logs a thousand employees in at once: the per-address limit is not what this measures.
    const env = { ...groupGatewayEnv(sandbox.url, CALLBACKS), LOGIN_RATE_LIMIT: '100000' };
    gateways = [
      await startRedisGateway(sandbox, redis.url, env),
      await startRedisGateway(sandbox, redis.url, env),
    ];
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  it('1,000 concurrent cold logins over both corps and both instances fetch one token per corp', async () => {
    const [a, b] = gateways as [GatewayUnderTest, GatewayUnderTest];
    sandbox.control.resetCalls();
    const logins = Array.from({ length: 1_000 }, (_, index) => {
      const gateway = index % 2 === 0 ? a : b;
      return index % 4 < 2
        ? login(gateway, 'lisi')
        : login(gateway, 'chenhao', { user: SUBSIDIARY_CORP_ID, asked: SUBSIDIARY_CORP_ID });
    });
    const answers = await Promise.all(logins);
    expect(answers.filter((answer) => answer.status !== 201).map((answer) => answer.text)).toEqual([]);
    // Two gettokens reached the sandbox, and the instances' metrics say whose: one per corp.
    expect(sandbox.control.calls().byPath['/cgi-bin/gettoken']).toBe(2);
    const fetches = (corpId: string) => (text: string) =>
      Number(
        new RegExp(
          `wecom_auth_access_token_fetches_total\\{outcome="success",corp="${corpId}"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    const metrics = await Promise.all(
      gateways.map(async (gateway) => (await gateway.call('GET', '/metrics')).text),
    );
    for (const corpId of [DEMO_CORP_ID, SUBSIDIARY_CORP_ID]) {
      expect(metrics.map(fetches(corpId)).reduce((sum, count) => sum + count, 0)).toBe(1);
    }
  });

  it('a leaver of one corp is refused by both instances within 1 s; the same userid in the other corp is not', async () => {
    const [a, b] = gateways as [GatewayUnderTest, GatewayUnderTest];
    const subsidiary = String(
      (await login(a, 'lisi', { user: SUBSIDIARY_CORP_ID, asked: SUBSIDIARY_CORP_ID })).body?.accessToken,
    );
    const parent = String((await login(b, 'lisi')).body?.accessToken);
    // Only instance A receives callbacks, as behind a load balancer.
    await connectCallbacks(sandbox, a.gateway.url);
    await sandbox.control.deleteUser('lisi', { corpid: SUBSIDIARY_CORP_ID });
    const refusedEverywhere = async () => {
      for (const gateway of gateways) {
        if ((await gateway.call('GET', '/v1/verify', { token: subsidiary })).status !== 401) return false;
      }
      return true;
    };
    expect(await eventually(refusedEverywhere, 1_000)).toBe(true);
    for (const gateway of gateways) {
      expect((await gateway.call('GET', '/v1/verify', { token: parent })).status).toBe(204);
    }
  });
});
