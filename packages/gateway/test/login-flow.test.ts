import { DEMO_APP, DEMO_CORP_ID, OTHER_CORP_ID } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';

let t: GatewayUnderTest;
/** Every credential seen during the suite; none may appear in a log line or a response it did not belong to. */
const secrets = new Set<string>([DEMO_APP.secret]);

beforeAll(async () => {
  // A WeCom deadline short enough for the timeout test to be quick, and a reuse interval short enough to outwait (the
  // store's clock is the real one).
  t = await startGatewayUnderTest({ env: { WECOM_TIMEOUT_MS: '1000', REFRESH_REUSE_INTERVAL_SECONDS: '1' } });
});

afterAll(async () => {
  await t?.close();
});

async function rememberSessionSecrets(accessToken: string): Promise<void> {
  const { sid } = decodeJwt(accessToken) as { sid: string };
  const record = await t.gateway.services.store.sessions.get(sid);
  if (record) {
    const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: DEMO_APP.secret }));
    secrets.add(sealer.open(record.sessionKeyCiphertext, 'session_key'));
  }
  secrets.add(await t.gateway.services.corps.clientFor(DEMO_CORP_ID).accessToken.getToken());
}

describe('login flow, end to end over HTTP', () => {
  it('logs zhangsan in, then serves /v1/me, /v1/verify, decrypt, refresh, reuse detection and logout', async () => {
    const login = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(login.status).toBe(201);
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshExpiresIn: 2_592_000,
      employee: { userId: 'zhangsan', corpId: DEMO_CORP_ID, name: '张三', status: 'active' },
    });
    const accessToken = login.body?.accessToken as string;
    const refreshToken = login.body?.refreshToken as string;
    await rememberSessionSecrets(accessToken);
    expect(decodeJwt(accessToken)).toMatchObject({
      sub: 'zhangsan',
      corp: DEMO_CORP_ID,
      iss: 'wecom-auth',
      aud: 'wecom-auth',
    });

    const me = await t.call('GET', '/v1/me', { token: accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ userId: 'zhangsan', name: '张三' });

    const verify = await t.call('GET', '/v1/verify', { token: accessToken });
    expect(verify.status).toBe(204);
    expect(verify.headers.get('x-wecom-userid')).toBe('zhangsan');
    expect(verify.headers.get('x-wecom-corpid')).toBe(DEMO_CORP_ID);

    const encrypted = t.sandbox.control.encrypt({ userid: 'zhangsan', kind: 'mobile' });
    const decrypted = await t.call('POST', '/v1/me/decrypt', {
      token: accessToken,
      body: { encryptedData: encrypted.encryptedData, iv: encrypted.iv },
    });
    expect(decrypted.status).toBe(200);
    expect(decrypted.body).toMatchObject({ mobile: expect.stringMatching(/^1\d{10}$/) });

    const refreshed = await t.call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
    expect(refreshed.status).toBe(200);
    const rotated = refreshed.body?.refreshToken as string;
    expect(rotated).not.toBe(refreshToken);
    const newAccess = refreshed.body?.accessToken as string;
    expect((await t.call('GET', '/v1/verify', { token: newAccess })).status).toBe(204);

    // The first refresh token again, right away: a repeat (two tabs, a lost answer) gets the same pair.
    const repeat = await t.call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ refreshToken: rotated, accessToken: newAccess });
    // Again past the reuse interval: theft is assumed and the whole session dies.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const reuse = await t.call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ error: 'session_revoked' });
    expect((await t.call('GET', '/v1/verify', { token: newAccess })).status).toBe(401);
    expect(
      (await t.call('POST', '/v1/sessions/refresh', { body: { refreshToken: rotated } })).body,
    ).toMatchObject({
      error: 'session_revoked',
    });
  });

  it('adds a decrypted mobile to the profile of an app that user/get no longer tells', async () => {
    const session = await t.login('lisi');
    const token = session.accessToken as string;
    await rememberSessionSecrets(token);
    const { encryptedData, iv } = t.sandbox.control.encrypt({ userid: 'lisi', kind: 'email' });
    const decrypted = await t.call('POST', '/v1/me/decrypt', { token, body: { encryptedData, iv } });
    expect(decrypted.status).toBe(200);
    const me = await t.call('GET', '/v1/me', { token });
    expect(me.body?.email).toBe(decrypted.body?.email);
  });

  it('logs out: the access token stops verifying at once', async () => {
    const session = await t.login('zhangsan');
    const token = session.accessToken as string;
    await rememberSessionSecrets(token);
    expect((await t.call('DELETE', '/v1/sessions/current', { token })).status).toBe(204);
    const after = await t.call('GET', '/v1/verify', { token });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: 'session_revoked' });
    expect((await t.call('GET', '/v1/me', { token })).status).toBe(401);
  });

  it('refuses a user of another corp with 403 not_a_member and stores nothing about them', async () => {
    const otherUser = t.sandbox.control.directory().corps.find((c) => c.corpId === OTHER_CORP_ID)
      ?.users[0]?.userid;
    expect(otherUser).toBeDefined();
    const response = await t.call('POST', '/v1/sessions', {
      body: { code: t.code(otherUser as string, OTHER_CORP_ID) },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: 'not_a_member', requestId: expect.any(String) });
    expect(t.logs.join('\n')).not.toMatch(/"userId":"wo/);
  });

  it('refuses a member user/get answers 60011 for (outside the visible range) with 403 not_a_member', async () => {
    t.sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: 60011, count: 1 });
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('luoyi') } });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      error: 'not_a_member',
      message: expect.stringContaining("outside the app's visible range"),
      wecom: { errcode: 60011 },
    });
  });

  it('tells an employee who left the company so (user/get 60111), with 403 employee_inactive', async () => {
    // sunqi has left the demo company: WeCom's user/get answers 60111 userid not found for him.
    const departed = await t.call('POST', '/v1/sessions', { body: { code: t.code('sunqi') } });
    t.sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: 60111, count: 1 });
    const notFound = await t.call('POST', '/v1/sessions', { body: { code: t.code('gaoyuan') } });
    for (const response of [departed, notFound]) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({
        error: 'employee_inactive',
        message: expect.stringMatching(/^This employee has left the company/),
        wecom: { errcode: 60111 },
      });
      expect(response.body?.message).not.toContain('is outside');
    }
  });

  it.each(['wangwu', 'zhaoliu'])(
    'refuses a member who is not active (%s) with 403 employee_inactive',
    async (userid) => {
      const response = await t.call('POST', '/v1/sessions', { body: { code: t.code(userid) } });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ error: 'employee_inactive' });
    },
  );

  it('answers a retry of a used code once with the same session, then 401 code_invalid and the hint', async () => {
    const code = t.code('zhangsan');
    const first = await t.call('POST', '/v1/sessions', { body: { code } });
    expect(first.status).toBe(201);
    const retry = await t.call('POST', '/v1/sessions', { body: { code } });
    expect(retry.status).toBe(201);
    expect(retry.body?.refreshToken).toBe(first.body?.refreshToken);
    const again = await t.call('POST', '/v1/sessions', { body: { code } });
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: 'code_invalid', wecom: { errcode: 40029 } });
    expect(again.body?.message).toContain('wx.qy.login');
  });

  it('shares one exchange between duplicate submissions of a code in flight', async () => {
    t.sandbox.control.resetCalls();
    const code = t.code('zhangsan');
    const [a, b] = await Promise.all([
      t.call('POST', '/v1/sessions', { body: { code } }),
      t.call('POST', '/v1/sessions', { body: { code } }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body?.refreshToken).toBe(b.body?.refreshToken);
    expect(t.sandbox.control.calls().byPath['/cgi-bin/miniprogram/jscode2session']).toBe(1);
  });

  it('makes at most one jscode2session and one user/get per login, and no user/get when the profile is cached', async () => {
    await t.login('sunqi').catch(() => t.login('zhangsan'));
    t.sandbox.control.resetCalls();
    await t.login('zhangsan');
    const calls = t.sandbox.control.calls().byPath;
    expect(calls['/cgi-bin/miniprogram/jscode2session']).toBe(1);
    expect(calls['/cgi-bin/user/get'] ?? 0).toBe(0);
    expect(calls['/cgi-bin/gettoken'] ?? 0).toBe(0);
  });
});

