/**
 * The built bundle, driven through a simulated `wx`, against a real gateway and a real sandbox over HTTP.
 */
import { createServer } from 'node:net';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogoutEvent, Session, WecomAuth } from '../src/index.js';
import { loadBuiltSdk, type Sdk } from './support/built-sdk.js';
import { createSimulatedWx, type SimulatedWx } from './support/simulated-wx.js';

const STORAGE_KEY = 'wecom-auth:session';
const CODE_EXCHANGE = '/cgi-bin/miniprogram/jscode2session';

let sdk: Sdk;
let t: GatewayUnderTest;

beforeAll(async () => {
  sdk = loadBuiltSdk();
  t = await startGatewayUnderTest({ env: { LOG_LEVEL: 'info' } });
});

afterAll(async () => {
  await t?.close();
});

beforeEach(() => {
  t.sandbox.control.resetCalls();
});

function phone(userid = 'zhangsan', inWecom = true): SimulatedWx {
  return createSimulatedWx({ sandbox: t.sandbox, userid, inWecom });
}

function codeExchanges(): number {
  return t.sandbox.control.calls().byPath[CODE_EXCHANGE] ?? 0;
}

async function rejection(promise: Promise<unknown>): Promise<InstanceType<Sdk['WecomAuthError']>> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(sdk.WecomAuthError);
  return error as InstanceType<Sdk['WecomAuthError']>;
}

/** The stored session with its access token as expired as the device's clock would see it. */
function ageStoredAccessToken(wx: SimulatedWx, leftMs: number): void {
  const stored = JSON.parse(wx.storage.get(STORAGE_KEY) ?? 'null') as Record<string, unknown>;
  wx.storage.set(STORAGE_KEY, JSON.stringify({ ...stored, accessExpiresAt: Date.now() + leftMs }));
}

