/**
 * Redis faults under real gateways: Redis unreachable at start, one instance cut off from Redis while another
 * revokes a session, and the login limit counted in Redis across instances.
 */
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  eventually,
  flushDatabase,
  freePort,
  type GatewayUnderTest,
  REDIS_HOST_PORT,
  redisForTests,
  ScratchRedis,
  SeverableLink,
  startRedisGateway,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the Redis fault tests', 12);

let sandbox: Sandbox;
const opened: GatewayUnderTest[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function open(redisUrl: string, env: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const gateway = await startRedisGateway(sandbox, redisUrl, env);
  opened.push(gateway);
  return gateway;
}

describe.skipIf(redis.unreachable)('Redis faults', () => {
  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0 });
    await flushDatabase(redis.url);
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((gateway) => gateway.close()));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  afterAll(async () => {
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  it('starts listening without Redis, answers 503 with a clear log line, and becomes ready when Redis comes', async () => {
    const scratch = new ScratchRedis(await freePort());
    cleanups.push(() => scratch.stop());
    const gateway = await open(scratch.url);

    expect(gateway.gateway.storeState()).toBe('starting');
    expect((await gateway.call('GET', '/healthz')).status).toBe(200);
    const readyz = await gateway.call('GET', '/readyz');
    expect(readyz.status).toBe(503);
    expect(readyz.body).toMatchObject({
      status: 'not_ready',
      store: { kind: 'redis', status: 'unavailable' },
      revocations: 'resyncing',
    });
    const line = gateway.logs.find((entry) => entry.includes('store unreachable at start'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      level: 50,
      store: 'redis',
      code: 'store_unavailable',
    });

    const login = await gateway.attemptLogin('zhangsan');
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ error: 'store_unavailable', requestId: expect.any(String) });
    expect((await gateway.call('GET', '/v1/verify', { token: 'a'.repeat(40) })).status).toBe(503);
    expect((await gateway.call('GET', '/.well-known/jwks.json')).status).toBe(503);

    await scratch.start();
    const ready = await eventually(
      async () => (await gateway.call('GET', '/readyz')).status === 200,
      15_000,
      100,
    );
    expect(ready).toBe(true);
    expect(gateway.gateway.storeState()).toBe('up');
    expect((await gateway.attemptLogin('zhangsan')).status).toBe(201);
    expect(gateway.logs.some((entry) => entry.includes('store reachable: the gateway is ready'))).toBe(true);
    expect(gateway.logs.join('\n')).not.toContain(DEMO_APP.secret);
  });

  it('an instance cut off from Redis refuses tokens, then resynchronises before it accepts them again', async () => {
    const link = await SeverableLink.open(Number(REDIS_HOST_PORT.split(':')[1]));
    cleanups.push(() => link.close());
    const connected = await open(redis.url);
    const isolated = await open(`redis://127.0.0.1:${link.port}/12`);

    const session = await connected.attemptLogin('zhangsan');
    expect(session.status).toBe(201);
    const token = session.body?.accessToken as string;
    expect((await isolated.call('GET', '/v1/verify', { token })).status).toBe(204);

    link.sever();
    // The instance notices at its next store check; from then on it refuses tokens rather than trust its mirror.
    let refused: Awaited<ReturnType<GatewayUnderTest['call']>> | undefined;
    const noticed = await eventually(
      async () => {
        refused = await isolated.call('GET', '/v1/verify', { token });
        return refused.status === 503;
      },
      10_000,
      50,
    );
    expect(noticed, 'the cut-off instance refuses tokens').toBe(true);
    expect(refused?.body).toMatchObject({ error: 'store_unavailable' });
    expect((await isolated.call('GET', '/readyz')).body).toMatchObject({ revocations: 'resyncing' });

    // Revoked while the isolated instance cannot hear it: the message published now never reaches it.
    expect((await connected.call('DELETE', '/v1/sessions/current', { token })).status).toBe(204);

    link.restore();
    const statuses: number[] = [];
    const settled = await eventually(
      async () => {
        const answer = await isolated.call('GET', '/v1/verify', { token });
        statuses.push(answer.status);
        return answer.status !== 503;
      },
      20_000,
      50,
    );
    expect(settled, 'the instance accepts requests again after the link is back').toBe(true);
    // Never a 204: the revocation it missed was read back before it accepted tokens again.
    expect(statuses.filter((status) => status !== 503)).toEqual([401]);
    expect((await isolated.call('GET', '/readyz')).status).toBe(200);
    // The store's own reconnect notice may have resynchronised the mirror first; the check logs at its next turn.
    expect(
      await eventually(() => isolated.logs.some((entry) => entry.includes('store reachable again')), 5_000),
    ).toBe(true);
    expect(isolated.logs.some((entry) => entry.includes('store unreachable: requests that need it'))).toBe(
      true,
    );
  });

  it('a hung Redis costs 503s, not hung requests, and the gateway recovers when it answers again', async () => {
    const scratch = new ScratchRedis(await freePort());
    cleanups.push(() => scratch.stop());
    await scratch.start();
    const gateway = await open(scratch.url);
    const session = await gateway.attemptLogin('zhangsan');
    expect(session.status).toBe(201);
    const refreshToken = session.body?.refreshToken as string;

    scratch.pause();
    // Each call is aborted (failing the test) if the gateway holds it instead of answering.
    const login = await gateway.attemptLogin('lisi');
    expect(login.status).toBe(503);
    expect(login.body).toMatchObject({ error: 'store_unavailable' });
    const refresh = await gateway.call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
    expect(refresh.status).toBe(503);
    expect(await eventually(async () => (await gateway.call('GET', '/readyz')).status === 503, 10_000)).toBe(
      true,
    );

    scratch.resume();
    expect(
      await eventually(async () => (await gateway.call('GET', '/readyz')).status === 200, 20_000, 100),
    ).toBe(true);
    expect((await gateway.call('POST', '/v1/sessions/refresh', { body: { refreshToken } })).status).toBe(200);
  });

  it('starts, with a fresh signing key, when the store answers but its keys cannot be opened', async () => {
    await flushDatabase(redis.url);
    const keyOne = Buffer.alloc(32, 1).toString('base64');
    const keyTwo = Buffer.alloc(32, 2).toString('base64');
    const first = await open(redis.url, { WECOM_AUTH_DATA_KEY: keyOne });
    const before = await first.attemptLogin('zhangsan');
    expect(before.status).toBe(201);
    // A data key changed without the old one as a fallback: what it sealed is lost, and the gateway says so once.
    const second = await open(redis.url, { WECOM_AUTH_DATA_KEY: keyTwo });
    expect(second.logs.filter((line) => line.includes('"code":"data_key_lost"'))).toHaveLength(1);
    expect((await second.attemptLogin('lisi')).status).toBe(201);
    const token = String(before.body?.accessToken);
    expect((await second.call('GET', '/v1/verify', { token })).status).toBe(204);
    // The instance still on the old key keeps serving with the key it holds (retired, still published).
    expect((await first.attemptLogin('zhangsan')).status).toBe(201);
  });

  it('counts the login limit in Redis, so it holds across instances', async () => {
    await flushDatabase(redis.url);
    const first = await open(redis.url, { LOGIN_RATE_LIMIT: '4' });
    const second = await open(redis.url, { LOGIN_RATE_LIMIT: '4' });
    const statuses: number[] = [];
    for (let index = 0; index < 8; index++) {
      const gateway = index % 2 === 0 ? first : second;
      const answer = await gateway.attemptLogin('lisi');
      statuses.push(answer.status);
      if (answer.status === 429) expect(answer.body).toMatchObject({ error: 'rate_limited' });
    }
    // In-process counters would have let 4 through on each instance.
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429, 429, 429]);
  });
});
