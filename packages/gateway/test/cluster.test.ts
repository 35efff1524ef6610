/**
 * Four gateway processes on four ports, one Redis, one sandbox: the properties that only hold across processes.
 * A cold start under 2,000 concurrent logins costs one gettoken; a logout on one instance is refused by another
 * within a second; one refresh token used on two instances at once rotates once and gives both the same pair;
 * Redis killed and restarted mid-run costs 503s, never a 500, and the instances recover by themselves without losing
 * what was acknowledged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  type ChildGateway,
  demoGatewayEnv,
  eventually,
  exchangeJson,
  flushDatabase,
  freePort,
  type JsonAnswer,
  redisForTests,
  ScratchRedis,
  spawnGateway,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the cluster tests', 11);

type Answer = JsonAnswer;

/** One HTTP exchange; aborted (and so failed) if it hangs, since a lost Redis must never hold a request. */
function send(
  url: string,
  options: { method?: string; body?: unknown; token?: string } = {},
): Promise<Answer> {
  return exchangeJson(url, { ...options, timeoutMs: 20_000 });
}

/** Runs `count` tasks with at most `limit` in flight. */
async function bounded<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    for (let index = next++; index < count; index = next++) results[index] = await task(index);
  });
  await Promise.all(lanes);
  return results;
}

function gatewayEnv(sandbox: Sandbox, redisUrl: string): Record<string, string> {
  return {
    ...demoGatewayEnv(sandbox.url),
    REDIS_URL: redisUrl,
    LOGIN_RATE_LIMIT: '1000000',
    LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
    LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
    // Two cores carry the sandbox, the load and four gateways: WeCom's answers may be slow, and the point here is
    // the token, not WeCom's latency.
    WECOM_TIMEOUT_MS: '15000',
  };
}

let sandbox: Sandbox;
let activeUsers: string[] = [];

beforeAll(async () => {
  if (redis.unreachable) return;
  sandbox = await createSandbox({ port: 0 });
  activeUsers =
    sandbox.control
      .directory()
      .corps.find((corp) => corp.corpId === DEMO_CORP_ID)
      ?.users.filter((user) => user.status === 1)
      .map((user) => user.userid) ?? [];
});

afterAll(async () => {
  await sandbox?.close();
});

async function login(gateway: ChildGateway, userid: string): Promise<Answer> {
  return send(`${gateway.url}/v1/sessions`, {
    method: 'POST',
    body: { code: sandbox.control.login({ userid }).code },
  });
}

