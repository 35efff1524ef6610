/**
 * The control API's app settings: each broken state makes the WeCom call it concerns fail with WeCom's errcode, and
 * restoring puts the app back so the same call succeeds. Garbage is a 4xx with a stable code, never a 500.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSandboxApp, type SandboxFastifyInstance } from '../src/index.js';
import { DEMO_CORP, DEMO_MP, DEMO_SECRET, get, post, tokenOf, type WecomBody } from './inject-client.js';

const gettoken = (secret = DEMO_SECRET) => `/cgi-bin/gettoken?corpid=${DEMO_CORP}&corpsecret=${secret}`;
const c2s = (token: string, code: string) =>
  `/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${code}&grant_type=authorization_code`;

async function send(
  app: SandboxFastifyInstance,
  method: 'PATCH' | 'DELETE' | 'POST',
  url: string,
  payload?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({
    method,
    url,
    ...(payload === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
        }),
  });
  return { status: res.statusCode, body: res.body === '' ? {} : res.json<Record<string, unknown>>() };
}

async function loginCode(app: SandboxFastifyInstance, userid = 'zhangsan'): Promise<string> {
  return String((await post(app, '/__sandbox/login', { userid, appid: DEMO_MP })).body.code);
}

/** The errcode of each call the doctor makes, for the demo app with its configured secret. */
async function answers(app: SandboxFastifyInstance): Promise<Record<string, number>> {
  const token = (await get(app, gettoken())).body;
  if (typeof token.access_token !== 'string') return { gettoken: token.errcode };
  const access = token.access_token;
  const departments = (await get(app, `/cgi-bin/department/simplelist?access_token=${access}`)).body;
  return {
    gettoken: 0,
    invalidCode: (await get(app, c2s(access, 'not-a-real-code'))).body.errcode,
    realCode: (await get(app, c2s(access, await loginCode(app)))).body.errcode,
    departments:
      departments.errcode === 0 ? (departments.department_id as unknown[]).length : -departments.errcode,
    userGet: (await get(app, `/cgi-bin/user/get?access_token=${access}&userid=zhangsan`)).body.errcode,
  };
}

const healthy = { gettoken: 0, invalidCode: 40029, realCode: 0, departments: 8, userGet: 0 };

describe('control API: broken app states', () => {
  it.each([
    ['wrong_secret', { gettoken: 40001 }],
    ['untrusted_ip', { gettoken: 60020 }],
    ['not_associated', { ...healthy, invalidCode: 40014, realCode: 40014 }],
    ['empty_visible_range', { ...healthy, departments: 0, userGet: 60011 }],
    ['other_mini_program', { ...healthy, realCode: 48002 }],
  ])('%s breaks what it names, and restoring mends it', async (state, broken) => {
    const app = buildSandboxApp();
    expect(await answers(app)).toEqual(healthy);
    const applied = await send(app, 'POST', '/__sandbox/app-faults', { state });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ state, app: { corpid: DEMO_CORP, agentId: 1000002 } });
    expect(await answers(app)).toEqual(broken);
    expect(await send(app, 'DELETE', '/__sandbox/app-faults')).toEqual({
      status: 200,
      body: { restored: 1 },
    });
    expect(await answers(app)).toEqual(healthy);
  });

  it('names the caller in the 60020 errmsg, as WeCom does', async () => {
    const app = buildSandboxApp();
    await send(app, 'POST', '/__sandbox/app-faults', { state: 'untrusted_ip' });
    const { body } = await get(app, gettoken(), '198.51.100.7');
    expect(body.errcode).toBe(60020);
    expect(body.errmsg).toContain('from ip: 198.51.100.7');
  });

  it('breaks the same app twice by default, and restores it whole', async () => {
    const app = buildSandboxApp();
    await send(app, 'POST', '/__sandbox/app-faults', { state: 'not_associated' });
    const second = await send(app, 'POST', '/__sandbox/app-faults', { state: 'untrusted_ip' });
    expect(second.body).toMatchObject({ app: { agentId: 1000002, miniProgramAppId: null } });
    expect((await send(app, 'DELETE', '/__sandbox/app-faults')).body).toEqual({ restored: 1 });
    expect(await answers(app)).toEqual(healthy);
  });
});

