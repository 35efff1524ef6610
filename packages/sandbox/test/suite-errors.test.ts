/** Every errcode of the suite APIs, in the live errmsg shape, and faults on their paths. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildSandboxApp,
  createSandbox,
  DEMO_CORP_ID,
  demoSuite,
  OTHER_CORP_ID,
  type Sandbox,
  SandboxError,
} from '../src/index.js';
import { liveErrmsg, SUITE_ID, SuiteClient } from './suite-http.js';

/** A second suite of the same provider, bound to the same mini program; a third of another provider. */
const sibling = {
  ...demoSuite,
  suiteId: 'wwsuitesibling01',
  suiteSecret: 'sibling-secret',
  agentId: 1_000_101,
  installs: [DEMO_CORP_ID],
};
const stranger = {
  ...demoSuite,
  suiteId: 'wwsuitestranger1',
  suiteSecret: 'stranger-secret',
  providerCorpId: 'wwprovider000002',
  miniProgramAppId: 'wxstrangermp0001',
  agentId: 1_000_102,
  installs: [DEMO_CORP_ID],
};
/** A suite whose provider allows one IP only. */
const fenced = {
  ...stranger,
  suiteId: 'wwsuitefenced001',
  suiteSecret: 'fenced-secret',
  agentId: 1_000_103,
  trustedIps: ['10.0.0.1'],
};

let sandbox: Sandbox;
let client: SuiteClient;
let suiteToken: string;
let siblingToken: string;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, suites: [demoSuite, sibling, stranger, fenced] });
  client = new SuiteClient(sandbox);
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  sandbox.control.reset();
  suiteToken = await client.suiteToken();
  siblingToken = await client.suiteToken(sibling);
});

const service = (path: string, token = suiteToken) => `/cgi-bin/service/${path}?suite_access_token=${token}`;

describe('get_suite_token', () => {
  const body = async (overrides: Record<string, unknown>) => ({
    suite_id: SUITE_ID,
    suite_secret: demoSuite.suiteSecret,
    suite_ticket: await client.ticket(),
    ...overrides,
  });

  it('answers each errcode in the live shape', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ suite_id: 'wwnosuchsuite000' }, 40083, ' invalid SuiteId '],
      [{ suite_id: undefined }, 41021, 'suite_id missing'],
      [{ suite_id: 42 }, 41021, 'suite_id missing'],
      [{ suite_secret: 'wrong' }, 40080, 'invalid suite_secret'],
      [{ suite_secret: undefined }, 40080, 'invalid suite_secret'],
      // The sibling's secret is not this suite's.
      [{ suite_secret: sibling.suiteSecret }, 40080, 'invalid suite_secret'],
      [{ suite_ticket: undefined }, 41023, 'suite_ticket missing'],
      [{ suite_ticket: 'made-up-ticket' }, 40085, 'invalid suite_ticket'],
    ];
    for (const [overrides, errcode, text] of cases) {
      const answer = await client.wecom('/cgi-bin/service/get_suite_token', await body(overrides));
      expect(answer, JSON.stringify(overrides)).toEqual({
        errcode,
        errmsg: expect.stringMatching(liveErrmsg(text, errcode)),
      });
    }
  });

  it('a GET loses the body: 40083; bad JSON gets the warning prefix', async () => {
    const ticket = await client.ticket();
    const viaGet = await client.wecom(
      `/cgi-bin/service/get_suite_token?suite_id=${SUITE_ID}&suite_secret=${demoSuite.suiteSecret}&suite_ticket=${ticket}`,
    );
    expect(viaGet).toMatchObject({ errcode: 40083, errmsg: liveErrmsg(' invalid SuiteId ', 40083) });
    const badJson = await client.wecom('/cgi-bin/service/get_suite_token', '{"suite_id": ');
    expect(badJson).toMatchObject({
      errcode: 41021,
      errmsg: liveErrmsg('Warning: wrong json format. suite_id missing', 41021),
    });
  });

  it("a ticket of another suite is not this suite's", async () => {
    const answer = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: SUITE_ID,
      suite_secret: demoSuite.suiteSecret,
      suite_ticket: await client.ticket(sibling.suiteId),
    });
    expect(answer).toMatchObject({ errcode: 40085 });
  });

  it('60020 from outside the provider IP allow-list', async () => {
    const answer = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: fenced.suiteId,
      suite_secret: fenced.suiteSecret,
      suite_ticket: await client.ticket(fenced.suiteId),
    });
    expect(answer).toMatchObject({
      errcode: 60020,
      errmsg: liveErrmsg('not allow to access from your ip', 60020),
    });
  });
});

