/**
 * Two gateway instances on one Redis: a leaver's revocation, received by one instance's callback, reaches the other
 * through the store's revocation feed within a second.
 */
import { createSandbox, type Sandbox } from '@wecom-auth/sandbox';
import {
  callbackEnv,
  connectSandbox,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startRedisGateway,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the callback cluster tests', 9);

let sandbox: Sandbox;
let gateways: GatewayUnderTest[] = [];

beforeAll(async () => {
  if (redis.unreachable) return;
  await flushDatabase(redis.url);
  sandbox = await createSandbox({ port: 0 });
  gateways = [
    await startRedisGateway(sandbox, redis.url, callbackEnv),
    await startRedisGateway(sandbox, redis.url, callbackEnv),
  ];
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await sandbox?.close();
  if (!redis.unreachable) await flushDatabase(redis.url);
});

describe.skipIf(redis.unreachable)('callbacks across instances (Redis)', () => {
  it('a deleted employee is refused by both instances within 1 s', async () => {
    const [a, b] = gateways as [GatewayUnderTest, GatewayUnderTest];
    const onA = await a.attemptLogin('zhangsan');
    const onB = await b.attemptLogin('zhangsan');
    expect(onA.status).toBe(201);
    expect(onB.status).toBe(201);
    const tokens = [String(onA.body?.accessToken), String(onB.body?.accessToken)];
    for (const gateway of gateways) {
      for (const token of tokens)
        expect((await gateway.call('GET', '/v1/verify', { token })).status).toBe(204);
    }

    // Only instance A receives the callback, as behind a load balancer.
    await connectSandbox(sandbox, a.gateway.url);
    await sandbox.control.deleteUser('zhangsan');

    const refusedEverywhere = async (): Promise<boolean> => {
      for (const gateway of gateways) {
        for (const token of tokens) {
          if ((await gateway.call('GET', '/v1/verify', { token })).status !== 401) return false;
        }
      }
      return true;
    };
    expect(await eventually(refusedEverywhere, 1_000)).toBe(true);
  });
});