describe('the SDK against a real gateway', () => {
  it('logs in with wx.qy.login, keeps the session in wx storage and serves getEmployee', async () => {
    const wx = phone();
    const auth = sdk.createAuth({ baseUrl: `${t.gateway.url}/`, wx });
    const sessions: Session[] = [];
    auth.on('session', (session) => sessions.push(session));

    const { session, employee } = await auth.login();
    expect(employee).toMatchObject({
      userId: 'zhangsan',
      corpId: DEMO_CORP_ID,
      name: '张三',
      status: 'active',
    });
    expect(session.employee).toEqual(employee);
    expect(session.expiresAt).toBeGreaterThan(Date.now() + 800_000);
    expect(session.refreshExpiresAt).toBeGreaterThan(session.expiresAt);
    expect(sessions).toEqual([session]);
    expect(auth.getSession()).toEqual(session);
    expect(wx.requests).toEqual(['POST /v1/sessions']);

    const stored = JSON.parse(wx.storage.get(STORAGE_KEY) ?? 'null') as Record<string, unknown>;
    expect(stored).toMatchObject({ version: 1, accessToken: session.accessToken });
    expect(typeof stored.refreshToken).toBe('string');
    // The app-facing session never exposes the refresh token.
    expect(JSON.stringify(session)).not.toContain(stored.refreshToken as string);

    await expect(auth.getEmployee()).resolves.toMatchObject({ userId: 'zhangsan', position: '后端工程师' });
    expect(wx.requests).toEqual(['POST /v1/sessions', 'GET /v1/me']);
  });

  it('shares one login, one wx.qy.login and one code exchange between parallel callers', async () => {
    const wx = phone('lisi');
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const results = await Promise.all([auth.login(), auth.login(), auth.getEmployee(), auth.login()]);
    expect(results[0]).toEqual(results[1]);
    expect(results[2]).toMatchObject({ userId: 'lisi' });
    expect(wx.counts.login).toBe(1);
    expect(codeExchanges()).toBe(1);
    expect(wx.requests.filter((line) => line === 'POST /v1/sessions')).toHaveLength(1);
  });

  it('retries a code_invalid answer once with a fresh code', async () => {
    const wx = phone();
    wx.queuedCodes.push('never-minted-code-1', 'never-minted-code-2');
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });

    // Two bad codes in a row: one retry only, and the gateway's error reaches the caller.
    const error = await rejection(auth.login());
    expect(error).toMatchObject({ code: 'code_invalid', statusCode: 401 });
    expect(error.requestId).toEqual(expect.any(String));
    expect(wx.counts.login).toBe(2);
    expect(auth.getSession()).toBeNull();

    // One bad code, then a fresh one from wx.qy.login: the caller only sees the success.
    wx.queuedCodes.push('never-minted-code-3');
    await expect(auth.login()).resolves.toMatchObject({ employee: { userId: 'zhangsan' } });
    expect(wx.counts.login).toBe(4);
  });

  it('restores the session on start and refreshes it ahead of expiry', async () => {
    const wx = phone();
    const first = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const { session } = await first.login();

    const restarted = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    expect(restarted.getSession()).toEqual(session);
    await restarted.getEmployee();
    expect(wx.requests).toEqual(['POST /v1/sessions', 'GET /v1/me']);

    // Less than 30 s left on the device's clock: refreshed before use, nothing sent to fail first.
    ageStoredAccessToken(wx, 20_000);
    const aged = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const sessions: Session[] = [];
    aged.on('session', (next) => sessions.push(next));
    await expect(aged.getEmployee()).resolves.toMatchObject({ userId: 'zhangsan' });
    expect(wx.requests.slice(2)).toEqual(['POST /v1/sessions/refresh', 'GET /v1/me']);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.accessToken).not.toBe(session.accessToken);
    expect(wx.counts.login).toBe(1);
  });

  it('refreshes and replays once when the gateway answers token_expired', async () => {
    const wx = phone('lisi');
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const { session } = await auth.login();

    t.advanceClock(1_000_000); // past the 900 s access-token lifetime, on the gateway's clock only
    // Moved back afterwards: data the sandbox seals later carries its own clock's time, which the gateway's
    // decrypt window compares with its clock.
    const responses = await Promise.all([
      auth.request({ url: '/v1/me' }),
      auth.request({ url: `${t.gateway.url}/v1/verify` }),
    ]).finally(() => t.advanceClock(-1_000_000));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 204]);
    expect(responses[0]?.data).toMatchObject({ userId: 'lisi' });
    // Both calls failed once, yet the refresh token was rotated only once (a second rotation would be reuse).
    expect(wx.requests.filter((line) => line === 'POST /v1/sessions/refresh')).toHaveLength(1);
    expect(wx.requests.filter((line) => line === 'GET /v1/me')).toHaveLength(2);
    expect(auth.getSession()?.accessToken).not.toBe(session.accessToken);
    expect(wx.counts.login).toBe(1);
  });

  it('logs in again when the refresh is refused (session_revoked after a reused refresh token)', async () => {
    const wx = phone();
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    await auth.login();
    const stored = JSON.parse(wx.storage.get(STORAGE_KEY) ?? 'null') as { refreshToken: string };
    // Someone else rotates the refresh token twice first: the SDK's copy is now an older one than the token just
    // replaced (which the reuse interval would still answer), so presenting it is a reuse.
    let refreshToken = stored.refreshToken;
    for (let rotation = 0; rotation < 2; rotation += 1) {
      const stolen = await fetch(`${t.gateway.url}/v1/sessions/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken }),
      });
      expect(stolen.status).toBe(200);
      refreshToken = ((await stolen.json()) as { refreshToken: string }).refreshToken;
    }

    ageStoredAccessToken(wx, 0);
    const restarted = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const logouts: LogoutEvent[] = [];
    restarted.on('logout', (event) => logouts.push(event));
    await expect(restarted.getEmployee()).resolves.toMatchObject({ userId: 'zhangsan' });
    expect(wx.requests.slice(1)).toEqual(['POST /v1/sessions/refresh', 'POST /v1/sessions', 'GET /v1/me']);
    expect(wx.counts.login).toBe(2);
    expect(logouts).toEqual([]);
  });

  it('logs in again when the refresh token is unknown to the gateway (refresh_token_invalid)', async () => {
    const wx = phone();
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    await auth.login();
    const stored = JSON.parse(wx.storage.get(STORAGE_KEY) ?? 'null') as Record<string, unknown>;
    wx.storage.set(
      STORAGE_KEY,
      JSON.stringify({ ...stored, refreshToken: 'forged-refresh-token', accessExpiresAt: Date.now() }),
    );
    const restarted = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    await expect(restarted.request({ url: '/v1/me' })).resolves.toMatchObject({ statusCode: 200 });
    expect(wx.requests.slice(1)).toEqual(['POST /v1/sessions/refresh', 'POST /v1/sessions', 'GET /v1/me']);
  });

  it('logs out: the token stops working on the gateway, storage is cleared, listeners hear it', async () => {
    const wx = phone();
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const { session } = await auth.login();
    const logouts: LogoutEvent[] = [];
    const unsubscribe = auth.on('logout', (event) => logouts.push(event));

    await auth.logout();
    expect(logouts).toEqual([{ reason: 'logout' }]);
    expect(auth.getSession()).toBeNull();
    expect(wx.storage.has(STORAGE_KEY)).toBe(false);
    expect(wx.requests).toEqual(['POST /v1/sessions', 'DELETE /v1/sessions/current']);
    const verify = await fetch(`${t.gateway.url}/v1/verify`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(verify.status).toBe(401);

    // Once unsubscribed, the listener hears nothing more.
    await auth.login();
    unsubscribe();
    await auth.logout();
    expect(logouts).toHaveLength(1);
  });

  it('decrypts the mobile that wx.qy.getMobile hands over, with the gateway holding the session_key', async () => {
    const wx = phone('lisi');
    const auth: WecomAuth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const mobile = await auth.decrypt('mobile');
    expect(mobile).toMatchObject({ mobile: expect.stringMatching(/^1\d{10}$/) });
    expect(wx.requests).toEqual(['POST /v1/sessions', 'POST /v1/me/decrypt']);
    await expect(auth.decrypt('email')).resolves.toMatchObject({ email: expect.stringContaining('@') });
    await expect(auth.decrypt('userinfo')).resolves.toMatchObject({ userid: 'lisi', corpid: DEMO_CORP_ID });
    // It is the employee's own mobile (the demo app predates 2022-06-20, so user/get still has it too).
    await expect(auth.getEmployee()).resolves.toMatchObject({ mobile: mobile.mobile });
  });

  it('rejects with user_cancelled when the user declines getMobile', async () => {
    const wx = phone();
    wx.prompt = 'cancel';
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const error = await rejection(auth.decrypt('mobile'));
    expect(error.code).toBe('user_cancelled');
    expect(wx.requests).toEqual(['POST /v1/sessions']);
    await expect(auth.decrypt('nickname' as 'mobile')).rejects.toThrow(
      new TypeError('decrypt: kind must be "mobile", "email" or "userinfo"'),
    );
  });

  it('rejects with not_in_wecom in plain WeChat, before any request', async () => {
    const wx = phone('zhangsan', false);
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const error = await rejection(auth.login());
    expect(error.code).toBe('not_in_wecom');
    expect(error.message).toMatch(/企业微信/);
    expect((await rejection(auth.decrypt('mobile'))).code).toBe('not_in_wecom');
    expect(wx.requests).toEqual([]);
  });

  it('rejects with network_error when the gateway cannot be reached, keeping the session', async () => {
    const port = await closedPort();
    const wx = phone();
    const online = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const { session } = await online.login();
    const offline = sdk.createAuth({ baseUrl: `http://127.0.0.1:${port}`, wx });
    const error = await rejection(offline.login());
    expect(error.code).toBe('network_error');
    expect(error.statusCode).toBeUndefined();
    expect((await rejection(offline.getEmployee())).code).toBe('network_error');
    ageStoredAccessToken(wx, 0);
    const expired = sdk.createAuth({ baseUrl: `http://127.0.0.1:${port}`, wx });
    expect((await rejection(expired.request({ url: '/v1/me' }))).code).toBe('network_error');
    // A failed refresh is not a refused one: the session stays for when the network is back.
    expect(expired.getSession()?.accessToken).toBe(session.accessToken);
    // Logging out offline still resolves, and forgets the session.
    await expect(expired.logout()).resolves.toBeUndefined();
    expect(expired.getSession()).toBeNull();
  });

  it('never writes a token or a code into the gateway log', async () => {
    const wx = phone();
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });
    const { session } = await auth.login();
    const stored = JSON.parse(wx.storage.get(STORAGE_KEY) ?? 'null') as { refreshToken: string };
    const log = t.logs.join('\n');
    expect(log).not.toContain(session.accessToken);
    expect(log).not.toContain(stored.refreshToken);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