describe('suite_access_token', () => {
  it('41022 missing, 40082 invalid (sic), 42009 expired, 40082 revoked', async () => {
    const path = '/cgi-bin/service/get_pre_auth_code';
    expect(await client.wecom(path)).toEqual({
      errcode: 41022,
      errmsg: expect.stringMatching(liveErrmsg('suite_access_token missing', 41022)),
    });
    expect(await client.wecom(`${path}?suite_access_token=nonsense`)).toEqual({
      errcode: 40082,
      errmsg: expect.stringMatching(liveErrmsg('invalid suite_acccess_token', 40082)),
    });
    // A corp access_token is no suite token.
    const corpToken = await client.wecom(
      '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me',
    );
    expect(await client.wecom(`${path}?suite_access_token=${String(corpToken.access_token)}`)).toMatchObject({
      errcode: 40082,
    });
    expect(await client.wecom(service('get_pre_auth_code'))).toMatchObject({ errcode: 0, expires_in: 1200 });
    // The control API expires and revokes the suite's tokens (not the sibling suite's).
    expect(await client.control('POST', `/suites/${SUITE_ID}/tokens/expire`)).toMatchObject({
      body: { expired: 1 },
    });
    expect(await client.wecom(service('get_pre_auth_code'))).toEqual({
      errcode: 42009,
      errmsg: expect.stringMatching(liveErrmsg('suite_access_token expired', 42009)),
    });
    expect(await client.wecom(service('get_pre_auth_code', siblingToken))).toMatchObject({ errcode: 0 });
    const renewed = await client.suiteToken();
    expect(renewed).not.toBe(suiteToken);
    expect(await client.control('POST', `/suites/${SUITE_ID}/tokens/revoke`)).toMatchObject({
      body: { revoked: 1 },
    });
    expect(await client.wecom(service('get_pre_auth_code', renewed))).toMatchObject({ errcode: 40082 });
    // And the clock: 7200 s of the sandbox clock.
    const third = await client.suiteToken();
    await client.control('POST', '/clock', { advanceSeconds: 7190 });
    expect(await client.wecom(service('get_pre_auth_code', third))).toMatchObject({ errcode: 0 });
    await client.control('POST', '/clock', { advanceSeconds: 10 });
    expect(await client.wecom(service('get_pre_auth_code', third))).toMatchObject({ errcode: 42009 });
  });
});

describe('48003: the object of another suite', () => {
  it('an AuthCode, a permanent code and a login code of another suite', async () => {
    const install = await client.control<{ authCode: string }>(
      'POST',
      `/suites/${sibling.suiteId}/installs`,
      {
        corpid: OTHER_CORP_ID,
      },
    );
    expect(await client.wecom(service('get_permanent_code'), { auth_code: install.body.authCode })).toEqual({
      errcode: 48003,
      errmsg: expect.stringMatching(liveErrmsg('suite_access_token not match suiteid', 48003)),
    });
    // Not consumed by the wrong suite: its own suite still exchanges it.
    expect(
      await client.wecom(service('get_permanent_code', siblingToken), { auth_code: install.body.authCode }),
    ).toMatchObject({ errcode: 0 });

    const siblingCode = String(await client.permanentCode(DEMO_CORP_ID, sibling.suiteId));
    expect(await client.corpToken(suiteToken, DEMO_CORP_ID, siblingCode)).toMatchObject({ errcode: 48003 });
    expect(
      await client.wecom(service('get_auth_info'), {
        auth_corpid: DEMO_CORP_ID,
        permanent_code: siblingCode,
      }),
    ).toMatchObject({ errcode: 48003 });

    // wx.qy.login({ suiteId }) of the sibling, on the mini program both suites share.
    const code = await client.login('zhangsan', DEMO_CORP_ID, { suiteId: sibling.suiteId });
    expect(await client.jscode2session(suiteToken, code)).toMatchObject({ errcode: 48003 });
    expect(await client.jscode2session(siblingToken, code)).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    // Without suiteId, a code of the shared mini program is good for either suite.
    const shared = await client.login('zhangsan', DEMO_CORP_ID, { appid: demoSuite.miniProgramAppId });
    expect(await client.jscode2session(siblingToken, shared)).toMatchObject({ errcode: 0 });
  });

  it('open_userid is one per provider, the userid is plain only where installed', async () => {
    const mine = await client.jscode2session(suiteToken, await client.login('lisi', DEMO_CORP_ID));
    const theirs = await client.jscode2session(
      siblingToken,
      await client.login('lisi', DEMO_CORP_ID, { suiteId: sibling.suiteId }),
    );
    expect(theirs.open_userid).toBe(mine.open_userid);
    expect(mine.open_userid).not.toBe('lisi');
    // The same person, seen by another provider's suite (with its own mini program), has another open_userid.
    const strangerToken = await client.suiteToken(stranger);
    const seen = await client.jscode2session(
      strangerToken,
      await client.login('lisi', DEMO_CORP_ID, { suiteId: stranger.suiteId }),
    );
    expect(seen).toMatchObject({ errcode: 0, userid: 'lisi' });
    expect(seen.open_userid).not.toBe(mine.open_userid);
    // A corp that installed neither: an encrypted userid, per mini program.
    const outsider = await client.jscode2session(suiteToken, await client.login('wuyue', OTHER_CORP_ID));
    const outsiderElsewhere = await client.jscode2session(
      strangerToken,
      await client.login('wuyue', OTHER_CORP_ID, { suiteId: stranger.suiteId }),
    );
    expect(outsider.userid).toMatch(/^wo/);
    expect(outsiderElsewhere.userid).toMatch(/^wo/);
    expect(outsider.userid).not.toBe(outsiderElsewhere.userid);
  });
});

