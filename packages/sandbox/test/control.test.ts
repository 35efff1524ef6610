import { decryptMiniProgramData, verifyRawDataSignature } from '@wecom-auth/crypto';
import { describe, expect, it } from 'vitest';
import {
  buildSandboxApp,
  demoDirectory,
  SandboxError,
  SUBSIDIARY_APP,
  SUBSIDIARY_CORP_ID,
} from '../src/index.js';
import { DEMO_MP, get, post, tokenOf } from './inject-client.js';

const c2s = (token: string, code: string): string =>
  `/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${code}&grant_type=authorization_code`;

describe('control API: login', () => {
  it('mints codes over HTTP with defaults', async () => {
    const app = buildSandboxApp();
    const { status, body } = await post(app, '/__sandbox/login', { userid: 'zhangsan' });
    expect(status).toBe(200);
    expect(body).toEqual({ code: expect.stringMatching(/^[0-9a-f]{32}$/), expiresIn: 300 });
    const res = await get(app, c2s(await tokenOf(app), String(body.code)));
    expect(res.body.userid).toBe('zhangsan');
  });

  it.each([
    ['{}', 400, 'invalid_request'],
    ['{"userid": 5}', 400, 'invalid_request'],
    ['{"userid": "zhangsan", "extra": 1}', 400, 'invalid_request'],
    ['not json', 400, 'invalid_json'],
    ['{"userid": "ghost"}', 404, 'unknown_user'],
    ['{"userid": "zhangsan", "corpid": "wwnone"}', 404, 'unknown_corp'],
    ['{"userid": "zhangsan", "appid": "wxnone"}', 404, 'unknown_mini_program'],
  ])('%s → %i %s', async (payload, status, error) => {
    const app = buildSandboxApp();
    const res = await post(app, '/__sandbox/login', payload);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, message: expect.any(String) });
  });

  it('the in-process handle throws TypeError on bad input and SandboxError on unknown users', () => {
    const { sandboxControl } = buildSandboxApp();
    expect(() => sandboxControl.login({ userid: '' })).toThrowError(TypeError);
    expect(() => sandboxControl.login({ userid: 'ghost' })).toThrowError(SandboxError);
  });
});