describe('WeCom trouble during login', () => {
  it('recovers from -1 (busy) by retrying', async () => {
    t.sandbox.control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', errcode: -1, count: 2 });
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(response.status).toBe(201);
  });

  it('recovers from an expired access_token (42001) with one refresh', async () => {
    t.sandbox.control.expireTokens();
    t.sandbox.control.resetCalls();
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(response.status).toBe(201);
    expect(t.sandbox.control.calls().byPath['/cgi-bin/gettoken']).toBe(1);
  });

  it('answers 45009 with 503 wecom_unavailable and Retry-After, without retrying', async () => {
    t.sandbox.control.resetCalls();
    t.sandbox.control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', errcode: 45009, count: 1 });
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(response.body).toMatchObject({ error: 'wecom_unavailable', wecom: { errcode: 45009 } });
    expect(t.sandbox.control.calls().byPath['/cgi-bin/miniprogram/jscode2session']).toBe(1);
  });

  it('answers a WeCom timeout with 503 wecom_unavailable', async () => {
    t.sandbox.control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', delayMs: 1_500, count: 1 });
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'wecom_unavailable' });
    expect(response.body?.message).toMatch(/unavailable/);
  });

  it('answers a configuration error from WeCom (48002) with 502 wecom_error naming the setting', async () => {
    t.sandbox.control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', errcode: 48002, count: 1 });
    const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
    expect(response.status).toBe(502);
    expect(response.body).toMatchObject({ error: 'wecom_error', wecom: { errcode: 48002 } });
    expect(response.body?.message).toContain('WECOM_MINIPROGRAM_APPID');
  });
});

describe('secrets', () => {
  it('never appear in a log line or an error response', () => {
    expect(secrets.size).toBeGreaterThan(2);
    expect(t.logs.length).toBeGreaterThan(10);
    const errorResponses = t.responses.filter((text) => text.includes('"error"'));
    for (const secret of secrets) {
      for (const line of t.logs)
        expect(line.includes(secret), `log line leaks a secret: ${line}`).toBe(false);
      for (const text of errorResponses) expect(text.includes(secret)).toBe(false);
    }
  });

  it('never put a session_key, the corpsecret or a WeCom access_token in any response', () => {
    const wecomSecrets = [...secrets];
    for (const text of t.responses)
      for (const secret of wecomSecrets) expect(text.includes(secret)).toBe(false);
  });
});
