/**
 * `POST /v1/me/decrypt` over real HTTP, with data the client forged: in AES-CBC the first plaintext block is
 * `D(C1) XOR IV` and the client chooses the IV, so it can rewrite the first 16 bytes. Decrypted on one instance,
 * read on another (SQLite: one instance; Redis: two).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { createSandbox, DEMO_APP, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
  startRedisGateway,
} from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';

/** An app created after 2022-06-20: user/get gives no mobile or email, so only the client can relay them. */
const PRIVATE_APP_SECRET = 'demo-private-secret';
const redisPrivate = await redisForTests('the client-relayed data tests', 4);
const redisClassic = await redisForTests('the client-relayed data tests', 5);

/** Two instances: where data is decrypted, and where it is read back. One and the same on SQLite. */
interface Pair {
  readonly a: GatewayUnderTest;
  readonly b: GatewayUnderTest;
  readonly secret: string;
}

/** The IV that turns the first 16 bytes of `plaintext` into `target` (same length), for data sealed with `iv`. */
function forgedIv(sealed: { iv: string; plaintext: string }, target: string): string {
  const iv = Buffer.from(sealed.iv, 'base64');
  const original = Buffer.from(sealed.plaintext, 'utf8').subarray(0, 16);
  const wanted = Buffer.from(target, 'utf8');
  expect(wanted.length).toBe(16);
  return Buffer.from(iv.map((byte, i) => byte ^ (original[i] ?? 0) ^ (wanted[i] ?? 0))).toString('base64');
}

/** The session_key of the session behind `accessToken`, read from the gateway's store. */
async function sessionKeyOf(t: GatewayUnderTest, secret: string, accessToken: string): Promise<string> {
  const { sid } = decodeJwt(accessToken) as { sid: string };
  const record = await t.gateway.services.store.sessions.get(sid);
  if (!record) throw new Error('no session record');
  return createDataSealer(deriveDataKey({ configuredKey: undefined, secret })).open(
    record.sessionKeyCiphertext,
    'session_key',
  );
}

/** `plaintext` encrypted with the session key, PKCS#7-padded unless `pad` is false. */
function sealBytes(sessionKey: string, plaintext: Buffer, pad = true): { encryptedData: string; iv: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), iv);
  cipher.setAutoPadding(pad);
  const encryptedData = Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
  return { encryptedData, iv: iv.toString('base64') };
}

