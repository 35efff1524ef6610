import { describe, expect, it } from 'vitest';
import { buildSandboxApp, DEMO_APP, type DirectoryFixtureInput } from '../src/index.js';
import { get, post, tokenOf } from './inject-client.js';

const SENSITIVE = ['avatar', 'thumb_avatar', 'mobile', 'email', 'biz_mail', 'qr_code', 'address'];

const narrowFixture: DirectoryFixtureInput = {
  corps: [
    {
      corpId: 'wwnarrow',
      name: 'Narrow',
      departments: [
        { id: 1, name: 'Root', parentid: 0 },
        { id: 2, name: 'Sales', parentid: 1 },
        { id: 3, name: 'Ops', parentid: 1 },
      ],
      apps: [{ agentId: 1, name: 'a', secret: 's', visibleRange: { departmentIds: [2], userIds: ['olga'] } }],
      users: [
        { userid: 'sam', name: 'Sam', department: [2], status: 1 },
        { userid: 'olga', name: 'Olga', department: [3], status: 1 },
        { userid: 'otto', name: 'Otto', department: [3], status: 1 },
        { userid: 'ivy', name: 'Ivy', department: [2], status: 4 },
        { userid: 'leo', name: 'Leo', department: [2], status: 5 },
      ],
    },
  ],
};

describe('GET /cgi-bin/user/get', () => {
  it('returns the full member profile, case-insensitively, with absolute avatar URLs', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { body } = await get(app, `/cgi-bin/user/get?access_token=${token}&userid=ZhangSan`);
    expect(body).toMatchObject({
      errcode: 0,
      errmsg: 'ok',
      userid: 'zhangsan',
      name: '张三',
      department: [4],
      order: [0],
      position: '后端工程师',
      mobile: expect.stringMatching(/^138\d{8}$/),
      gender: '1',
      email: 'zhangsan@demo.example',
      is_leader_in_dept: [0],
      direct_leader: ['lisi'],
      avatar: 'http://localhost:80/avatars/zhangsan.svg',
      main_department: 4,
      status: 1,
      extattr: { attrs: [expect.objectContaining({ type: 0, name: '工号' })] },
      external_profile: expect.objectContaining({ external_corp_name: '演示科技' }),
    });
    for (const key of [
      'biz_mail',
      'thumb_avatar',
      'telephone',
      'alias',
      'address',
      'qr_code',
      'external_position',
    ]) {
      expect(body).toHaveProperty(key);
    }
    expect(body).not.toHaveProperty('open_userid');
  });

  it('withholds the seven sensitive fields from apps created after 2022-06-20', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app, 'demo-private-secret');
    const { body } = await get(app, `/cgi-bin/user/get?access_token=${token}&userid=lisi`);
    expect(body.errcode).toBe(0);
    for (const key of SENSITIVE) expect(body).not.toHaveProperty(key);
    expect(body.gender).toBe('0');
    expect(body.name).toBe('李四');
  });

  it('switches an app to before or after 2022-06-20 through the control API, from the next user/get on', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const userGet = async () => (await get(app, `/cgi-bin/user/get?access_token=${token}&userid=lisi`)).body;
    expect(await userGet()).toHaveProperty('mobile');
    const after = await app.inject({
      method: 'PATCH',
      url: `/__sandbox/directory/apps/${DEMO_APP.agentId}`,
      payload: { createdAfter20220620: true },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({
      corpId: 'wwdemo0000000001',
      agentId: DEMO_APP.agentId,
      name: '员工助手',
      createdAfter20220620: true,
    });
    const withheld = await userGet();
    for (const key of SENSITIVE) expect(withheld).not.toHaveProperty(key);
    expect(withheld.gender).toBe('0');
    expect(app.sandboxControl.directory().corps[0]?.apps[0]?.createdAfter20220620).toBe(true);
    app.sandboxControl.setAppCreation({ agentId: DEMO_APP.agentId, createdAfter20220620: false });
    expect(await userGet()).toHaveProperty('mobile');
  });

  it.each([
    [
      `/__sandbox/directory/apps/${DEMO_APP.agentId}`,
      { createdAfter20220620: 'yes' },
      400,
      'invalid_request',
    ],
    [
      `/__sandbox/directory/apps/${DEMO_APP.agentId}`,
      { createdAfter20220620: true, extra: 1 },
      400,
      'invalid_request',
    ],
    ['/__sandbox/directory/apps/4242', { createdAfter20220620: true }, 400, 'invalid_request'],
    ['/__sandbox/directory/apps/abc', { createdAfter20220620: true }, 400, 'invalid_request'],
    [
      `/__sandbox/directory/apps/${DEMO_APP.agentId}`,
      { corpid: 'wwnone', createdAfter20220620: true },
      404,
      'unknown_corp',
    ],
  ])('PATCH %s %j → %i %s', async (url, payload, status, error) => {
    const app = buildSandboxApp();
    const res = await app.inject({ method: 'PATCH', url, payload });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ error, message: expect.any(String) });
  });

  it('answers 60111 for unknown members and members who left, 41009 without userid', async () => {
    const app = buildSandboxApp({ fixture: narrowFixture });
    const token = await tokenOf(app, 's', 'wwnarrow');
    expect((await get(app, `/cgi-bin/user/get?access_token=${token}&userid=ghost`)).body.errcode).toBe(60111);
    expect((await get(app, `/cgi-bin/user/get?access_token=${token}&userid=leo`)).body.errcode).toBe(60111);
    expect((await get(app, `/cgi-bin/user/get?access_token=${token}`)).body.errcode).toBe(41009);
  });

  it('answers 60011 outside the visible range (or 60111 when configured)', async () => {
    const app = buildSandboxApp({ fixture: narrowFixture });
    const token = await tokenOf(app, 's', 'wwnarrow');
    const hidden = await get(app, `/cgi-bin/user/get?access_token=${token}&userid=otto`);
    expect(hidden.body.errcode).toBe(60011);
    expect(hidden.body.errmsg).toMatch(/^no privilege to access\/modify contact\/party\/agent , hint/);
    // Visible by name although the department is not.
    const named = await get(app, `/cgi-bin/user/get?access_token=${token}&userid=olga`);
    expect(named.body).toMatchObject({ errcode: 0, department: [3] });
    const strict = buildSandboxApp({ fixture: narrowFixture, invisibleUserErrcode: 60111 });
    const strictToken = await tokenOf(strict, 's', 'wwnarrow');
    expect(
      (await get(strict, `/cgi-bin/user/get?access_token=${strictToken}&userid=otto`)).body.errcode,
    ).toBe(60111);
  });
});

