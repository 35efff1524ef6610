/**
 * The corp client of an installed corp: an ordinary client whose access_token comes from `get_corp_token` (carrying
 * the suite token), one per corp, one token fetch per corp however many callers and processes.
 */
import {
  createMemoryAccessTokenStore,
  createWecomClient,
  suiteCorpAuth,
  suiteCorpTokenCacheKey,
  type ThirdPartyUser,
  WecomAccessTokenError,
  WecomAuthorizationGoneError,
  type WecomClient,
  WecomRequestError,
} from '@wecom-auth/api';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createScriptedWecom,
  json,
  type ScriptedInstall,
  scriptedInstall,
  scriptedSuite,
} from './scripted-wecom.js';
import { baseUrl, corpTokenPath, suiteSetup, suiteTokenPath, testClock } from './suite-setup.js';

const [corpA, corpB] = scriptedSuite.corps as [ScriptedInstall, ScriptedInstall];
const installOf = ({ corpId, permanentCode }: ScriptedInstall) => ({ corpId, permanentCode });

describe('suite.corpClient', () => {
  it('is an ordinary client whose token comes from get_corp_token with the suite token', async () => {
    const { wecom, suite, fetches } = suiteSetup();
    const corp = suite.corpClient(installOf(corpA));
    expectTypeOf(corp).toEqualTypeOf<WecomClient<ThirdPartyUser>>();
    const member = await corp.user.get('zhangsan');
    expectTypeOf(member).toEqualTypeOf<ThirdPartyUser>();
    expect(member).toMatchObject({ userid: 'zhangsan', open_userid: scriptedSuite.openUserId });
    expect(member).not.toHaveProperty('name');

    expect(wecom.requests.map((r) => r.path)).toEqual([suiteTokenPath, corpTokenPath, '/cgi-bin/user/get']);
    expect(wecom.requests[1]).toEqual({
      method: 'POST',
      path: corpTokenPath,
      query: { suite_access_token: 'suite-token-1' },
      body: { auth_corpid: corpA.corpId, permanent_code: corpA.permanentCode },
    });
    expect(wecom.requests[2]?.query).toEqual({
      access_token: `corp-token-${corpA.corpId}-1`,
      userid: 'zhangsan',
    });
    expect(corp).toMatchObject({ corpId: corpA.corpId, baseUrl });
    expect(corp.accessToken.attachment.queryParameter).toBe('access_token');
    expect(fetches.map(({ kind, corpId, ok }) => ({ kind, corpId, ok }))).toEqual([
      { kind: 'suite', corpId: undefined, ok: true },
      { kind: 'corp', corpId: corpA.corpId, ok: true },
    ]);
  });

  it('caches the corp token under baseUrl|suite-corp|suiteId|corpId|hash, never the permanent code', async () => {
    const { suite, store } = suiteSetup();
    const corp = suite.corpClient(installOf(corpA));
    await corp.user.get('zhangsan');
    const key = suiteCorpTokenCacheKey({ baseUrl, suiteId: scriptedSuite.suiteId, ...installOf(corpA) });
    expect(key).toBe(`${baseUrl}|suite-corp|${scriptedSuite.suiteId}|${corpA.corpId}|${key.split('|')[4]}`);
    expect(key.split('|')[4]).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toContain(corpA.permanentCode);
    expect(corp.accessToken.cacheKey).toBe(key);
    expect((await store.get(key))?.token).toBe(`corp-token-${corpA.corpId}-1`);
    expect(
      suiteCorpTokenCacheKey({
        baseUrl,
        suiteId: scriptedSuite.suiteId,
        corpId: corpA.corpId,
        permanentCode: 'x',
      }),
    ).not.toBe(key);
  });

  it('gives the same client for the same corp, and a new one for a new permanent code', () => {
    const { suite } = suiteSetup();
    const first = suite.corpClient(installOf(corpA));
    expect(suite.corpClient({ ...installOf(corpA) })).toBe(first);
    expect(suite.corpClient(installOf(corpB))).not.toBe(first);
    const reinstalled = suite.corpClient({
      corpId: corpA.corpId,
      permanentCode: 'permanent-code-after-reinstall',
    });
    expect(reinstalled).not.toBe(first);
    expect(suite.corpClient({ corpId: corpA.corpId, permanentCode: 'permanent-code-after-reinstall' })).toBe(
      reinstalled,
    );
  });

  it('fetches one suite token and one corp token per corp for 200 concurrent calls on two corps', async () => {
    const { wecom, suite } = suiteSetup();
    const members = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        suite.corpClient(installOf(i % 2 === 0 ? corpA : corpB)).user.get(`user-${i}`),
      ),
    );
    expect(members).toHaveLength(200);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    const corpTokenCalls = wecom.requests.filter((r) => r.path === corpTokenPath);
    expect(corpTokenCalls.map((r) => (r.body as { auth_corpid: string }).auth_corpid).sort()).toEqual(
      [corpA.corpId, corpB.corpId].sort(),
    );
  });

  it('two suite clients on one store fetch one suite token and one corp token per corp', async () => {
    const clock = testClock();
    const wecom = createScriptedWecom();
    const store = createMemoryAccessTokenStore({ now: clock.now });
    const processes = [suiteSetup({ wecom, store, clock }), suiteSetup({ wecom, store, clock })];
    const calls = Array.from({ length: 400 }, (_, i) => {
      const { suite } = processes[i % 2] as (typeof processes)[number];
      const corp = suite.corpClient(installOf(i % 4 < 2 ? corpA : corpB));
      return i % 3 === 0 ? suite.miniprogram.code2Session(`code-${i}`) : corp.user.get(`user-${i}`);
    });
    await Promise.all(calls);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(wecom.count(corpTokenPath)).toBe(2);
    expect(
      processes
        .flatMap((p) => p.fetches)
        .map((f) => f.kind)
        .sort(),
    ).toEqual(['corp', 'corp', 'suite']);
  });

  it('replays a call whose corp token WeCom refused with a new corp token, the suite token untouched', async () => {
    const { wecom, suite } = suiteSetup();
    const corp = suite.corpClient(installOf(corpA));
    await corp.user.get('zhangsan');
    wecom.queue('/cgi-bin/user/get', () => json({ errcode: 40014, errmsg: 'invalid access_token' }));
    expect((await corp.user.get('zhangsan')).userid).toBe('zhangsan');
    expect(wecom.count(corpTokenPath)).toBe(2);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(wecom.requests.at(-1)?.query.access_token).toBe(`corp-token-${corpA.corpId}-2`);
  });

  it('refreshes the suite token when get_corp_token refuses it, and replays get_corp_token once', async () => {
    const { wecom, suite } = suiteSetup();
    await suite.suiteToken.getToken();
    wecom.queue(corpTokenPath, () => json({ errcode: 42009, errmsg: 'suite_access_token expired' }));
    expect((await suite.corpClient(installOf(corpA)).user.get('zhangsan')).userid).toBe('zhangsan');
    expect(wecom.count(suiteTokenPath)).toBe(2);
    expect(
      wecom.requests.filter((r) => r.path === corpTokenPath).map((r) => r.query.suite_access_token),
    ).toEqual(['suite-token-1', 'suite-token-2']);

    wecom.queue(
      corpTokenPath,
      () => json({ errcode: 40082, errmsg: 'invalid suite_acccess_token' }),
      () => json({ errcode: 40082, errmsg: 'invalid suite_acccess_token' }),
    );
    const error = await suite
      .corpClient(installOf(corpB))
      .user.get('zhangsan')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomAccessTokenError);
    expect(error).toMatchObject({ errcode: 40082, apiPath: corpTokenPath });
  });

  it.each([
    [
      '48004 (authorisation cancelled)',
      48004,
      (wecom: ReturnType<typeof createScriptedWecom>) => wecom.suite.cancelled.add(corpA.corpId),
      corpA.permanentCode,
    ],
    ['40084 (permanent code no longer valid)', 40084, () => {}, 'permanent-code-of-an-old-install'],
  ])('%s is WecomAuthorizationGoneError naming the corp', async (_name, errcode, arrange, permanentCode) => {
    const { wecom, suite } = suiteSetup();
    arrange(wecom);
    const corp = suite.corpClient({ corpId: corpA.corpId, permanentCode });
    const error = await corp.user.get('zhangsan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomAuthorizationGoneError);
    expect(error).toMatchObject({
      name: 'WecomAuthorizationGoneError',
      code: 'authorization_gone',
      errcode,
      errcodeClass: 'authorization',
      corpId: corpA.corpId,
      apiPath: corpTokenPath,
      hint: expect.stringContaining('install the app again'),
    });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ corpId: corpA.corpId, errcode });
    expect(wecom.count('/cgi-bin/user/get')).toBe(0);
    // Within the backoff the same answer comes at once, without asking WeCom again.
    await expect(corp.user.get('zhangsan')).rejects.toBeInstanceOf(WecomAuthorizationGoneError);
    expect(wecom.count(corpTokenPath)).toBe(1);
    expect(corp.status()).toMatchObject({ fresh: false, consecutiveFailures: 1 });
  });

  it('an unknown corp is a request error (2000002) that says corp IDs are case-sensitive', async () => {
    const { suite } = suiteSetup();
    const error = await suite
      .corpClient({ corpId: corpA.corpId.toLowerCase(), permanentCode: corpA.permanentCode })
      .user.get('zhangsan')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomRequestError);
    expect(error).toMatchObject({ errcode: 2000002, hint: expect.stringContaining('case-sensitive') });
  });

  it('suiteCorpAuth plugs into createWecomClient and shares the token suite.corpClient caches', async () => {
    const { wecom, suite, store, clock } = suiteSetup();
    await suite.corpClient(installOf(corpA)).user.get('zhangsan');
    const own = createWecomClient({
      corpId: corpA.corpId,
      auth: suiteCorpAuth({ suite, ...installOf(corpA) }),
      baseUrl,
      store,
      now: clock.now,
      transport: wecom.transport,
    });
    expect((await own.user.get('lisi')).userid).toBe('lisi');
    expect(wecom.count(corpTokenPath)).toBe(1);

    expect(() =>
      createWecomClient({
        corpId: corpA.corpId,
        auth: suiteCorpAuth({ suite, ...installOf(corpA) }),
        baseUrl: 'http://127.0.0.1:9',
        transport: wecom.transport,
      }),
    ).toThrow(new TypeError("the corp client's baseUrl must be the suite client's"));
    expect(() =>
      createWecomClient({
        corpId: corpB.corpId,
        auth: suiteCorpAuth({ suite, ...installOf(corpA) }),
        transport: wecom.transport,
      }),
    ).toThrow(new TypeError('auth is for another corp than corpId'));
  });

  it('rejects misuse with exact TypeErrors', () => {
    const { suite } = suiteSetup();
    expect(() => suite.corpClient(undefined as never)).toThrow(
      new TypeError('install must be { corpId, permanentCode }'),
    );
    expect(() => suite.corpClient({ corpId: '', permanentCode: 'p' })).toThrow(
      new TypeError('corpId must be a non-empty string'),
    );
    expect(() => suite.corpClient({ corpId: scriptedInstall.corpId, permanentCode: '' })).toThrow(
      new TypeError('permanentCode must be a non-empty string'),
    );
    expect(() => suiteCorpAuth({ suite: {} as never, ...installOf(corpA) })).toThrow(
      new TypeError('suite must be a suite client such as createSuiteClient(…)'),
    );
  });
});