describe('permanent codes and corp tokens', () => {
  it('41002, 41025, 2000002, 40084 in the live shape', async () => {
    const code = String(await client.permanentCode(DEMO_CORP_ID));
    const cases: [Record<string, unknown>, number, string][] = [
      [{ permanent_code: code }, 41002, 'corpid missing'],
      [{ auth_corpid: DEMO_CORP_ID }, 41025, 'permanent_code missing'],
      [{ auth_corpid: 'wwnosuchcorp0000', permanent_code: code }, 2000002, 'corpid not found'],
      [{ auth_corpid: DEMO_CORP_ID, permanent_code: 'forged' }, 40084, 'invalid permanent_code'],
      // A corp that never installed the suite.
      [{ auth_corpid: OTHER_CORP_ID, permanent_code: code }, 40084, 'invalid permanent_code'],
    ];
    for (const api of ['get_corp_token', 'get_auth_info']) {
      for (const [body, errcode, text] of cases) {
        const answer = await client.wecom(service(api), body);
        expect(answer, `${api} ${JSON.stringify(body)}`).toEqual({
          errcode,
          errmsg: expect.stringMatching(liveErrmsg(text, errcode)),
        });
      }
    }
  });

  it('40078 for a missing AuthCode', async () => {
    expect(await client.wecom(service('get_permanent_code'), {})).toEqual({
      errcode: 40078,
      errmsg: expect.stringMatching(liveErrmsg('invalid auth_code', 40078)),
    });
    expect(await client.wecom(service('v2/get_permanent_code'), { auth_code: 7 })).toMatchObject({
      errcode: 40078,
    });
  });
});

describe('pre-auth codes and session info', () => {
  it('set_session_info marks the install a test install; 40077, 42007, 40086, 40058', async () => {
    const { pre_auth_code: code } = await client.wecom(service('get_pre_auth_code'));
    expect(code).toEqual(expect.any(String));
    const set = (body: unknown) => client.wecom(service('set_session_info'), body);
    expect(await set({ pre_auth_code: code, session_info: { auth_type: 1, appid: [1] } })).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(await set({ pre_auth_code: 'nope', session_info: {} })).toEqual({
      errcode: 40077,
      errmsg: expect.stringMatching(liveErrmsg('invalid pre_auth_code', 40077)),
    });
    expect(await set({ pre_auth_code: code, session_info: { appid: [9] } })).toMatchObject({
      errcode: 40086,
    });
    expect(await set({ pre_auth_code: code, session_info: { auth_type: 2 } })).toMatchObject({
      errcode: 40058,
    });
    expect(await set({ pre_auth_code: code })).toMatchObject({ errcode: 40058 });
    const installed = await client.control('POST', `/suites/${SUITE_ID}/installs`, {
      corpid: OTHER_CORP_ID,
      preAuthCode: code,
    });
    expect(installed.status).toBe(200);
    const listing = await client.control<{ installs: { corpid: string; authType: number }[] }>(
      'GET',
      `/suites/${SUITE_ID}/installs`,
    );
    expect(listing.body.installs.find((install) => install.corpid === OTHER_CORP_ID)?.authType).toBe(1);
    await client.control('POST', '/clock', { advanceSeconds: 1200 });
    const fresh = await client.suiteToken();
    expect(
      await client.wecom(service('set_session_info', fresh), { pre_auth_code: code, session_info: {} }),
    ).toEqual({ errcode: 42007, errmsg: expect.stringMatching(liveErrmsg('pre_auth_code expired', 42007)) });
  });
});

