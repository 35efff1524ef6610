import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startGateway } from '@wecom-auth/gateway';
import {
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  callbackCrypto,
  callbackEnv,
  connectSandbox,
  eventually,
  type GatewayUnderTest,
  postCallback,
  sealEvent,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: GatewayUnderTest;

beforeAll(async () => {
  t = await startGatewayUnderTest({ env: callbackEnv });
  await connectSandbox(t.sandbox, t.gateway.url);
});

afterAll(async () => {
  await t?.close();
});

async function verifies(accessToken: unknown): Promise<number> {
  return (await t.call('GET', '/v1/verify', { token: String(accessToken) })).status;
}

function appliedLines(): string[] {
  return t.logs.filter((line) => line.includes('"callback applied"'));
}

describe('URL verification (GET /v1/callback)', () => {
  it('answers exactly the decrypted echostr as text/plain', async () => {
    const sealed = callbackCrypto.encrypt('1234567890123456789');
    const query = new URLSearchParams({
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypt,
    });
    const response = await fetch(`${t.gateway.url}/v1/callback?${query.toString()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1234567890123456789');
  });

  it('refuses a bad signature with 401 and the error envelope', async () => {
    const sealed = callbackCrypto.encrypt('42');
    const query = new URLSearchParams({
      msg_signature: '0'.repeat(40),
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypt,
    });
    const response = await t.call('GET', `/v1/callback?${query.toString()}`);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: 'callback_signature_invalid',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('refuses missing parameters with 400', async () => {
    const response = await t.call('GET', '/v1/callback?timestamp=1&nonce=2');
    expect(response.status).toBe(400);
    expect(response.body?.error).toBe('callback_malformed');
  });
});

describe('contact changes pushed by the sandbox', () => {
  it('a deleted employee: access token refused within 1 s, refresh token refused', async () => {
    const session = await t.login('zhangsan');
    expect(await verifies(session.accessToken)).toBe(204);
    const { deliveries } = await t.sandbox.control.deleteUser('zhangsan');
    expect(deliveries).toEqual([expect.objectContaining({ lastStatus: 200, state: 'delivered' })]);
    expect(await eventually(async () => (await verifies(session.accessToken)) === 401, 1_000)).toBe(true);
    const refresh = await t.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body?.error).toBe('session_revoked');
  });

  it('a disabled employee (status 2): sessions revoked', async () => {
    const session = await t.login('liuyang');
    await t.sandbox.control.updateUser('liuyang', { status: 2 });
    expect(await eventually(async () => (await verifies(session.accessToken)) === 401, 1_000)).toBe(true);
    const refresh = await t.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
  });

  it('a new display name shows in /v1/me, and the session stays', async () => {
    const session = await t.login('lisi');
    const before = await t.call('GET', '/v1/me', { token: String(session.accessToken) });
    expect(before.body?.name).toBe('李四');
    await t.sandbox.control.updateUser('lisi', { name: '李思' });
    expect(
      await eventually(async () => {
        const me = await t.call('GET', '/v1/me', { token: String(session.accessToken) });
        return me.body?.name === '李思';
      }, 1_000),
    ).toBe(true);
    expect(await verifies(session.accessToken)).toBe(204);
  });

  it('a userid change revokes the session; a new login is the new userid', async () => {
    const session = await t.login('xuqiang');
    await t.sandbox.control.updateUser('xuqiang', { newUserid: 'xuqiang2' });
    expect(await eventually(async () => (await verifies(session.accessToken)) === 401, 1_000)).toBe(true);
    const refresh = await t.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body?.error).toBe('session_revoked');
    const again = await t.login('xuqiang2');
    const verify = await t.call('GET', '/v1/verify', { token: String(again.accessToken) });
    expect(verify.headers.get('x-wecom-userid')).toBe('xuqiang2');
  });
});

describe('POST /v1/callback', () => {
  it('applies a retried (duplicate) delivery once and acknowledges both with an empty 200', async () => {
    const session = await t.login('wujiu');
    const appliedBefore = appliedLines().length;
    const sealed = sealEvent({ kind: 'delete_user', userId: 'wujiu' });
    const first = await postCallback(t.gateway.url, sealed);
    const second = await postCallback(t.gateway.url, sealed, 'application/xml; charset=utf-8');
    expect(first).toEqual({ status: 200, text: '' });
    expect(second).toEqual({ status: 200, text: '' });
    expect(await eventually(async () => (await verifies(session.accessToken)) === 401, 1_000)).toBe(true);
    await eventually(async () => false, 200);
    const applied = appliedLines().slice(appliedBefore);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toContain('"revokedSessions":1');
    expect(t.logs.filter((line) => line.includes('"duplicate callback delivery acknowledged"'))).toHaveLength(
      1,
    );
  });

  it('a bad signature is 401 and nothing is processed', async () => {
    const session = await t.login('guojing');
    const sealed = sealEvent({ kind: 'delete_user', userId: 'guojing' });
    const forged = {
      ...sealed,
      query: sealed.query.replace(/msg_signature=[0-9a-f]+/, `msg_signature=${'a'.repeat(40)}`),
    };
    const answer = await postCallback(t.gateway.url, forged);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'callback_signature_invalid' });
    expect(await t.gateway.services.store.inbox.pending(10)).toEqual([]);
    expect(await verifies(session.accessToken)).toBe(204);
  });

  it('a message sealed for another corp is 401', async () => {
    const answer = await postCallback(
      t.gateway.url,
      sealEvent({ kind: 'delete_user', userId: 'sunli' }, { receiveId: 'wwother000000002' }),
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'callback_signature_invalid' });
  });

  it('an old timestamp is 401 (replay protection)', async () => {
    const session = await t.login('maxiaoming');
    const stale = sealEvent(
      { kind: 'delete_user', userId: 'maxiaoming' },
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
    );
    const answer = await postCallback(t.gateway.url, stale);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'callback_expired' });
    expect(await verifies(session.accessToken)).toBe(204);
  });

  it('malformed XML, bad base64 and a wrong media type are 4xx with stable codes', async () => {
    const sealed = sealEvent({ kind: 'update_party', id: 2 });
    const notXml = await postCallback(t.gateway.url, { ...sealed, body: '<xml><Encrypt>' });
    expect(notXml.status).toBe(400);
    expect(JSON.parse(notXml.text)).toMatchObject({ error: 'callback_malformed' });

    const encrypt = '!!!not-base64!!!';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = callbackCrypto.sign({ timestamp, nonce: '1', encrypt });
    const badBase64 = await postCallback(t.gateway.url, {
      query: `msg_signature=${signature}&timestamp=${timestamp}&nonce=1`,
      body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    });
    expect(badBase64.status).toBe(400);
    expect(JSON.parse(badBase64.text)).toMatchObject({ error: 'callback_malformed' });

    const json = await postCallback(t.gateway.url, sealed, 'application/json');
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
  });

  it('never answers 5xx to random queries and bodies', async () => {
    const valid = sealEvent({ kind: 'update_party', id: 3 });
    const params = new URLSearchParams(valid.query);
    const queryPart = fc.oneof(
      fc.constant(valid.query),
      fc.string(),
      fc
        .record({
          msg_signature: fc.oneof(
            fc.constant(params.get('msg_signature') ?? ''),
            fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 41 }),
          ),
          timestamp: fc.oneof(fc.constant(params.get('timestamp') ?? ''), fc.string({ maxLength: 14 })),
          nonce: fc.string({ maxLength: 12 }),
          echostr: fc.string({ maxLength: 64 }),
        })
        .map((record) => new URLSearchParams(record).toString()),
    );
    const body = fc.oneof(
      fc.constant(valid.body),
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 60 }).map((text) => `<xml><Encrypt><![CDATA[${text}]]></Encrypt></xml>`),
      fc.constant('<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST'),
        queryPart,
        body,
        fc.constantFrom('text/xml', 'application/xml', 'application/json', 'text/plain'),
        async (method, query, payload, contentType) => {
          const response = await t.gateway.app.inject({
            method: method,
            url: `/v1/callback?${query}`,
            ...(method === 'POST' ? { headers: { 'content-type': contentType }, payload } : {}),
          });
          expect(response.statusCode).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never logs the callback Token or AES key', () => {
    const logs = t.logs.join('\n');
    expect(logs).not.toContain(CALLBACK_TOKEN);
    expect(logs).not.toContain(CALLBACK_AES_KEY);
  });
});

describe('without callback settings', () => {
  it('has no /v1/callback route', async () => {
    const plain = await startGatewayUnderTest();
    try {
      expect((await plain.call('GET', '/v1/callback')).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});

describe('sandbox mode (npm start)', () => {
  it('points the demo app callback at the gateway, so a deletion in the sandbox revokes at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-cb-sandbox-'));
    const config = loadConfig({
      env: {
        PORT: '0',
        SANDBOX_PORT: '0',
        ADMIN_PORT: '0',
        WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
        LOG_LEVEL: 'silent',
      },
    });
    const gateway = await startGateway({ config, logger: createLogger({ level: 'silent' }) });
    try {
      const sandboxUrl = String(gateway.sandboxUrl);
      const post = async (url: string, body: unknown): Promise<Record<string, unknown>> => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return (await response.json()) as Record<string, unknown>;
      };
      const { code } = await post(`${sandboxUrl}/__sandbox/login`, { userid: 'sunli' });
      const session = await post(`${gateway.url}/v1/sessions`, { code });
      const token = String(session.accessToken);
      const verify = async (): Promise<number> =>
        (await fetch(`${gateway.url}/v1/verify`, { headers: { authorization: `Bearer ${token}` } })).status;
      expect(await verify()).toBe(204);
      const deleted = await fetch(`${sandboxUrl}/__sandbox/directory/users/sunli`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(await eventually(async () => (await verify()) === 401, 1_000)).toBe(true);
    } finally {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