describe('control API: app settings', () => {
  it('sets a new secret (a rotation): the old one is refused, the new one works', async () => {
    const app = buildSandboxApp();
    const patched = await send(app, 'PATCH', '/__sandbox/apps/1000002', { secret: 'the-new-secret' });
    expect(patched).toMatchObject({ status: 200, body: { agentId: 1000002, secret: 'the-new-secret' } });
    expect((await get(app, gettoken())).body.errcode).toBe(40001);
    expect(await tokenOf(app, 'the-new-secret')).toEqual(expect.any(String));
  });

  it('sets trusted IPs and a visible range of named members', async () => {
    const app = buildSandboxApp();
    await send(app, 'PATCH', '/__sandbox/apps/1000002', {
      trustedIps: ['127.0.0.1'],
      visibleRange: { userIds: ['lisi'] },
    });
    const token = await tokenOf(app);
    expect((await get(app, `/cgi-bin/user/get?access_token=${token}&userid=lisi`)).body.errcode).toBe(0);
    expect((await get(app, `/cgi-bin/user/get?access_token=${token}&userid=zhangsan`)).body.errcode).toBe(
      60011,
    );
    expect((await get(app, gettoken(), '10.0.0.1')).body.errcode).toBe(60020);
  });

  it.each([
    ['/__sandbox/apps/1000002', { secret: '' }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { secret: 'demo-nomp-secret' }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { trustedIps: ['not-an-ip'] }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { miniProgramAppId: 'wxnone' }, 404, 'unknown_mini_program'],
    ['/__sandbox/apps/1000002', { visibleRange: { userIds: ['ghost'] } }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { visibleRange: { departmentIds: [99] } }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { colour: 'red' }, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', { corpid: 'wwnone' }, 404, 'unknown_corp'],
    ['/__sandbox/apps/999', {}, 400, 'invalid_request'],
    ['/__sandbox/apps/abc', {}, 400, 'invalid_request'],
    ['/__sandbox/apps/1000002', 'not json', 400, 'invalid_json'],
    ['/__sandbox/apps/1000002', [1, 2], 400, 'invalid_request'],
  ])('PATCH %s %j → %i %s', async (url, payload, status, error) => {
    const res = await send(buildSandboxApp(), 'PATCH', url, payload);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, message: expect.any(String) });
  });

  it.each([
    [{}, 400, 'invalid_request'],
    [{ state: 'broken' }, 400, 'invalid_request'],
    [{ state: 'wrong_secret', corpid: 'wwnone' }, 404, 'unknown_corp'],
    [{ state: 'wrong_secret', corpid: 'wwother000000002' }, 400, 'invalid_request'],
  ])('POST /__sandbox/app-faults %j → %i %s', async (payload, status, error) => {
    const res = await send(buildSandboxApp(), 'POST', '/__sandbox/app-faults', payload);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error, message: expect.any(String) });
  });

  it('answers any body with 2xx or a 4xx carrying a stable code, never a 5xx', async () => {
    const app = buildSandboxApp();
    const body = fc.oneof(
      fc.json({ maxDepth: 3 }),
      fc.string({ maxLength: 100 }),
      fc.record(
        {
          state: fc.oneof(fc.string(), fc.constantFrom('wrong_secret', 'untrusted_ip')),
          secret: fc.oneof(fc.string(), fc.integer()),
          trustedIps: fc.array(fc.oneof(fc.ipV4(), fc.string()), { maxLength: 3 }),
          miniProgramAppId: fc.oneof(fc.constant(null), fc.string(), fc.constant(DEMO_MP)),
          agentId: fc.oneof(fc.integer(), fc.string()),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/__sandbox/apps/1000002', '/__sandbox/app-faults'),
        body,
        async (url, payload) => {
          const res = await send(app, url.endsWith('faults') ? 'POST' : 'PATCH', url, payload);
          if (res.status >= 300) {
            expect(res.status).toBeLessThan(500);
            expect(res.body).toMatchObject({ error: expect.stringMatching(/^[a-z_]+$/) });
          }
          await send(app, 'DELETE', '/__sandbox/app-faults');
        },
      ),
      { numRuns: 150 },
    );
    const check: WecomBody = (await get(app, gettoken())).body;
    expect(check.errcode).toBe(0);
  });
});
