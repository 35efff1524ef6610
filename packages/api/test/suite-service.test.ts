/**
 * The suite's own APIs: the install exchange in both answer shapes (and v2), the corp's authorisation, install links,
 * and the third-party mini-program login.
 */
import {
  type AccessTokenStore,
  createMemoryAccessTokenStore,
  type SuiteCode2SessionResult,
  type SuitePermanentCode,
  WecomAuthorizationGoneError,
  WecomConfigError,
  WecomInvalidCodeError,
  WecomMalformedResponseError,
  WecomRequestError,
  WecomTimeoutError,
} from '@wecom-auth/api';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { json, type ScriptedInstall, scriptedSuite } from './scripted-wecom.js';
import { corpTokenPath, suiteLoginPath, suiteSetup, testClock } from './suite-setup.js';

const [corpA, corpB] = scriptedSuite.corps as [ScriptedInstall, ScriptedInstall];
const permanentCodePath = '/cgi-bin/service/get_permanent_code';

describe('service.getPermanentCode', () => {
  it('reads the full answer and keeps its corp token where corpClient finds it', async () => {
    const { wecom, suite } = suiteSetup();
    const install = await suite.service.getPermanentCode(corpA.authCode);
    expectTypeOf(install).toEqualTypeOf<SuitePermanentCode>();
    expect(install).toEqual({
      permanentCode: corpA.permanentCode,
      corpId: corpA.corpId,
      corpName: corpA.corpName,
      authCorpInfo: expect.objectContaining({
        corpid: corpA.corpId,
        corp_name: corpA.corpName,
        subject_type: 1,
      }),
      authInfo: { agent: [expect.objectContaining({ agentid: 1000012, privilege: expect.any(Object) })] },
      authUser: { userid: 'admin', open_userid: 'woAdmin0000000000000000000001', name: '管理员' },
      dealerCorpInfo: { corpid: 'wpDealer000000000000000000001', corp_name: '代理商' },
      state: 'from-site',
      corpToken: { token: `corp-token-${corpA.corpId}-1`, expiresInSeconds: 7200 },
    });
    expect(wecom.requests.find((r) => r.path === permanentCodePath)).toEqual({
      method: 'POST',
      path: permanentCodePath,
      query: { suite_access_token: 'suite-token-1' },
      body: { auth_code: corpA.authCode },
    });

    const corp = suite.corpClient({ corpId: install.corpId, permanentCode: install.permanentCode });
    await corp.user.get('zhangsan');
    expect(wecom.count(corpTokenPath)).toBe(0);
    expect(wecom.requests.at(-1)?.query.access_token).toBe(`corp-token-${corpA.corpId}-1`);
  });

  it('reads the simplified answer (no errcode, no auth_info, no token)', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(permanentCodePath, () =>
      json({
        auth_corp_info: { corpid: corpB.corpId, corp_name: corpB.corpName },
        permanent_code: 'simple-pc',
      }),
    );
    expect(await suite.service.getPermanentCode(corpB.authCode)).toEqual({
      permanentCode: 'simple-pc',
      corpId: corpB.corpId,
      corpName: corpB.corpName,
      authCorpInfo: { corpid: corpB.corpId, corp_name: corpB.corpName },
    });
  });

  it('v2: the permanent code, corp and admin only', async () => {
    const { wecom, suite } = suiteSetup();
    const install = await suite.service.getPermanentCodeV2(corpB.authCode);
    expect(install).toEqual({
      permanentCode: corpB.permanentCode,
      corpId: corpB.corpId,
      corpName: corpB.corpName,
      authCorpInfo: { corpid: corpB.corpId, corp_name: corpB.corpName },
      authUser: { userid: 'admin', open_userid: 'woAdmin0000000000000000000001' },
    });
    expect(wecom.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/cgi-bin/service/v2/get_permanent_code',
      body: { auth_code: corpB.authCode },
    });
  });

  it('a spent auth code is 40078, a request error that says the first exchange holds the code', async () => {
    const { suite } = suiteSetup();
    await suite.service.getPermanentCode(corpA.authCode);
    const error = await suite.service.getPermanentCode(corpA.authCode).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomRequestError);
    expect(error).toMatchObject({ errcode: 40078, hint: expect.stringContaining('first exchange') });
  });

  it('an answer without the permanent code or the corp is malformed', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(
      permanentCodePath,
      () => json({ auth_corp_info: { corpid: corpA.corpId } }),
      () => json({ permanent_code: 'pc', auth_corp_info: {} }),
    );
    for (let i = 0; i < 2; i++) {
      await expect(suite.service.getPermanentCode(corpA.authCode)).rejects.toBeInstanceOf(
        WecomMalformedResponseError,
      );
    }
  });

  it('still returns the install when keeping its corp token fails', async () => {
    const clock = testClock();
    const memory = createMemoryAccessTokenStore({ now: clock.now });
    const store: AccessTokenStore = {
      ...memory,
      putIfNewer: async (key, record) => {
        if (key.includes('|suite-corp|')) throw Object.assign(new Error('store down'), { code: 'EDOWN' });
        return memory.putIfNewer(key, record);
      },
    };
    const { suite, logLines } = suiteSetup({ store, clock });
    expect((await suite.service.getPermanentCode(corpA.authCode)).permanentCode).toBe(corpA.permanentCode);
    expect(logLines.some((line) => line.includes('keeping the corp token of an install failed'))).toBe(true);
  });

  it('is not tried again after a timeout: the auth code may be spent', async () => {
    const { wecom, suite } = suiteSetup({ settings: { retry: { maxAttempts: 3, baseDelayMs: 0 } } });
    await suite.suiteToken.getToken();
    wecom.queue(permanentCodePath, (request) => {
      throw new WecomTimeoutError({
        timeoutMs: 1,
        apiPath: request.apiPath,
        idempotent: request.idempotent === true,
      });
    });
    await expect(suite.service.getPermanentCode(corpA.authCode)).rejects.toBeInstanceOf(WecomTimeoutError);
    expect(wecom.count(permanentCodePath)).toBe(1);
  });
});

