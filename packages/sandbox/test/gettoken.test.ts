import { describe, expect, it } from 'vitest';
import { buildSandboxApp, type DirectoryFixtureInput } from '../src/index.js';
import { DEMO_CORP, DEMO_SECRET, get } from './inject-client.js';

const url = (corpid: string, secret: string): string =>
  `/cgi-bin/gettoken?corpid=${corpid}&corpsecret=${secret}`;
const LIVE_ERRMSG =
  /^(.+), hint: \[(\d{25})\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=(-?\d+)$/;

describe('GET /cgi-bin/gettoken', () => {
  it('returns a long token, the same one until expiry, with the remaining lifetime', async () => {
    const app = buildSandboxApp({ seed: 1 });
    const first = await get(app, url(DEMO_CORP, DEMO_SECRET));
    expect(first.status).toBe(200);
    expect(first.contentType).toBe('application/json; charset=utf-8');
    expect(first.body).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(first.body.access_token).toMatch(/^[A-Za-z0-9_-]{100,512}$/);

    app.sandboxControl.advanceClock(600);
    const second = await get(app, url(DEMO_CORP, DEMO_SECRET));
    expect(second.body.access_token).toBe(first.body.access_token);
    expect(second.body.expires_in).toBe(6600);

    // Another app of the same corp has its own token.
    const other = await get(app, url(DEMO_CORP, 'demo-nomp-secret'));
    expect(other.body.access_token).not.toBe(first.body.access_token);

    app.sandboxControl.advanceClock(6600);
    const renewed = await get(app, url(DEMO_CORP, DEMO_SECRET));
    expect(renewed.body.access_token).not.toBe(first.body.access_token);
    expect(renewed.body.expires_in).toBe(7200);
    const stale = await get(
      app,
      `/cgi-bin/department/simplelist?access_token=${String(first.body.access_token)}`,
    );
    expect(stale.body.errcode).toBe(42001);
  });

  it('answers a fixed expires_in when asked', async () => {
    const app = buildSandboxApp({ tokenExpiresIn: 'fixed', tokenLifetimeSeconds: 600 });
    await get(app, url(DEMO_CORP, DEMO_SECRET));
    app.sandboxControl.advanceClock(100);
    expect((await get(app, url(DEMO_CORP, DEMO_SECRET))).body.expires_in).toBe(600);
  });

  it.each([
    ['wrong secret', url(DEMO_CORP, 'nope'), 40001, 'invalid credential'],
    ['secret of another corp', url(DEMO_CORP, 'other-secret'), 40091, 'secret is invalid'],
    ['unknown corp', url('wwnobody', DEMO_SECRET), 40013, 'invalid corpid'],
    ['missing corpid', `/cgi-bin/gettoken?corpsecret=${DEMO_SECRET}`, 41002, 'corpid missing'],
    ['empty corpid', `/cgi-bin/gettoken?corpid=&corpsecret=${DEMO_SECRET}`, 41002, 'corpid missing'],
    ['missing corpsecret', `/cgi-bin/gettoken?corpid=${DEMO_CORP}`, 41004, 'corpsecret missing'],
  ])('%s → %i with the live errmsg shape', async (_name, path, errcode, text) => {
    const app = buildSandboxApp();
    const { status, body } = await get(app, path);
    expect(status).toBe(200);
    expect(body.errcode).toBe(errcode);
    const match = LIVE_ERRMSG.exec(body.errmsg);
    expect(match?.[1]).toBe(text);
    expect(match?.[3]).toBe(String(errcode));
    const hintSeconds = Number(match?.[2]?.slice(0, 10));
    expect(Math.abs(hintSeconds - Date.now() / 1000)).toBeLessThan(120);
    expect(body).not.toHaveProperty('access_token');
  });

  it('uses bare texts in doc style and never echoes the secret', async () => {
    const app = buildSandboxApp({ errmsgStyle: 'doc' });
    const { body } = await get(app, url(DEMO_CORP, 'my-private-secret'));
    expect(body).toEqual({ errcode: 40001, errmsg: 'invalid credential' });
  });

  it('takes the first of repeated parameters', async () => {
    const app = buildSandboxApp();
    const { body } = await get(app, `${url(DEMO_CORP, DEMO_SECRET)}&corpid=wwnobody&corpsecret=x`);
    expect(body.errcode).toBe(0);
  });

  it('blocks an IP for an hour after N wrong secrets', async () => {
    const app = buildSandboxApp({ limits: { badSecretPerHour: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await get(app, url(DEMO_CORP, 'wrong'))).body.errcode).toBe(40001);
    expect((await get(app, url(DEMO_CORP, DEMO_SECRET))).body.errcode).toBe(45009);
    // Other IPs are not affected.
    expect((await get(app, url(DEMO_CORP, DEMO_SECRET), '10.1.1.1')).body.errcode).toBe(0);
    app.sandboxControl.advanceClock(3599);
    expect((await get(app, url(DEMO_CORP, DEMO_SECRET))).body.errcode).toBe(45009);
    app.sandboxControl.advanceClock(2);
    expect((await get(app, url(DEMO_CORP, DEMO_SECRET))).body.errcode).toBe(0);
  });

  it('refuses callers outside the app trusted IPs with 60020', async () => {
    const fixture: DirectoryFixtureInput = {
      corps: [
        {
          corpId: 'wwtrust',
          name: 'Trust',
          departments: [{ id: 1, name: 'Trust', parentid: 0 }],
          apps: [
            {
              agentId: 1,
              name: 'a',
              secret: 's1',
              trustedIps: ['10.0.0.7'],
              visibleRange: { departmentIds: [1] },
            },
          ],
        },
      ],
    };
    const app = buildSandboxApp({ fixture });
    expect((await get(app, url('wwtrust', 's1'))).body.errcode).toBe(60020);
    const ok = await get(app, url('wwtrust', 's1'), '10.0.0.7');
    expect(ok.body.errcode).toBe(0);
    const token = String(ok.body.access_token);
    expect((await get(app, `/cgi-bin/department/list?access_token=${token}`)).body.errcode).toBe(60020);
    expect((await get(app, `/cgi-bin/department/list?access_token=${token}`, '10.0.0.7')).body.errcode).toBe(
      0,
    );
  });

  it('is deterministic with a seed', async () => {
    const a = buildSandboxApp({ seed: 'same' });
    const b = buildSandboxApp({ seed: 'same' });
    const c = buildSandboxApp({ seed: 'other' });
    const token = async (app: typeof a) => (await get(app, url(DEMO_CORP, DEMO_SECRET))).body.access_token;
    const first = await token(a);
    expect(await token(b)).toBe(first);
    expect(await token(c)).not.toBe(first);
    a.sandboxControl.reset();
    expect(await token(a)).toBe(first);
  });
});
