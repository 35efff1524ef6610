import { describe, expect, it } from 'vitest';
import { buildSandboxApp } from '../src/index.js';
import { get, post, tokenOf } from './inject-client.js';

describe('GET /cgi-bin/auth/getuserinfo', () => {
  it('answers userid for members of the token corp, once per code', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const minted = await post(app, '/__sandbox/oauth-code', { userid: 'LiSi' });
    expect(minted.body).toEqual({ code: expect.stringMatching(/^[0-9a-f]{32}$/), expiresIn: 300 });
    const url = `/cgi-bin/auth/getuserinfo?access_token=${token}&code=${String(minted.body.code)}`;
    expect((await get(app, url)).body).toEqual({ errcode: 0, errmsg: 'ok', userid: 'lisi' });
    expect((await get(app, url)).body.errcode).toBe(40029);
  });

  it('answers openid and external_userid for people of another corp', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { code } = app.sandboxControl.oauthCode({ userid: 'wuyue', corpid: 'wwother000000002' });
    const { body } = await get(app, `/cgi-bin/auth/getuserinfo?access_token=${token}&code=${code}`);
    expect(body).toEqual({
      errcode: 0,
      errmsg: 'ok',
      openid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/),
      external_userid: expect.stringMatching(/^wm[A-Za-z0-9_-]{30}$/),
    });
    expect(body).not.toHaveProperty('userid');
  });

  it('rejects expired, unknown and missing codes, and mini-program codes', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { code } = app.sandboxControl.oauthCode({ userid: 'zhangsan' });
    app.sandboxControl.advanceClock(300);
    expect(
      (await get(app, `/cgi-bin/auth/getuserinfo?access_token=${token}&code=${code}`)).body.errcode,
    ).toBe(40029);
    const miniProgramCode = app.sandboxControl.login({ userid: 'zhangsan' }).code;
    const res = await get(app, `/cgi-bin/auth/getuserinfo?access_token=${token}&code=${miniProgramCode}`);
    expect(res.body.errcode).toBe(40029);
    expect((await get(app, `/cgi-bin/auth/getuserinfo?access_token=${token}`)).body.errcode).toBe(41008);
    expect((await post(app, '/__sandbox/oauth-code', { userid: 'ghost' })).status).toBe(404);
    expect((await post(app, '/__sandbox/oauth-code', { user: 'zhangsan' })).status).toBe(400);
  });
});