describe('service.getAuthInfo', () => {
  it('reads auth_corp_info and auth_info, as an idempotent POST', async () => {
    const { wecom, suite } = suiteSetup();
    const info = await suite.service.getAuthInfo(corpA.corpId, corpA.permanentCode);
    expect(info).toEqual({
      corpId: corpA.corpId,
      corpName: corpA.corpName,
      authCorpInfo: expect.objectContaining({ corpid: corpA.corpId }),
      authInfo: { agent: [expect.objectContaining({ agentid: 1000012 })] },
    });
    expect(wecom.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/cgi-bin/service/get_auth_info',
      body: { auth_corpid: corpA.corpId, permanent_code: corpA.permanentCode },
    });
  });

  it('48004 and 40084 are WecomAuthorizationGoneError naming the corp', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.suite.cancelled.add(corpA.corpId);
    await expect(suite.service.getAuthInfo(corpA.corpId, corpA.permanentCode)).rejects.toMatchObject({
      constructor: WecomAuthorizationGoneError,
      errcode: 48004,
      corpId: corpA.corpId,
    });
    await expect(suite.service.getAuthInfo(corpB.corpId, 'old-permanent-code')).rejects.toMatchObject({
      constructor: WecomAuthorizationGoneError,
      errcode: 40084,
      corpId: corpB.corpId,
    });
  });

  it('rejects misuse with exact TypeErrors', async () => {
    const { suite } = suiteSetup();
    await expect(suite.service.getAuthInfo('', 'p')).rejects.toThrow(
      new TypeError('corpId must be a non-empty string'),
    );
    await expect(suite.service.getAuthInfo('wp1', '')).rejects.toThrow(
      new TypeError('permanentCode must be a non-empty string'),
    );
    await expect(suite.service.getPermanentCode('')).rejects.toThrow(
      new TypeError('authCode must be a non-empty string'),
    );
  });
});