describe('POST /cgi-bin/user/convert_to_openid', () => {
  it('returns a stable openid for visible members', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const one = await post(app, `/cgi-bin/user/convert_to_openid?access_token=${token}`, {
      userid: 'zhangsan',
    });
    const two = await post(app, `/cgi-bin/user/convert_to_openid?access_token=${token}`, {
      userid: 'ZHANGSAN',
    });
    expect(one.body).toMatchObject({ errcode: 0, openid: expect.stringMatching(/^o[A-Za-z0-9_-]{27}$/) });
    expect(two.body.openid).toBe(one.body.openid);
  });

  it('answers 43004 for inactive members, 60011 for invisible ones, 60111 for unknown ones', async () => {
    const app = buildSandboxApp({ fixture: narrowFixture, errmsgStyle: 'doc' });
    const token = await tokenOf(app, 's', 'wwnarrow');
    const call = async (userid: string) =>
      (await post(app, `/cgi-bin/user/convert_to_openid?access_token=${token}`, { userid })).body.errcode;
    expect(await call('ivy')).toBe(43004);
    expect(await call('otto')).toBe(60011);
    expect(await call('ghost')).toBe(60111);
  });

  it('prefixes the errmsg with the JSON warning for a malformed body', async () => {
    const app = buildSandboxApp({ errmsgStyle: 'doc' });
    const token = await tokenOf(app);
    const { status, body } = await post(
      app,
      `/cgi-bin/user/convert_to_openid?access_token=${token}`,
      '{"userid":',
    );
    expect(status).toBe(200);
    expect(body).toEqual({ errcode: 41009, errmsg: 'Warning: wrong json format. missing userid' });
    const live = buildSandboxApp();
    const liveToken = await tokenOf(live);
    const res = await post(live, `/cgi-bin/user/convert_to_openid?access_token=${liveToken}`, '[1,2]');
    expect(res.body.errmsg).toMatch(/^Warning: wrong json format\. missing userid, hint: \[\d{25}\]/);
  });

  it('loses the body on GET, as WeCom does', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    expect((await get(app, `/cgi-bin/user/convert_to_openid?access_token=${token}`)).body.errcode).toBe(
      41009,
    );
  });
});

describe('POST /cgi-bin/user/list_id', () => {
  it('pages through the visible members', async () => {
    const app = buildSandboxApp({ fixture: narrowFixture });
    const token = await tokenOf(app, 's', 'wwnarrow');
    const first = await post(app, `/cgi-bin/user/list_id?access_token=${token}`, { limit: 2 });
    expect(first.body).toMatchObject({
      errcode: 0,
      dept_user: [
        { userid: 'sam', department: 2 },
        { userid: 'olga', department: 3 },
      ],
    });
    const cursor = String(first.body.next_cursor);
    expect(cursor).not.toBe('');
    const second = await post(app, `/cgi-bin/user/list_id?access_token=${token}`, { cursor, limit: 2 });
    expect(second.body).toMatchObject({ next_cursor: '', dept_user: [{ userid: 'ivy', department: 2 }] });
  });

  it.each([[{ limit: 0 }], [{ limit: 10_001 }], [{ limit: 'x' }], [{ cursor: '!!' }]])(
    'rejects %j with 40058',
    async (body) => {
      const app = buildSandboxApp();
      const token = await tokenOf(app);
      expect((await post(app, `/cgi-bin/user/list_id?access_token=${token}`, body)).body.errcode).toBe(40058);
    },
  );
});

describe('POST /cgi-bin/batch/userid_to_openuserid', () => {
  it('is forbidden to self-built apps (48002)', async () => {
    const app = buildSandboxApp();
    const token = await tokenOf(app);
    const { body } = await post(app, `/cgi-bin/batch/userid_to_openuserid?access_token=${token}`, {
      userid_list: ['zhangsan'],
    });
    expect(body.errcode).toBe(48002);
  });
});

describe('GET /avatars/<userid>.svg', () => {
  it('serves a generated avatar and 404s unknown ones', async () => {
    const app = buildSandboxApp();
    const res = await app.inject({ url: '/avatars/zhangsan.svg' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(res.body).toContain('>三</text>');
    expect((await app.inject({ url: '/avatars/ghost.svg' })).statusCode).toBe(404);
  });

  it('picks the member of the corp given by ?corpid=, whose userid another corp may also use', async () => {
    const app = buildSandboxApp();
    const sub = await app.inject({ url: '/avatars/zhangsan.svg?corpid=wwsub00000000003' });
    expect(sub.body).toContain('>珊</text>');
    const demo = await app.inject({ url: '/avatars/zhangsan.svg?corpid=wwdemo0000000001' });
    expect(demo.body).toContain('>三</text>');
    expect((await app.inject({ url: '/avatars/chenhao.svg?corpid=wwdemo0000000001' })).statusCode).toBe(404);
  });
});
