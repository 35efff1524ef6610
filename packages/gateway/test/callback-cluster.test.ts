/**
 * Two gateway instances on one Redis: a leaver's revocation, received by one instance's callback, reaches the other
 * through the store's revocation feed within a second.
 */
import { createSandbox, type Sandbox } from '@wecom-auth/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackEnv, connectSandbox, within } from './callback-fixtures.js';
import { flushDatabase, type InProcessGateway, redisForTests, startRedisGateway } from './redis-fixtures.js';

const redis = await redisForTests('the callback cluster tests', 9);

let sandbox: Sandbox;
let gateways: InProcessGateway[] = [];

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

describe.skipIf(redis.unreachable !== undefined)('callbacks across instances (Redis)', () => {
  it('a deleted employee is refused by both instances within 1 s', async () => {
    const [a, b] = gateways as [InProcessGateway, InProcessGateway];
    const onA = await a.login('zhangsan');
    const onB = await b.login('zhangsan');
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
    expect(await within(1_000, refusedEverywhere)).toBe(true);
  });
});
