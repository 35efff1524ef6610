/**
 * `wecom-auth rotate-keys` against the Redis that two running instances share: both pick up the new key by
 * themselves, sign with it, and keep verifying the tokens signed before the rotation.
 */
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  demoGatewayEnv,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  runGatewayCli,
  startRedisGateway,
} from '@wecom-auth/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the key rotation tests', 14);

describe.skipIf(redis.unreachable)('rotate-keys across running instances', () => {
  let sandbox: Sandbox;
  let gateways: GatewayUnderTest[] = [];

  beforeAll(async () => {
    await flushDatabase(redis.url);
    sandbox = await createSandbox({ port: 0 });
    gateways = await Promise.all(
      [0, 1].map(() => startRedisGateway(sandbox, redis.url, {}, { keyCheckIntervalMs: 100 })),
    );
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  it('both instances switch to the new key and still accept tokens signed with the old one', async () => {
    const [first, second] = gateways as [GatewayUnderTest, GatewayUnderTest];
    const before = await first.attemptLogin('zhangsan');
    expect(before.status).toBe(201);
    const oldToken = before.body?.accessToken as string;
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotated = await runGatewayCli(['rotate-keys'], {
      ...demoGatewayEnv(),
      REDIS_URL: redis.url,
      LOG_LEVEL: 'warn',
    });
    expect(rotated.code).toBe(0);
    const newKid = /Active: (\S+)/.exec(rotated.output)?.[1];
    expect(newKid).toBeDefined();
    expect(newKid).not.toBe(oldKid);
    expect(rotated.output).not.toContain(DEMO_APP.secret);

    for (const gateway of [first, second]) {
      const switched = await eventually(async () => {
        const jwks = (await gateway.call('GET', '/.well-known/jwks.json')).body as {
          keys: { kid: string }[];
        };
        return jwks.keys.some((key) => key.kid === newKid);
      }, 5_000);
      expect(switched).toBe(true);
      const jwks = (await gateway.call('GET', '/.well-known/jwks.json')).body as { keys: { kid: string }[] };
      expect(jwks.keys.map((key) => key.kid)).toContain(oldKid);
    }

    const after = await second.attemptLogin('lisi');
    expect(after.status).toBe(201);
    const newToken = after.body?.accessToken as string;
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    for (const gateway of [first, second]) {
      expect((await gateway.call('GET', '/v1/verify', { token: oldToken })).status).toBe(204);
      expect((await gateway.call('GET', '/v1/verify', { token: newToken })).status).toBe(204);
    }
  });

  it('refuses to run with an invalid configuration, exit code 2', async () => {
    const result = await runGatewayCli(['rotate-keys'], { REDIS_URL: 'http://not-redis', LOG_LEVEL: 'warn' });
    expect(result.code).toBe(2);
    expect(result.output).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
  });
});
