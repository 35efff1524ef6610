/**
 * WeCom's quota protected: a code that cannot be a `wx.qy.login` code is refused before any WeCom call, and past a
 * corp's login budget (below WeCom's own limit) logins are shed with 429 before WeCom would answer 45009 — except
 * from addresses that logged in before, which keep a reserve. A flood from rotating addresses thus never gets the
 * corp blocked, and an office that logged in before still gets in. On Redis the budget is one for all instances.
 */
import { randomBytes } from 'node:crypto';
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
  startRedisGateway,
} from '@wecom-auth/testing';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const redis = await redisForTests('the login budget tests on Redis', 3);

let t: GatewayUnderTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A login from `address` (the gateway believes X-Forwarded-For here: each address is another client). */
async function loginFrom(
  gateway: GatewayUnderTest,
  address: string,
  code: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | undefined }> {
  const answer = await gateway.gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'x-forwarded-for': address },
    payload: { code },
  });
  return {
    status: answer.statusCode,
    body: answer.json<Record<string, unknown>>(),
    retryAfter: answer.headers['retry-after'],
  };
}

const fakeCode = (): string => randomBytes(16).toString('hex');
const jscode2session = (sandbox: Sandbox): number =>
  sandbox.control.calls().byPath['/cgi-bin/miniprogram/jscode2session'] ?? 0;

describe('codes that cannot be WeCom codes', () => {
  it('are refused with 401 code_invalid before any WeCom call, whatever they are', async () => {
    t = await startGatewayUnderTest({ env: { LOGIN_RATE_LIMIT: '1000000' } });
    t.sandbox.control.resetCalls();
    const notCodes = fc.oneof(
      fc.string({ maxLength: 15 }),
      fc.string({ minLength: 129, maxLength: 512 }),
      fc.string({ minLength: 16, maxLength: 128 }).filter((text) => /[^A-Za-z0-9\-_.~+/=]/.test(text)),
    );
    await fc.assert(
      fc.asyncProperty(notCodes, async (code) => {
        const answer = await loginFrom(t as GatewayUnderTest, '198.51.100.1', code);
        // An empty code is the schema's to refuse (400); anything else that is a string is not a code (401).
        if (code.length === 0) expect(answer.status).toBe(400);
        else expect(answer.body).toMatchObject({ error: 'code_invalid' });
        expect(answer.body.wecom).toBeUndefined();
      }),
      { numRuns: 200 },
    );
    expect(jscode2session(t.sandbox)).toBe(0);
    // A code of the right shape goes to WeCom, which refuses it.
    const plausible = await loginFrom(t, '198.51.100.1', fakeCode());
    expect(plausible.body).toMatchObject({ error: 'code_invalid', wecom: { errcode: 40029 } });
    expect(jscode2session(t.sandbox)).toBe(1);
  });
});

