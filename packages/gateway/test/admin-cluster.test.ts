/**
 * The admin API's revocations on two gateway instances sharing one Redis: a session ended through one instance's
 * admin listener is refused by the other within a second, as a leaver's is, and only that session.
 */
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  eventually,
  exchangeJson,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startRedisGateway,
} from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the admin tests on two instances', 7);

const TOKEN = 'cluster-admin-token-0123456789abcdef';

describe.skipIf(redis.unreachable)('ending sessions through the admin API of one of two instances', () => {
  let sandbox: Sandbox;
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;

  beforeAll(async () => {
    await flushDatabase(redis.url);
    sandbox = await createSandbox({ port: 0 });
    const env = { WECOM_AUTH_ADMIN_TOKEN: TOKEN, ADMIN_PORT: '0' };
    a = await startRedisGateway(sandbox, redis.url, env);
    b = await startRedisGateway(sandbox, redis.url, env);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  const admin = (gateway: GatewayUnderTest, method: string, path: string) =>
    exchangeJson(`${gateway.gateway.adminUrl}${path}`, { method, token: TOKEN, timeoutMs: 10_000 });
  const verify = async (gateway: GatewayUnderTest, token: string): Promise<number> =>
    (await gateway.call('GET', '/v1/verify', { token })).status;

  it('one session: refused by the other instance within a second, the employee’s other session untouched', async () => {
    const first = String((await a.login('zhangsan')).accessToken);
    const second = String((await a.login('zhangsan')).accessToken);
    // Both instances know both tokens (each has verified them once).
    for (const gateway of [a, b])
      for (const token of [first, second]) expect(await verify(gateway, token)).toBe(204);
    const listed = await admin(b, 'GET', `/admin/v1/corps/${DEMO_CORP_ID}/employees/zhangsan/sessions`);
    expect(listed.body?.sessions).toHaveLength(2);

    const started = performance.now();
    const revoked = await admin(b, 'DELETE', `/admin/v1/sessions/${String(decodeJwt(first).sid)}`);
    expect(revoked.status).toBe(204);
    expect(await eventually(async () => (await verify(a, first)) === 401, 1_000, 10)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await verify(b, first)).toBe(401);
    expect(await verify(a, second)).toBe(204);
    expect(await verify(b, second)).toBe(204);
  });

  it('all of an employee’s sessions: refused on both instances within a second', async () => {
    const tokens = [String((await b.login('lisi')).accessToken), String((await a.login('lisi')).accessToken)];
    const other = String((await a.login('zhouba')).accessToken);
    for (const token of tokens) expect(await verify(b, token)).toBe(204);
    const started = performance.now();
    const answer = await admin(a, 'DELETE', `/admin/v1/corps/${DEMO_CORP_ID}/employees/lisi/sessions`);
    expect(answer.body).toMatchObject({ revoked: 2 });
    const refusedEverywhere = async (): Promise<boolean> => {
      for (const gateway of [a, b])
        for (const token of tokens) if ((await verify(gateway, token)) !== 401) return false;
      return true;
    };
    expect(await eventually(refusedEverywhere, 1_000, 10)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await verify(b, other)).toBe(204);
    // Either instance's event log shows both revocations: one log, shared.
    await a.gateway.services.events.flush();
    const events = await admin(b, 'GET', '/admin/v1/events?userid=lisi&type=session.revoked');
    expect(((events.body?.events ?? []) as { reason: string }[]).map((event) => event.reason)).toEqual([
      'admin',
      'admin',
    ]);
  });
});
