import { describe, expect, it } from 'vitest';
import { buildSandboxApp, type DirectoryFixtureInput } from '../src/index.js';
import { DEMO_MP, get, tokenOf } from './inject-client.js';

const c2s = (token: string, code: string): string =>
  `/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${code}&grant_type=authorization_code`;

describe('GET /cgi-bin/miniprogram/jscode2session', () => {
  it('exchanges a code once for the member and a fresh session_key', async () => {
    const app = buildSandboxApp({ seed: 7 });
    const token = await tokenOf(app);
    const { code, expiresIn } = app.sandboxControl.login({ userid: 'zhangsan' });
    expect(expiresIn).toBe(300);
    const first = await get(app, c2s(token, code));
    expect(first.body).toEqual({
      errcode: 0,
      errmsg: 'ok',
      corpid: 'wwdemo0000000001',
      userid: 'zhangsan',
      session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
      deviceid: '',
    });
    expect(Buffer.from(String(first.body.session_key), 'base64')).toHaveLength(16);

    const reused = await get(app, c2s(token, code));
    expect(reused.body.errcode).toBe(40029);
    expect(reused.body.errmsg).toMatch(/^invalid code, hint: /);

    const second = await get(app, c2s(token, app.sandboxControl.login({ userid: 'ZhangSan' }).code));
    expect(second.body.userid).toBe('zhangsan');
    expect(second.body.session_key).not.toBe(first.body.session_key);
  });

  it('expires codes after 300 sandbox seconds', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const live = app.sandboxControl.login({ userid: 'lisi' }).code;
    const dead = app.sandboxControl.login({ userid: 'lisi' }).code;
    app.sandboxControl.advanceClock(299);
    expect((await get(app, c2s(token, live))).body.errcode).toBe(0);
    app.sandboxControl.advanceClock(1);
    expect((await get(app, c2s(token, dead))).body.errcode).toBe(40029);
  });

  it('answers 40029 for unknown codes and 41008 for a missing one', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    expect((await get(app, c2s(token, 'not-a-code'))).body.errcode).toBe(40029);
    expect((await get(app, `/cgi-bin/miniprogram/jscode2session?access_token=${token}`)).body.errcode).toBe(
      41008,
    );
  });

  it('answers 40014 for the token of an app without a mini program', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app, 'demo-nomp-secret');
    const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
    expect((await get(app, c2s(token, code))).body.errcode).toBe(40014);
  });

  it('answers 48002 for a code of another mini program, without consuming it', async () => {
    const fixture: DirectoryFixtureInput = {
      miniPrograms: [
        { appId: 'wxone', name: 'One' },
        { appId: 'wxtwo', name: 'Two' },
      ],
      corps: [
        {
          corpId: 'wwtwo',
          name: 'Two MPs',
          departments: [{ id: 1, name: 'Root', parentid: 0 }],
          apps: [
            {
              agentId: 1,
              name: 'one',
              secret: 's1',
              miniProgramAppId: 'wxone',
              visibleRange: { departmentIds: [1] },
            },
            {
              agentId: 2,
              name: 'two',
              secret: 's2',
              miniProgramAppId: 'wxtwo',
              visibleRange: { departmentIds: [1] },
            },
          ],
          users: [{ userid: 'amy', name: 'Amy', department: [1], status: 1 }],
        },
      ],
    };
    const app = buildSandboxApp({ fixture });
    const { code } = app.sandboxControl.login({ userid: 'amy', appid: 'wxtwo' });
    const wrong = await get(app, c2s(await tokenOf(app, 's1', 'wwtwo'), code));
    expect(wrong.body.errcode).toBe(48002);
    expect(wrong.body.errmsg).toMatch(/^api forbidden, hint/);
    const right = await get(app, c2s(await tokenOf(app, 's2', 'wwtwo'), code));
    expect(right.body).toMatchObject({ errcode: 0, userid: 'amy', corpid: 'wwtwo' });
  });

  it('gives members of another corp their corpid and a stable encrypted userid', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const exchange = async () =>
      (
        await get(
          app,
          c2s(token, app.sandboxControl.login({ userid: 'zhoujie', corpid: 'wwother000000002' }).code),
        )
      ).body;
    const first = await exchange();
    expect(first.corpid).toBe('wwother000000002');
    expect(first.userid).toMatch(/^wo[A-Za-z0-9_-]{30}$/);
    expect((await exchange()).userid).toBe(first.userid);
    const sibling = await get(
      app,
      c2s(token, app.sandboxControl.login({ userid: 'wuyue', corpid: 'wwother000000002' }).code),
    );
    expect(sibling.body.userid).not.toBe(first.userid);
    // Same answer in another sandbox: the id is derived, not random.
    const again = buildSandboxApp({ seed: 99 });
    const otherToken = await tokenOf(again);
    const code = again.sandboxControl.login({
      userid: 'zhoujie',
      corpid: 'wwother000000002',
      appid: DEMO_MP,
    }).code;
    expect((await get(again, c2s(otherToken, code))).body.userid).toBe(first.userid);
  });

  it("follows the multi-corp association rule: an associated corp answers with the user's corp, the code used up", async () => {
    const app = buildSandboxApp();
    const parentToken = await tokenOf(app);
    const subsidiaryToken = await tokenOf(app, 'sub-secret-change-me', 'wwsub00000000003');
    const subsidiaryLogin = () =>
      app.sandboxControl.login({ userid: 'zhangsan', corpid: 'wwsub00000000003' }).code;

    // The parent's token: the subsidiary's corpid with an encrypted userid, and the code is consumed.
    const first = subsidiaryLogin();
    const crossed = (await get(app, c2s(parentToken, first))).body;
    expect(crossed).toMatchObject({ errcode: 0, corpid: 'wwsub00000000003' });
    expect(crossed.userid).toMatch(/^wo[A-Za-z0-9_-]{30}$/);
    expect((await get(app, c2s(subsidiaryToken, first))).body.errcode).toBe(40029);

    // A new wx.qy.login code exchanged with the subsidiary's own token: its plain userid.
    const direct = (await get(app, c2s(subsidiaryToken, subsidiaryLogin()))).body;
    expect(direct).toMatchObject({ errcode: 0, corpid: 'wwsub00000000003', userid: 'zhangsan' });

    // The same userid in the parent corp is another person.
    const parentUser = (await get(app, `/cgi-bin/user/get?access_token=${parentToken}&userid=zhangsan`)).body;
    const subsidiaryUser = (
      await get(app, `/cgi-bin/user/get?access_token=${subsidiaryToken}&userid=zhangsan`)
    ).body;
    expect(parentUser.name).toBe('张三');
    expect(subsidiaryUser.name).toBe('张珊');
  });

  it('checks the token: 41001 missing, 40014 unknown or revoked, 42001 expired', async () => {
    const app = buildSandboxApp();
    const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
    expect((await get(app, `/cgi-bin/miniprogram/jscode2session?js_code=${code}`)).body.errcode).toBe(41001);
    expect((await get(app, c2s('bogus', code))).body.errcode).toBe(40014);
    const token = await tokenOf(app);
    expect(app.sandboxControl.expireTokens({ corpid: 'wwdemo0000000001', agentId: 1000002 })).toEqual({
      expired: 1,
    });
    expect((await get(app, c2s(token, code))).body.errcode).toBe(42001);
    const fresh = await tokenOf(app);
    expect(fresh).not.toBe(token);
    expect(app.sandboxControl.revokeTokens({ agentId: 1000002 })).toEqual({ revoked: 1 });
    expect((await get(app, c2s(fresh, code))).body.errcode).toBe(40014);
    // The code survived every failed attempt.
    expect((await get(app, c2s(await tokenOf(app), code))).body.errcode).toBe(0);
  });
});