describe('install links', () => {
  it('getPreAuthCode and setSessionInfo', async () => {
    const { wecom, suite } = suiteSetup();
    expect(await suite.service.getPreAuthCode()).toEqual({
      preAuthCode: 'pre-auth-code-1',
      expiresInSeconds: 1200,
    });
    await suite.service.setSessionInfo('pre-auth-code-1', { authType: 'test' });
    await suite.service.setSessionInfo('pre-auth-code-1', { authType: 'official', appIds: [1, 2] });
    const bodies = wecom.requests
      .filter((r) => r.path === '/cgi-bin/service/set_session_info')
      .map((r) => r.body);
    expect(bodies).toEqual([
      { pre_auth_code: 'pre-auth-code-1', session_info: { auth_type: 1 } },
      { pre_auth_code: 'pre-auth-code-1', session_info: { appid: [1, 2], auth_type: 0 } },
    ]);
    await expect(suite.service.setSessionInfo('p', { authType: 'demo' as never })).rejects.toThrow(
      new TypeError("session.authType must be 'official' or 'test'"),
    );
    await expect(
      suite.service.setSessionInfo('p', { authType: 'test', appIds: ['1'] as never }),
    ).rejects.toThrow(new TypeError('session.appIds must be an array of integers'));
  });

  it('42007 (pre-auth code expired) is a request error', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue('/cgi-bin/service/set_session_info', () =>
      json({ errcode: 42007, errmsg: 'pre_auth_code expired' }),
    );
    await expect(suite.service.setSessionInfo('old', { authType: 'test' })).rejects.toMatchObject({
      constructor: WecomRequestError,
      errcode: 42007,
      hint: expect.stringContaining('get_pre_auth_code'),
    });
  });
});

describe('suite.miniprogram.code2Session', () => {
  it('exchanges the code with the suite token and normalises the answer', async () => {
    const { wecom, suite } = suiteSetup();
    const session = await suite.miniprogram.code2Session('js-code-1');
    expectTypeOf(session).toEqualTypeOf<SuiteCode2SessionResult>();
    expect(session).toEqual({
      corpId: corpA.corpId,
      userId: 'zhangsan',
      openUserId: scriptedSuite.openUserId,
      sessionKey: 'scripted-session-key-0000000001',
    });
    expect(wecom.requests.at(-1)).toEqual({
      method: 'GET',
      path: suiteLoginPath,
      query: { suite_access_token: 'suite-token-1', js_code: 'js-code-1', grant_type: 'authorization_code' },
      body: undefined,
    });
  });

  it('maps 40029 to WecomInvalidCodeError with the hint for suites (wx.qy.login with suiteId)', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(suiteLoginPath, () => json({ errcode: 40029, errmsg: 'invalid code' }));
    const error = await suite.miniprogram.code2Session('spent').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomInvalidCodeError);
    expect(error).toMatchObject({
      code: 'invalid_code',
      errcode: 40029,
      errmsg: 'invalid code',
      apiPath: suiteLoginPath,
      hint: expect.stringContaining('wx.qy.login({ suiteId })'),
    });
    expect((error as Error).message).toContain('several suites');
    expect(wecom.count(suiteLoginPath)).toBe(1);
  });

  it('maps 48002 to a configuration error about the mini program bound to the suite', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(suiteLoginPath, () => json({ errcode: 48002, errmsg: 'api forbidden' }));
    await expect(suite.miniprogram.code2Session('c')).rejects.toMatchObject({
      constructor: WecomConfigError,
      errcode: 48002,
      hint: expect.stringContaining('not bound to this suite'),
    });
  });

  it.each(['corpid', 'userid', 'open_userid', 'session_key'])(
    'an answer without %s is malformed',
    async (field) => {
      const { wecom, suite } = suiteSetup();
      const answer: Record<string, unknown> = {
        corpid: corpA.corpId,
        userid: 'u',
        open_userid: 'wo1',
        session_key: 'k',
      };
      delete answer[field];
      wecom.queue(suiteLoginPath, () => json(answer));
      const error = await suite.miniprogram.code2Session('c').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WecomMalformedResponseError);
      expect(JSON.stringify(error)).not.toContain('"k"');
    },
  );

  it('is not tried again after a timeout: WeCom may have spent the code', async () => {
    const { wecom, suite } = suiteSetup({ settings: { retry: { maxAttempts: 3, baseDelayMs: 0 } } });
    await suite.suiteToken.getToken();
    wecom.queue(suiteLoginPath, (request) => {
      throw new WecomTimeoutError({
        timeoutMs: 1,
        apiPath: request.apiPath,
        idempotent: request.idempotent === true,
      });
    });
    await expect(suite.miniprogram.code2Session('c')).rejects.toBeInstanceOf(WecomTimeoutError);
    expect(wecom.count(suiteLoginPath)).toBe(1);
  });
});