describe("a corp's login budget", () => {
  it('sheds a flood from rotating addresses with 429 before WeCom says 45009; proven addresses keep a reserve', async () => {
    // WeCom (the sandbox) blocks the corp past 40 jscode2session a minute; the gateway's budget is 20, a fifth of it
    // kept for addresses that logged in before. The gateway's clock stands still: the test stays in one minute.
    t = await startGatewayUnderTest({
      sandbox: { limits: { corpPerMinute: 40 } },
      clock: 'manual',
      env: { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT: '1000000', LOGIN_CORP_BUDGET_PER_MINUTE: '20' },
    });
    const office = '198.51.100.7';
    expect((await loginFrom(t, office, t.code('zhangsan'))).status).toBe(201);

    // The flood: plausible codes, each from another address. 15 more fit in the open 16; the rest are shed.
    const answers = [];
    for (let i = 0; i < 60; i++) answers.push(await loginFrom(t, `203.0.113.${i + 1}`, fakeCode()));
    const toWecom = answers.filter((answer) => answer.body.error === 'code_invalid');
    const shed = answers.filter((answer) => answer.status === 429);
    expect(toWecom).toHaveLength(15);
    expect(shed).toHaveLength(45);
    for (const answer of shed) {
      expect(answer.body).toMatchObject({ error: 'login_budget_exhausted' });
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
    }
    // WeCom never got to its limit.
    expect(t.sandbox.control.calls().byErrcode['45009']).toBeUndefined();
    expect(jscode2session(t.sandbox)).toBe(16);

    // The office that logged in before still gets in, from the reserve; an address never seen waits.
    expect((await loginFrom(t, office, t.code('lisi'))).status).toBe(201);
    expect((await loginFrom(t, '192.0.2.50', t.code('zhouba'))).body).toMatchObject({
      error: 'login_budget_exhausted',
    });
    // The reserve ends too, before WeCom's limit: 20 calls in all.
    for (let i = 0; i < 3; i++) expect((await loginFrom(t, office, t.code('wujiu'))).status).toBe(201);
    expect((await loginFrom(t, office, t.code('wujiu'))).status).toBe(429);
    expect(jscode2session(t.sandbox)).toBe(20);

    // Counted, and recorded as refused logins.
    const metrics = (await t.call('GET', '/metrics')).text;
    expect(metrics).toContain(`wecom_auth_logins_shed_total{corp="${DEMO_CORP_ID}"} 47`);
    await t.gateway.services.events.flush();
    const refused = await t.gateway.services.store.events.list({ type: 'login.refused', limit: 1_000 });
    expect(refused.events.filter((event) => event.reason === 'login_budget_exhausted')).toHaveLength(47);

    // The next minute, anyone may log in again.
    t.advanceClock(60_000);
    expect((await loginFrom(t, '192.0.2.50', t.code('zhouba'))).status).toBe(201);
  });

  it('holds an hourly budget as well', async () => {
    t = await startGatewayUnderTest({
      clock: 'manual',
      env: {
        TRUST_PROXY: 'true',
        LOGIN_RATE_LIMIT: '1000000',
        LOGIN_CORP_BUDGET_PER_MINUTE: '100',
        LOGIN_CORP_BUDGET_PER_HOUR: '10',
      },
    });
    for (let i = 0; i < 8; i++) expect((await loginFrom(t, `203.0.113.${i}`, fakeCode())).status).toBe(401);
    const shed = await loginFrom(t, '203.0.113.200', fakeCode());
    expect(shed.status).toBe(429);
    // Retry-After points at the end of the hour, not of the minute.
    expect(Number(shed.retryAfter)).toBeGreaterThan(0);
    expect(Number(shed.retryAfter)).toBeLessThanOrEqual(3_600);
    t.advanceClock(3_600_000);
    expect((await loginFrom(t, '203.0.113.200', t.code('zhangsan'))).status).toBe(201);
  });
});

describe.skipIf(redis.unreachable)("a corp's login budget on two instances sharing Redis", () => {
  let sandbox: Sandbox;
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  it('is one budget: what one instance spent, the other cannot spend again', async () => {
    await flushDatabase(redis.url);
    // Both count in the same minute: wait out the end of one that is nearly over.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    sandbox = await createSandbox({ port: 0 });
    const env = { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT: '1000000', LOGIN_CORP_BUDGET_PER_MINUTE: '10' };
    a = await startRedisGateway(sandbox, redis.url, env);
    b = await startRedisGateway(sandbox, redis.url, env);
    // The open share is 8: five through one instance, three through the other, and the ninth is shed by either.
    for (let i = 0; i < 5; i++) expect((await loginFrom(a, `203.0.113.${i}`, fakeCode())).status).toBe(401);
    for (let i = 5; i < 8; i++) expect((await loginFrom(b, `203.0.113.${i}`, fakeCode())).status).toBe(401);
    expect((await loginFrom(a, '203.0.113.100', fakeCode())).body).toMatchObject({
      error: 'login_budget_exhausted',
    });
    expect((await loginFrom(b, '203.0.113.101', fakeCode())).body).toMatchObject({
      error: 'login_budget_exhausted',
    });
    expect(jscode2session(sandbox)).toBe(8);
  }, 90_000);
});