describe('control API: faults', () => {
  it('adds, lists, applies with a count, and deletes faults', async () => {
    const app = buildSandboxApp({ errmsgStyle: 'doc' });
    const added = await post(app, '/__sandbox/faults', { path: '/cgi-bin/gettoken', errcode: -1, count: 2 });
    expect(added.status).toBe(200);
    const id = String(added.body.id);
    const listed = await app.inject({ url: '/__sandbox/faults' });
    expect(listed.json()).toEqual({
      faults: [expect.objectContaining({ id, path: '/cgi-bin/gettoken', remaining: 2 })],
    });
    const path = '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me';
    expect((await get(app, path)).body).toEqual({ errcode: -1, errmsg: 'system busy' });
    expect((await get(app, path)).body.errcode).toBe(-1);
    expect((await get(app, path)).body.errcode).toBe(0);
    expect((await app.inject({ method: 'DELETE', url: `/__sandbox/faults/${id}` })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/__sandbox/faults/${id}` })).statusCode).toBe(404);
  });

  it('matches * with custom errmsg and status, honours probability 0, clears all', async () => {
    const app = buildSandboxApp({ errmsgStyle: 'doc', seed: 3 });
    app.sandboxControl.addFault({ path: '*', errcode: 45009, probability: 0 });
    const path = '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me';
    expect((await get(app, path)).body.errcode).toBe(0);
    app.sandboxControl.addFault({ path: '*', errcode: 40014, errmsg: 'custom text', httpStatus: 503 });
    const res = await get(app, '/cgi-bin/user/get');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errcode: 40014, errmsg: 'custom text' });
    expect((await app.inject({ method: 'DELETE', url: '/__sandbox/faults' })).statusCode).toBe(204);
    expect((await get(app, path)).body.errcode).toBe(0);
  });

  it('answers a bare HTTP error page for httpStatus alone', async () => {
    const app = buildSandboxApp();
    app.sandboxControl.addFault({ path: '/cgi-bin/gettoken', httpStatus: 502 });
    const res = await app.inject({ url: '/cgi-bin/gettoken' });
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it.each([
    [{ path: '/cgi-bin/gettoken' }],
    [{ path: 'gettoken', errcode: 1 }],
    [{ path: '*', errcode: 1, probability: 2 }],
    [{ path: '*', drop: true, malformed: true }],
    [{ path: '*', errcode: 1, count: 0 }],
    [{ path: '*', delayMs: -1 }],
  ])('rejects %j with 400', async (payload) => {
    const app = buildSandboxApp();
    const res = await post(app, '/__sandbox/faults', payload);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('control API: clock, tokens, calls, directory, reset', () => {
  it('advances the clock', async () => {
    const app = buildSandboxApp();
    const before = (await app.inject({ url: '/__sandbox/clock' })).json<{ unixSeconds: number }>();
    const after = await post(app, '/__sandbox/clock', { advanceSeconds: 3600 });
    expect(Number(after.body.unixSeconds) - before.unixSeconds).toBeGreaterThanOrEqual(3600);
    expect(after.body.offsetSeconds).toBe(3600);
    expect(new Date(String(after.body.now)).getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect((await post(app, '/__sandbox/clock', { advanceSeconds: -5 })).status).toBe(400);
    expect((await post(app, '/__sandbox/clock', {})).status).toBe(400);
  });

  it('expires and revokes tokens over HTTP', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const url = `/cgi-bin/department/list?access_token=${token}`;
    expect((await post(app, '/__sandbox/tokens/expire', { corpid: 'wwother000000002' })).body).toEqual({
      expired: 0,
    });
    expect((await post(app, '/__sandbox/tokens/expire', {})).body).toEqual({ expired: 1 });
    expect((await get(app, url)).body.errcode).toBe(42001);
    const fresh = await tokenOf(app);
    expect((await post(app, '/__sandbox/tokens/revoke', '')).body).toEqual({ revoked: 1 });
    expect((await get(app, `/cgi-bin/department/list?access_token=${fresh}`)).body.errcode).toBe(40014);
    expect((await post(app, '/__sandbox/tokens/revoke', { agentId: 'x' })).status).toBe(400);
  });

  it('records which corp each call acted for: the token’s corp, also when the token has expired', async () => {
    const app = buildSandboxApp();
    const demoToken = await tokenOf(app);
    const subToken = await tokenOf(app, SUBSIDIARY_APP.secret, SUBSIDIARY_CORP_ID);
    // 张珊 of the subsidiary: the demo corp's token answers an encrypted userid, the subsidiary's her userid.
    const first = app.sandboxControl.login({ userid: 'zhangsan', corpid: SUBSIDIARY_CORP_ID });
    await get(app, c2s(demoToken, first.code));
    const second = app.sandboxControl.login({ userid: 'zhangsan', corpid: SUBSIDIARY_CORP_ID });
    await get(app, c2s(subToken, second.code));
    app.sandboxControl.expireTokens({ corpid: SUBSIDIARY_CORP_ID });
    await get(app, `/cgi-bin/department/list?access_token=${subToken}`);
    await get(app, '/cgi-bin/department/list?access_token=not-a-token');
    const corps = app.sandboxControl.calls().recent.map((call) => [call.path, call.errcode, call.corpId]);
    expect(corps).toEqual([
      ['/cgi-bin/gettoken', 0, 'wwdemo0000000001'],
      ['/cgi-bin/gettoken', 0, SUBSIDIARY_CORP_ID],
      ['/cgi-bin/miniprogram/jscode2session', 0, 'wwdemo0000000001'],
      ['/cgi-bin/miniprogram/jscode2session', 0, SUBSIDIARY_CORP_ID],
      ['/cgi-bin/department/list', 42001, SUBSIDIARY_CORP_ID],
      ['/cgi-bin/department/list', 40014, null],
    ]);
  });

  it('records calls with secrets masked', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
    await get(app, c2s(token, code));
    await get(app, '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=wrong-secret-value');
    const res = await app.inject({ url: '/__sandbox/calls' });
    const calls = res.json<{
      total: number;
      byPath: Record<string, number>;
      byErrcode: Record<string, number>;
      recent: {
        path: string;
        errcode: number;
        httpStatus: number;
        corpId: string | null;
        query: Record<string, string>;
      }[];
    }>();
    expect(calls.total).toBe(3);
    expect(calls.byPath).toEqual({ '/cgi-bin/gettoken': 2, '/cgi-bin/miniprogram/jscode2session': 1 });
    expect(calls.byErrcode).toEqual({ '0': 2, '40001': 1 });
    expect(calls.recent[1]).toMatchObject({
      path: '/cgi-bin/miniprogram/jscode2session',
      errcode: 0,
      httpStatus: 200,
      corpId: 'wwdemo0000000001',
      query: {
        access_token: '…',
        js_code: '…',
        grant_type: 'authorization_code',
      },
    });
    expect(calls.recent[2]?.query.corpsecret).toBe('…');
    // A wrong secret names no corp: the call acted for nobody.
    expect(calls.recent[2]?.corpId).toBeNull();
    expect(res.body).not.toContain(token);
    expect(res.body).not.toContain('wrong-secret-value');
    expect(res.body).not.toContain('demo-secret-change-me');
    expect((await app.inject({ method: 'DELETE', url: '/__sandbox/calls' })).statusCode).toBe(204);
    expect(app.sandboxControl.calls()).toEqual({ total: 0, byPath: {}, byErrcode: {}, recent: [] });
  });

  it('serves the directory and resets state', async () => {
    const app = buildSandboxApp();
    const dir = await app.inject({ url: '/__sandbox/directory' });
    expect(dir.json()).toEqual(JSON.parse(JSON.stringify(demoDirectory)));
    const token = await tokenOf(app);
    const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
    app.sandboxControl.advanceClock(100);
    app.sandboxControl.addFault({ path: '*', errcode: -1 });
    expect((await app.inject({ method: 'POST', url: '/__sandbox/reset' })).statusCode).toBe(204);
    expect(app.sandboxControl.clock().offsetSeconds).toBe(0);
    expect(app.sandboxControl.faults()).toEqual([]);
    expect((await get(app, `/cgi-bin/department/list?access_token=${token}`)).body.errcode).toBe(40014);
    expect((await get(app, c2s(await tokenOf(app), code))).body.errcode).toBe(40029);
  });
});

describe('control API: encrypt', () => {
  it('answers 409 before a session exists', async () => {
    const app = buildSandboxApp();
    const res = await post(app, '/__sandbox/encrypt', { userid: 'zhangsan', kind: 'mobile' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'no_session' });
    expect((await post(app, '/__sandbox/encrypt', { userid: 'zhangsan', kind: 'phone' })).status).toBe(400);
  });

  it('encrypts mobile, email and userinfo with the latest session_key', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    await get(app, c2s(token, app.sandboxControl.login({ userid: 'zhangsan' }).code));
    const latest = await get(app, c2s(token, app.sandboxControl.login({ userid: 'zhangsan' }).code));
    const sessionKey = String(latest.body.session_key);

    const mobile = await post(app, '/__sandbox/encrypt', { userid: 'zhangsan', kind: 'mobile' });
    expect(mobile.status).toBe(200);
    const plainMobile = decryptMiniProgramData({
      sessionKey,
      encryptedData: String(mobile.body.encryptedData),
      iv: String(mobile.body.iv),
      appId: DEMO_MP,
    });
    expect(plainMobile).toMatchObject({
      mobile: expect.stringMatching(/^138\d{8}$/),
      watermark: { appid: DEMO_MP },
    });

    const email = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'email' });
    expect(decryptMiniProgramData({ sessionKey, ...email, appId: DEMO_MP })).toMatchObject({
      email: 'zhangsan@demo.example',
    });

    const info = app.sandboxControl.encrypt({ userid: 'zhangsan', kind: 'userinfo' });
    expect(info.rawData).toBe('{"name":"张三","gender":1,"language":"zh_CN"}');
    expect(
      verifyRawDataSignature({
        rawData: String(info.rawData),
        signature: String(info.signature),
        sessionKey,
      }),
    ).toBe(true);
    expect(
      decryptMiniProgramData({ sessionKey, encryptedData: info.encryptedData, iv: info.iv, appId: DEMO_MP }),
    ).toMatchObject({ corpid: 'wwdemo0000000001', userid: 'zhangsan', name: '张三', gender: 1 });
  });
});

describe('unknown paths', () => {
  it('answer 404 by default, or a JSON errcode when configured', async () => {
    const app = buildSandboxApp();
    expect((await app.inject({ url: '/cgi-bin/nope' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/elsewhere' })).statusCode).toBe(404);
    const configured = buildSandboxApp({ unknownApi: { errcode: 48001 }, errmsgStyle: 'doc' });
    const res = await get(configured, '/cgi-bin/nope');
    expect(res.status).toBe(200);
    expect(res.body.errcode).toBe(48001);
    expect((await configured.inject({ url: '/elsewhere' })).statusCode).toBe(404);
  });
});