describe('faults on the suite paths', () => {
  it('errcode, delay and drop faults hit the new paths like the others', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/service/get_suite_token', errcode: -1, count: 1 });
    const busy = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: SUITE_ID,
      suite_secret: demoSuite.suiteSecret,
      suite_ticket: await client.ticket(),
    });
    expect(busy).toEqual({ errcode: -1, errmsg: expect.stringMatching(liveErrmsg('system busy', -1)) });
    expect(await client.suiteToken()).toBe(suiteToken);

    sandbox.control.addFault({ path: '/cgi-bin/service/miniprogram/jscode2session', delayMs: 300, count: 1 });
    const started = performance.now();
    const delayed = await client.jscode2session(suiteToken, await client.login('zhangsan', DEMO_CORP_ID));
    expect(delayed).toMatchObject({ errcode: 0 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    sandbox.control.addFault({ path: '/cgi-bin/service/get_corp_token', drop: true, count: 1 });
    const code = String(await client.permanentCode(DEMO_CORP_ID));
    await expect(client.corpToken(suiteToken, DEMO_CORP_ID, code)).rejects.toThrow();
    expect(await client.corpToken(suiteToken, DEMO_CORP_ID, code)).toHaveProperty('access_token');

    sandbox.control.addFault({ path: '/cgi-bin/service/get_permanent_code', httpStatus: 502, count: 1 });
    const gateway = await fetch(`${sandbox.url}${service('get_permanent_code')}`, {
      method: 'POST',
      body: '{}',
    });
    expect(gateway.status).toBe(502);

    // The call log masks the suite token.
    const calls = sandbox.control.calls();
    const masked = calls.recent.find((call) => call.path === '/cgi-bin/service/get_corp_token');
    // Masked whole: no part of a secret in the call log.
    expect(masked?.query.suite_access_token).toBe('…');
    expect(calls.byPath['/cgi-bin/service/get_suite_token']).toBeGreaterThanOrEqual(2);
  });
});

describe('the suites option', () => {
  it('lists every problem with its path, as a bad fixture does', () => {
    const attempt = () =>
      buildSandboxApp({
        suites: [
          { ...demoSuite, installs: [DEMO_CORP_ID, 'wwnosuchcorp0000', DEMO_CORP_ID] },
          { ...demoSuite, encodingAESKey: 'short' },
        ],
      });
    expect(attempt).toThrow(SandboxError);
    expect(attempt).toThrow(/suites\[1\]\.encodingAESKey: must be 43 letters or digits/);
    const duplicates = () =>
      buildSandboxApp({ suites: [demoSuite, { ...demoSuite, installs: ['wwnosuchcorp0000'] }] });
    expect(duplicates).toThrow(/suites\[1\]\.suiteId: duplicate suiteId wwsuitedemo00001/);
    expect(duplicates).toThrow(/suites\[1\]\.installs\[0\]: unknown corp wwnosuchcorp0000/);
    const repeated = () =>
      buildSandboxApp({ suites: [{ ...demoSuite, installs: [DEMO_CORP_ID, DEMO_CORP_ID] }] });
    expect(repeated).toThrow(/suites\[0\]\.installs\[1\]: duplicate corp wwdemo0000000001/);
    expect(() => buildSandboxApp({ suiteTokenErrcode: 'none' as 'omit' })).toThrow(
      new TypeError("suiteTokenErrcode must be 'omit' or 'zero'"),
    );
    expect(() => buildSandboxApp({ suites: demoSuite as never })).toThrow(
      new TypeError('suites must be an array of suites'),
    );
  });
});
