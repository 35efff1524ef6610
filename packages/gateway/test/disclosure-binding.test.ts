/**
 * Disclosed data belongs to the session that disclosed it: an employee decrypts their mobile and email, leaves
 * (deleted; the callback revokes the session), and their userid is given to a new hire, whose login and `/v1/me`
 * must not show the departed employee's details. On SQLite, and on Redis across two instances.
 */
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  callbackEnv,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
  startRedisGateway,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmployeeDirectory } from '../src/employees/employee-directory.js';

/** An app created after 2022-06-20 (user/get gives no mobile or email), with its own callback. */
const PRIVATE_APP = { agentId: 1000004, secret: 'demo-private-secret' } as const;
const env = { ...callbackEnv, WECOM_SECRET: PRIVATE_APP.secret };
const redis = await redisForTests('the disclosure binding tests', 6);

function suite(
  name: string,
  start: () => Promise<{ a: GatewayUnderTest; b: GatewayUnderTest; close: () => Promise<void> }>,
) {
  describe(name, () => {
    let a: GatewayUnderTest;
    let b: GatewayUnderTest;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ a, b, close } = await start());
      await a.sandbox.control.setCallback({
        agentId: PRIVATE_APP.agentId,
        url: `${a.gateway.url}/v1/callback`,
        token: CALLBACK_TOKEN,
        encodingAESKey: CALLBACK_AES_KEY,
      });
    });
    afterAll(async () => {
      await close?.();
    });

    async function disclose(token: string, kind: 'mobile' | 'email'): Promise<string> {
      const { encryptedData, iv } = a.sandbox.control.encrypt({ userid: 'zhangsan', kind });
      const answer = await a.call('POST', '/v1/me/decrypt', { token, body: { encryptedData, iv } });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ kind, source: 'client' });
      return String(answer.body?.[kind]);
    }

    it('shows disclosures to the disclosing session only, and not to a new hire given the same userid', async () => {
      const departed = String((await a.login('zhangsan')).accessToken);
      const mobile = await disclose(departed, 'mobile');
      const email = await disclose(departed, 'email');
      const seen = await b.call('GET', '/v1/me', { token: departed });
      expect(seen.body?.disclosed).toEqual({
        mobile: { value: mobile, source: 'client' },
        email: { value: email, source: 'client' },
      });

      // Another session of the same userid (another phone) sees nothing of it.
      const other = String((await b.login('zhangsan')).accessToken);
      const otherMe = await a.call('GET', '/v1/me', { token: other });
      expect(otherMe.status).toBe(200);
      expect(otherMe.body?.disclosed).toBeUndefined();
      expect(otherMe.body?.mobile).toBeUndefined();

      // zhangsan leaves: WeCom deletes them and the callback revokes their sessions.
      await a.sandbox.control.deleteUser('zhangsan');
      expect(
        await eventually(
          async () => (await b.call('GET', '/v1/verify', { token: departed })).status === 401,
          2_000,
        ),
      ).toBe(true);
      // The departure also drops what the departed employee disclosed, in the store every instance shares.
      const disclosedKey = EmployeeDirectory.disclosedKey(DEMO_CORP_ID, 'zhangsan');
      expect(
        await eventually(
          async () => (await b.gateway.services.store.cache.get(disclosedKey)) === undefined,
          2_000,
        ),
      ).toBe(true);

      // The userid is given to a new hire, who has no mobile or email of their own in WeCom.
      await a.sandbox.control.createUser({ userid: 'zhangsan', name: '张新', department: [1], status: 1 });
      const hired = await b.attemptLogin('zhangsan');
      expect(hired.status).toBe(201);
      const employee = hired.body?.employee as Record<string, unknown>;
      expect(employee.name).toBe('张新');
      expect(employee.mobile).toBeUndefined();
      expect(employee.email).toBeUndefined();
      expect(hired.text).not.toContain(mobile);
      expect(hired.text).not.toContain(email);
      for (const gateway of [a, b]) {
        const me = await gateway.call('GET', '/v1/me', { token: String(hired.body?.accessToken) });
        expect(me.status).toBe(200);
        expect(me.body?.name).toBe('张新');
        expect(me.text).not.toContain(mobile);
        expect(me.text).not.toContain(email);
      }
    });
  });
}

suite('disclosures bound to their session (SQLite)', async () => {
  const t = await startGatewayUnderTest({ env });
  return { a: t, b: t, close: () => t.close() };
});

describe.skipIf(redis.unreachable)('on Redis', () => {
  suite('disclosures bound to their session (Redis, two instances)', async () => {
    await flushDatabase(redis.url);
    const sandbox: Sandbox = await createSandbox({ port: 0 });
    const a = await startRedisGateway(sandbox, redis.url, env);
    const b = await startRedisGateway(sandbox, redis.url, env);
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        await sandbox.close();
        await flushDatabase(redis.url);
      },
    };
  });
});