const fixedIv = Buffer.alloc(16, 7).toString('base64');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function suite(
  name: string,
  start: () => Promise<{ private: Pair; classic: Pair; close: () => Promise<void> }>,
) {
  describe(name, () => {
    let pairs: { private: Pair; classic: Pair; close: () => Promise<void> };
    beforeAll(async () => {
      pairs = await start();
    });
    afterAll(async () => {
      await pairs?.close();
    });

    async function loggedIn(pair: Pair, userid: string) {
      const session = await pair.a.login(userid);
      return { token: String(session.accessToken), employee: session.employee as Record<string, unknown> };
    }

    it('keeps a forged mobile of a post-2022 app as the client’s word: never the profile’s mobile, nor a header', async () => {
      const { a, b } = pairs.private;
      const { token } = await loggedIn(pairs.private, 'zhangsan');
      const sealed = a.sandbox.control.encrypt({ userid: 'zhangsan', kind: 'mobile', iv: fixedIv });
      expect(sealed.plaintext.startsWith('{"mobile":"13800')).toBe(true);
      const iv = forgedIv(sealed, '{"mobile":"99999');
      const answer = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ kind: 'mobile', source: 'client' });
      const forged = String(answer.body?.mobile);
      expect(forged.startsWith('99999')).toBe(true);

      const me = await b.call('GET', '/v1/me', { token });
      expect(me.status).toBe(200);
      expect(me.body?.mobile).toBeUndefined();
      expect(me.body?.disclosed).toEqual({ mobile: { value: forged, source: 'client' } });
      const verify = await b.call('GET', '/v1/verify', { token });
      expect(verify.status).toBe(204);
      expect([...verify.headers.values()].join('\n')).not.toContain(forged);
    });

    it('refuses a forged mobile where user/get gives one, with 403 disclosure_mismatch, and stores nothing', async () => {
      const { a, b } = pairs.classic;
      const { token, employee } = await loggedIn(pairs.classic, 'zhangsan');
      expect(employee.mobile).toMatch(/^1380000/);
      const sealed = a.sandbox.control.encrypt({ userid: 'zhangsan', kind: 'mobile', iv: fixedIv });
      const forged = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: forgedIv(sealed, '{"mobile":"99999') },
      });
      expect(forged.status).toBe(403);
      expect(forged.body).toMatchObject({ error: 'disclosure_mismatch' });
      const me = await b.call('GET', '/v1/me', { token });
      expect(me.body?.mobile).toBe(employee.mobile);
      expect(me.body?.disclosed).toBeUndefined();

      const genuine = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: sealed.iv },
      });
      expect(genuine.status).toBe(200);
      expect(genuine.body).toMatchObject({ kind: 'mobile', mobile: employee.mobile, source: 'wecom' });
    });

    it('refuses a mobile moved into the email field where user/get gives the email', async () => {
      const { a, b } = pairs.classic;
      const { token, employee } = await loggedIn(pairs.classic, 'lisi');
      const sealed = a.sandbox.control.encrypt({ userid: 'lisi', kind: 'mobile', iv: fixedIv });
      const answer = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: forgedIv(sealed, '{"email":"a@b.cn') },
      });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: 'disclosure_mismatch' });
      expect((await b.call('GET', '/v1/me', { token })).body?.email).toBe(employee.email);
    });

    it('refuses user info whose corpid was rewritten, and checks rawData and signature when sent', async () => {
      const { a } = pairs.classic;
      const { token } = await loggedIn(pairs.classic, 'zhangsan');
      const sealed = a.sandbox.control.encrypt({
        userid: 'zhangsan',
        kind: 'enterprise_user_info',
        iv: fixedIv,
      });
      expect(sealed.plaintext.startsWith(`{"corpid":"${DEMO_CORP_ID.slice(0, 5)}`)).toBe(true);
      const rewritten = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: forgedIv(sealed, '{"corpid":"wwsub') },
      });
      expect(rewritten.status).toBe(403);
      expect(rewritten.body).toMatchObject({ error: 'disclosure_mismatch' });

      const { rawData, signature } = sealed as { rawData: string; signature: string };
      const signed = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: sealed.iv, rawData, signature },
      });
      expect(signed.status).toBe(200);
      expect(signed.body).toMatchObject({
        kind: 'enterprise_user_info',
        corpid: DEMO_CORP_ID,
        userid: 'zhangsan',
        source: 'client',
      });

      const otherName = rawData.replace(/"name":"[^"]*"/, '"name":"李四"');
      for (const body of [
        { rawData, signature: signature.replace(/^./, signature.startsWith('0') ? '1' : '0') },
        { rawData: otherName, signature },
      ]) {
        const refused = await a.call('POST', '/v1/me/decrypt', {
          token,
          body: { encryptedData: sealed.encryptedData, iv: sealed.iv, ...body },
        });
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ error: 'signature_invalid' });
      }
    });

    it.each([
      ['ten years ahead', 10 * 365 * 86_400],
      ['696 s old', -696],
    ])('refuses data whose watermark is %s with 400 watermark_expired', async (_label, offset) => {
      const { a } = pairs.private;
      const { token } = await loggedIn(pairs.private, 'zhangsan');
      const sealed = a.sandbox.control.encrypt({
        userid: 'zhangsan',
        kind: 'mobile',
        watermarkTimestamp: nowSeconds() + offset,
      });
      const answer = await a.call('POST', '/v1/me/decrypt', {
        token,
        body: { encryptedData: sealed.encryptedData, iv: sealed.iv },
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: 'watermark_expired' });
    });

    it('answers bad padding, bad UTF-8, bad JSON and a missing watermark alike (no padding oracle)', async () => {
      const { a, secret } = pairs.private;
      const { token } = await loggedIn(pairs.private, 'zhangsan');
      const sessionKey = await sessionKeyOf(a, secret, token);
      const unpadded = Buffer.alloc(32, 0x41);
      const hostile = [
        sealBytes(sessionKey, unpadded, false),
        sealBytes(
          sessionKey,
          Buffer.concat([Buffer.from('{"mobile":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
        ),
        sealBytes(sessionKey, Buffer.from('{"mobile":"13800138000",')),
        sealBytes(sessionKey, Buffer.from('{"mobile":"13800138000"}')),
      ];
      const answers = await Promise.all(
        hostile.map((body) => a.call('POST', '/v1/me/decrypt', { token, body })),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.body?.error).toBe('decrypt_failed');
        expect(answer.body?.message).toBe(answers[0]?.body?.message);
      }
    });
  });
}

suite('client-relayed data (SQLite)', async () => {
  const sandbox = await createSandbox({ port: 0 });
  const privateGateway = await startGatewayUnderTest({
    sharedSandbox: sandbox,
    env: { WECOM_SECRET: PRIVATE_APP_SECRET },
  });
  const classicGateway = await startGatewayUnderTest({ sharedSandbox: sandbox });
  return {
    private: { a: privateGateway, b: privateGateway, secret: PRIVATE_APP_SECRET },
    classic: { a: classicGateway, b: classicGateway, secret: DEMO_APP.secret },
    close: async () => {
      await privateGateway.close();
      await classicGateway.close();
      await sandbox.close();
    },
  };
});

describe.skipIf(redisPrivate.unreachable || redisClassic.unreachable)('on Redis', () => {
  suite('client-relayed data (Redis, two instances)', async () => {
    await flushDatabase(redisPrivate.url);
    await flushDatabase(redisClassic.url);
    const sandbox: Sandbox = await createSandbox({ port: 0 });
    const env = { WECOM_SECRET: PRIVATE_APP_SECRET };
    const gateways = [
      await startRedisGateway(sandbox, redisPrivate.url, env),
      await startRedisGateway(sandbox, redisPrivate.url, env),
      await startRedisGateway(sandbox, redisClassic.url),
      await startRedisGateway(sandbox, redisClassic.url),
    ] as const;
    return {
      private: { a: gateways[0], b: gateways[1], secret: PRIVATE_APP_SECRET },
      classic: { a: gateways[2], b: gateways[3], secret: DEMO_APP.secret },
      close: async () => {
        for (const gateway of gateways) await gateway.close();
        await sandbox.close();
        await flushDatabase(redisPrivate.url);
        await flushDatabase(redisClassic.url);
      },
    };
  });
});