describe.skipIf(redis.unreachable)('four gateway processes sharing one Redis', () => {
  let gateways: ChildGateway[] = [];

  beforeAll(async () => {
    await flushDatabase(redis.url);
    gateways = await Promise.all(
      Array.from({ length: 4 }, () => spawnGateway(gatewayEnv(sandbox, redis.url))),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.kill('SIGTERM')));
    await flushDatabase(redis.url);
  });

  const instance = (index: number): ChildGateway => {
    const gateway = gateways[index % gateways.length];
    if (!gateway) throw new Error('no gateway');
    return gateway;
  };

  it('2,000 concurrent logins spread over the four on a cold start cause exactly one gettoken', async () => {
    expect(sandbox.control.calls().byPath['/cgi-bin/gettoken'] ?? 0).toBe(0);
    const statuses = await bounded(2_000, 100, async (index) => {
      const answer = await login(instance(index), activeUsers[index % activeUsers.length] ?? 'zhangsan');
      return answer.status === 201 ? 201 : JSON.stringify(answer.body);
    });
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
    const calls = sandbox.control.calls();
    expect(calls.byPath['/cgi-bin/gettoken']).toBe(1);
    expect(calls.byPath['/cgi-bin/miniprogram/jscode2session']).toBe(2_000);
  }, 60_000);

  it('a logout on instance 1 is refused by instance 3 within one second', async () => {
    const session = await login(instance(0), 'lisi');
    expect(session.status).toBe(201);
    const token = session.body?.accessToken as string;
    // Instance 3 has verified the token once, so it sits in its verified-token cache: only the mirror can stop it.
    expect((await send(`${instance(2).url}/v1/verify`, { token })).status).toBe(204);

    expect((await send(`${instance(0).url}/v1/sessions/current`, { method: 'DELETE', token })).status).toBe(
      204,
    );
    let last: Answer | undefined;
    const refused = await eventually(async () => {
      last = await send(`${instance(2).url}/v1/verify`, { token });
      return last.status === 401;
    }, 1_000);
    expect(refused).toBe(true);
    expect(last?.body).toMatchObject({ error: 'session_revoked' });
  });

  it('one refresh token presented to two instances at once rotates once: both get the same pair', async () => {
    for (let round = 0; round < 10; round++) {
      const session = await login(instance(round), 'zhangsan');
      expect(session.status).toBe(201);
      const refreshToken = session.body?.refreshToken as string;
      const answers = await Promise.all(
        [instance(round + 1), instance(round + 3)].map((gateway) =>
          send(`${gateway.url}/v1/sessions/refresh`, { method: 'POST', body: { refreshToken } }),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      // The loser presented the token the winner had just rotated, within the reuse interval: the winner's answer.
      const [first, second] = answers.map((answer) => answer.body?.refreshToken);
      expect(first).toBeTypeOf('string');
      expect(second).toBe(first);
      expect(first).not.toBe(refreshToken);
    }
  });
});

describe.skipIf(redis.unreachable)('Redis killed and restarted under two gateway processes', () => {
  let scratch: ScratchRedis;
  let dataDir: string;
  let gateways: ChildGateway[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-cluster-redis-'));
    // appendfsync always: every acknowledged write is on disk before Redis answers, so a kill -9 loses nothing.
    scratch = new ScratchRedis(await freePort(), { dir: dataDir, appendFsync: 'always' });
    await scratch.start();
    gateways = await Promise.all(
      Array.from({ length: 2 }, () => spawnGateway(gatewayEnv(sandbox, scratch.url))),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.kill('SIGTERM')));
    await scratch?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503, never 500, while Redis is away, and recovers by itself with nothing acknowledged lost', async () => {
    const [first, second] = gateways as [ChildGateway, ChildGateway];
    const seen: number[] = [];
    const track = async (answer: Promise<Answer>): Promise<Answer> => {
      const settled = await answer;
      seen.push(settled.status);
      return settled;
    };

    const before = await track(login(first, 'zhangsan'));
    expect(before.status).toBe(201);
    const refreshToken = before.body?.refreshToken as string;
    const accessToken = before.body?.accessToken as string;

    await scratch.stop();
    // Every kind of request, on both instances, until both report the store lost.
    const lost = await eventually(async () => {
      const answers = await Promise.all(
        [first, second].flatMap((gateway) => [
          track(send(`${gateway.url}/readyz`)),
          track(send(`${gateway.url}/v1/verify`, { token: accessToken })),
          track(login(gateway, 'lisi')),
        ]),
      );
      return answers.every((answer) => answer.status === 503);
    }, 10_000);
    expect(lost).toBe(true);
    const refused = await track(login(second, 'lisi'));
    expect(refused.body).toMatchObject({ error: 'store_unavailable' });
    const logout = await track(
      send(`${first.url}/v1/sessions/current`, { method: 'DELETE', token: accessToken }),
    );
    expect(logout.status).toBe(503);

    await scratch.start();
    const recovered = await eventually(
      async () => {
        const answers = await Promise.all(
          [first, second].map((gateway) => track(send(`${gateway.url}/readyz`))),
        );
        return answers.every((answer) => answer.status === 200);
      },
      20_000,
      100,
    );
    expect(recovered).toBe(true);

    // The session acknowledged before the crash is still there: its token verifies and its refresh rotates.
    expect((await track(send(`${second.url}/v1/verify`, { token: accessToken }))).status).toBe(204);
    const refreshed = await track(
      send(`${second.url}/v1/sessions/refresh`, { method: 'POST', body: { refreshToken } }),
    );
    expect(refreshed.status).toBe(200);
    expect((await track(login(second, 'lisi'))).status).toBe(201);

    // Revocations travel again after the reconnect.
    const next = refreshed.body?.accessToken as string;
    expect(
      (await track(send(`${second.url}/v1/sessions/current`, { method: 'DELETE', token: next }))).status,
    ).toBe(204);
    const propagated = await eventually(
      async () => (await track(send(`${first.url}/v1/verify`, { token: next }))).status === 401,
      1_000,
    );
    expect(propagated).toBe(true);
    expect(seen.filter((status) => status >= 500 && status !== 503)).toEqual([]);
  }, 60_000);
});
