/** The provider platform over real HTTP: the install flow a suite's backend goes through, end to end. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSandbox,
  DEMO_CORP_ID,
  DEMO_MINI_PROGRAM_APP_ID,
  demoSuite,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_CORP_ID,
} from '../src/index.js';
import { liveErrmsg, SUITE_ID, SuiteClient } from './suite-http.js';
import { SuiteReceiver } from './suite-receiver.js';

let sandbox: Sandbox;
let client: SuiteClient;
let receiver: SuiteReceiver;
let hookUrl: string;

beforeEach(async () => {
  sandbox = await createSandbox({ port: 0, suites: [demoSuite] });
  client = new SuiteClient(sandbox);
  receiver = new SuiteReceiver();
  hookUrl = await receiver.listen();
});

afterEach(async () => {
  await sandbox.close();
  await receiver.close();
});

async function register(): Promise<void> {
  const { status, body } = await client.control('PUT', `/suites/${SUITE_ID}/callback`, { url: hookUrl });
  expect(status).toBe(200);
  expect(body).toMatchObject({ verified: true, status: 200, ticket: { delivery: { state: 'delivered' } } });
}

describe('the provider flow', () => {
  it('register → ticket → suite token → install → permanent code → corp token → user/get; uninstall → 40084', async () => {
    // Registering verifies the URL (a GET decrypted with receiveid = suite_id) and pushes a ticket at once.
    await register();
    expect(receiver.requests.map((request) => request.method)).toEqual(['GET', 'POST']);
    const [pushed] = receiver.instructions();
    expect(pushed).toMatchObject({ toUserName: SUITE_ID, agentId: '', receiveId: SUITE_ID });
    expect(pushed?.fields).toEqual({
      SuiteId: SUITE_ID,
      InfoType: 'suite_ticket',
      TimeStamp: expect.stringMatching(/^\d{10}$/),
      SuiteTicket: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
    });
    expect(receiver.requests[1]?.contentType).toBe('text/xml');

    // get_suite_token with the pushed ticket: no errcode on success, as seen live.
    const tokenAnswer = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: SUITE_ID,
      suite_secret: demoSuite.suiteSecret,
      suite_ticket: pushed?.fields.SuiteTicket,
    });
    expect(tokenAnswer).toEqual({ suite_access_token: expect.any(String), expires_in: 7200 });
    const suiteToken = String(tokenAnswer.suite_access_token);

    // The partner corp has not installed the suite: its members get an encrypted userid.
    const outsider = await client.jscode2session(suiteToken, await client.login('zhoujie', OTHER_CORP_ID));
    expect(outsider).toEqual({
      errcode: 0,
      errmsg: 'ok',
      corpid: OTHER_CORP_ID,
      userid: expect.stringMatching(/^wo[A-Za-z0-9_-]{30}$/),
      session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
      open_userid: expect.stringMatching(/^wo[A-Za-z0-9_-]{30}$/),
    });
    expect(outsider.userid).not.toBe(outsider.open_userid);

    // Its admin installs it: create_auth carries the AuthCode (and no AuthCorpId).
    const installed = await client.control<{ authCode: string; delivery: { state: string } }>(
      'POST',
      `/suites/${SUITE_ID}/installs`,
      { corpid: OTHER_CORP_ID, state: 'fromsite1' },
    );
    expect(installed.status).toBe(200);
    expect(installed.body.delivery).toMatchObject({
      state: 'delivered',
      event: 'create_auth',
      corpId: OTHER_CORP_ID,
    });
    const [createAuth] = receiver.ofType('create_auth');
    expect(createAuth).toEqual({
      SuiteId: SUITE_ID,
      InfoType: 'create_auth',
      TimeStamp: expect.stringMatching(/^\d{10}$/),
      AuthCode: installed.body.authCode,
      State: 'fromsite1',
    });
    expect(createAuth?.AuthCode).toMatch(/^[A-Za-z0-9_-]{64}$/);

    const permanent = await client.wecom(
      `/cgi-bin/service/get_permanent_code?suite_access_token=${suiteToken}`,
      {
        auth_code: createAuth?.AuthCode,
      },
    );
    expect(permanent).toEqual({
      errcode: 0,
      errmsg: 'ok',
      access_token: expect.any(String),
      expires_in: 7200,
      permanent_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      auth_corp_info: expect.objectContaining({
        corpid: OTHER_CORP_ID,
        corp_name: '协作伙伴有限公司',
        corp_type: 'verified',
      }),
      auth_info: {
        agent: [
          expect.objectContaining({
            agentid: demoSuite.agentId,
            name: demoSuite.name,
            privilege: expect.objectContaining({ level: 1, allow_party: [1], allow_user: [] }),
          }),
        ],
      },
      auth_user_info: {
        userid: 'qianduoduo',
        open_userid: expect.stringMatching(/^wo/),
        name: '钱多多',
        avatar: '',
      },
      state: 'fromsite1',
    });
    // Single use.
    const again = await client.wecom(`/cgi-bin/service/get_permanent_code?suite_access_token=${suiteToken}`, {
      auth_code: createAuth?.AuthCode,
    });
    expect(again).toMatchObject({ errcode: 40078, errmsg: liveErrmsg('invalid auth_code', 40078) });

    // The corp token is an ordinary corp access_token: user/get and department/list accept it.
    const permanentCode = String(permanent.permanent_code);
    expect(await client.permanentCode(OTHER_CORP_ID)).toBe(permanentCode);
    const corpToken = await client.corpToken(suiteToken, OTHER_CORP_ID, permanentCode);
    expect(corpToken).toEqual({ access_token: permanent.access_token, expires_in: 7200 });
    const member = await client.wecom(
      `/cgi-bin/user/get?access_token=${String(corpToken.access_token)}&userid=zhoujie`,
    );
    // A third-party app gets no name and no sensitive field, and the member's open_userid.
    expect(member).toMatchObject({
      errcode: 0,
      userid: 'zhoujie',
      open_userid: expect.stringMatching(/^wo/),
    });
    expect(member).not.toHaveProperty('name');
    expect(member).not.toHaveProperty('mobile');
    const departments = await client.wecom(
      `/cgi-bin/department/list?access_token=${String(corpToken.access_token)}`,
    );
    expect(departments).toMatchObject({ errcode: 0, department: [{ id: 1 }, { id: 2 }] });
    // The call log names the corp the suite's corp token acted for.
    const calls = (
      await client.control<{ recent: { path: string; corpId: string | null }[] }>('GET', '/calls')
    ).body;
    expect(calls.recent.find((call) => call.path === '/cgi-bin/user/get')?.corpId).toBe(OTHER_CORP_ID);

    // Installed now: the same member gets the plain userid, and the same open_userid as before.
    const insider = await client.jscode2session(suiteToken, await client.login('zhoujie', OTHER_CORP_ID));
    expect(insider).toMatchObject({
      corpid: OTHER_CORP_ID,
      userid: 'zhoujie',
      open_userid: outsider.open_userid,
    });

    // Uninstall: cancel_auth names the corp; the permanent code answers 40084, the corp token 48004.
    const removed = await client.control('DELETE', `/suites/${SUITE_ID}/installs/${OTHER_CORP_ID}`);
    expect(removed).toMatchObject({
      status: 200,
      body: { corpid: OTHER_CORP_ID, delivery: { event: 'cancel_auth' } },
    });
    expect(receiver.ofType('cancel_auth')).toEqual([
      {
        SuiteId: SUITE_ID,
        InfoType: 'cancel_auth',
        TimeStamp: expect.any(String),
        AuthCorpId: OTHER_CORP_ID,
      },
    ]);
    expect(await client.corpToken(suiteToken, OTHER_CORP_ID, permanentCode)).toMatchObject({
      errcode: 40084,
      errmsg: liveErrmsg('invalid permanent_code', 40084),
    });
    expect(
      await client.wecom(`/cgi-bin/user/get?access_token=${String(corpToken.access_token)}&userid=zhoujie`),
    ).toMatchObject({ errcode: 48004, errmsg: liveErrmsg('auth relation invalid', 48004) });
    const afterwards = await client.jscode2session(suiteToken, await client.login('zhoujie', OTHER_CORP_ID));
    expect(afterwards.userid).toBe(outsider.userid);
    expect(await client.permanentCode(OTHER_CORP_ID)).toBeNull();

    // A reinstall gets a new permanent code.
    const reinstalled = await client.control<{ authCode: string }>('POST', `/suites/${SUITE_ID}/installs`, {
      corpid: OTHER_CORP_ID,
    });
    const v2 = await client.wecom(`/cgi-bin/service/v2/get_permanent_code?suite_access_token=${suiteToken}`, {
      auth_code: reinstalled.body.authCode,
    });
    expect(v2).toEqual({
      errcode: 0,
      errmsg: 'ok',
      permanent_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      auth_corp_info: { corpid: OTHER_CORP_ID, corp_name: '协作伙伴有限公司' },
      auth_user_info: expect.objectContaining({ userid: 'qianduoduo' }),
    });
    expect(v2.permanent_code).not.toBe(permanentCode);
    expect(await client.corpToken(suiteToken, OTHER_CORP_ID, String(v2.permanent_code))).toMatchObject({
      access_token: expect.any(String),
    });
  });

  it('the demo corps have it installed from the start; get_auth_info answers their authorisation', async () => {
    const suiteToken = await client.suiteToken();
    const code = await client.permanentCode(DEMO_CORP_ID);
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const info = await client.wecom(`/cgi-bin/service/get_auth_info?suite_access_token=${suiteToken}`, {
      auth_corpid: DEMO_CORP_ID,
      permanent_code: code,
    });
    expect(info).toMatchObject({
      errcode: 0,
      auth_corp_info: { corpid: DEMO_CORP_ID, corp_name: '演示科技有限公司', corp_scale: '1-50人' },
      auth_info: { agent: [{ agentid: 1_000_100, privilege: { allow_party: [1] } }] },
    });
    // The subsidiary's 张珊 is zhangsan there: the userid is plain for an installed corp.
    const session = await client.jscode2session(
      suiteToken,
      await client.login('zhangsan', SUBSIDIARY_CORP_ID),
    );
    expect(session).toMatchObject({ corpid: SUBSIDIARY_CORP_ID, userid: 'zhangsan' });
    const listed = await client.control<{ suites: unknown[] }>('GET', '/suites');
    expect(listed.body.suites).toEqual([
      expect.objectContaining({
        suiteId: SUITE_ID,
        callbackUrl: null,
        installCount: { active: 2, cancelled: 0 },
        installs: [
          expect.objectContaining({ corpid: DEMO_CORP_ID, status: 'active' }),
          expect.objectContaining({ corpid: SUBSIDIARY_CORP_ID, status: 'active' }),
        ],
      }),
    ]);
    // Never a secret, the callback Token or the AES key.
    const text = JSON.stringify(listed.body);
    for (const secret of [demoSuite.suiteSecret, demoSuite.token, demoSuite.encodingAESKey]) {
      expect(text).not.toContain(secret);
    }
  });

  it('change_auth narrows the visible range: get_auth_info and user/get follow', async () => {
    await register();
    const suiteToken = await client.suiteToken();
    const code = String(await client.permanentCode(DEMO_CORP_ID));
    const token = String((await client.corpToken(suiteToken, DEMO_CORP_ID, code)).access_token);
    expect(await client.wecom(`/cgi-bin/user/get?access_token=${token}&userid=zhangsan`)).toMatchObject({
      errcode: 0,
    });
    const changed = await client.control('POST', `/suites/${SUITE_ID}/installs/${DEMO_CORP_ID}/change`, {
      allowParty: [8],
      allowUser: ['lisi'],
    });
    expect(changed).toMatchObject({
      status: 200,
      body: { delivery: { event: 'change_auth', state: 'delivered' } },
    });
    expect(receiver.ofType('change_auth')).toEqual([
      { SuiteId: SUITE_ID, InfoType: 'change_auth', TimeStamp: expect.any(String), AuthCorpId: DEMO_CORP_ID },
    ]);
    const info = await client.wecom(`/cgi-bin/service/get_auth_info?suite_access_token=${suiteToken}`, {
      auth_corpid: DEMO_CORP_ID,
      permanent_code: code,
    });
    expect(info).toMatchObject({
      auth_info: { agent: [{ privilege: { allow_party: [8], allow_user: ['lisi'] } }] },
    });
    expect(await client.wecom(`/cgi-bin/user/get?access_token=${token}&userid=zhangsan`)).toMatchObject({
      errcode: 60011,
    });
    expect(await client.wecom(`/cgi-bin/user/get?access_token=${token}&userid=lisi`)).toMatchObject({
      errcode: 0,
    });
    expect(await client.wecom(`/cgi-bin/user/get?access_token=${token}&userid=huangli`)).toMatchObject({
      errcode: 0,
    });
  });

  it('reset_permanent_code: the old code works until the new AuthCode is exchanged, then 40084', async () => {
    await register();
    const suiteToken = await client.suiteToken();
    const oldCode = String(await client.permanentCode(DEMO_CORP_ID));
    const first = await client.control<{ authCode: string }>(
      'POST',
      `/suites/${SUITE_ID}/installs/${DEMO_CORP_ID}/reset-permanent-code`,
    );
    expect(first.status).toBe(200);
    const second = await client.control<{ authCode: string }>(
      'POST',
      `/suites/${SUITE_ID}/installs/${DEMO_CORP_ID}/reset-permanent-code`,
    );
    expect(receiver.ofType('reset_permanent_code')).toEqual([
      {
        SuiteId: SUITE_ID,
        InfoType: 'reset_permanent_code',
        TimeStamp: expect.any(String),
        AuthCode: first.body.authCode,
      },
      {
        SuiteId: SUITE_ID,
        InfoType: 'reset_permanent_code',
        TimeStamp: expect.any(String),
        AuthCode: second.body.authCode,
      },
    ]);
    // Still in force, and listed as such with the reset pending.
    expect(await client.corpToken(suiteToken, DEMO_CORP_ID, oldCode)).toHaveProperty('access_token');
    expect(await client.permanentCode(DEMO_CORP_ID)).toBe(oldCode);
    const path = `/cgi-bin/service/get_permanent_code?suite_access_token=${suiteToken}`;
    // The second reset superseded the first one's AuthCode.
    expect(await client.wecom(path, { auth_code: first.body.authCode })).toMatchObject({ errcode: 40078 });
    const exchanged = await client.wecom(path, { tmp_auth_code: second.body.authCode });
    expect(exchanged).toMatchObject({ errcode: 0, permanent_code: expect.any(String) });
    const newCode = String(exchanged.permanent_code);
    expect(newCode).not.toBe(oldCode);
    expect(await client.corpToken(suiteToken, DEMO_CORP_ID, oldCode)).toMatchObject({ errcode: 40084 });
    expect(await client.corpToken(suiteToken, DEMO_CORP_ID, newCode)).toHaveProperty('access_token');
    expect(await client.permanentCode(DEMO_CORP_ID)).toBe(newCode);
  });

  it('AuthCodes are single use and live ten minutes', async () => {
    const suiteToken = await client.suiteToken();
    const path = `/cgi-bin/service/get_permanent_code?suite_access_token=${suiteToken}`;
    const late = await client.control<{ authCode: string }>('POST', `/suites/${SUITE_ID}/installs`, {
      corpid: OTHER_CORP_ID,
    });
    // 409 while installed; after the uninstall the AuthCode is void too.
    expect(
      await client.control('POST', `/suites/${SUITE_ID}/installs`, { corpid: OTHER_CORP_ID }),
    ).toMatchObject({ status: 409, body: { error: 'already_installed' } });
    await client.control('POST', '/clock', { advanceSeconds: 590 });
    const fresh = await client.suiteToken();
    await client.control('POST', '/clock', { advanceSeconds: 10 });
    expect(
      await client.wecom(`/cgi-bin/service/get_permanent_code?suite_access_token=${fresh}`, {
        auth_code: late.body.authCode,
      }),
    ).toMatchObject({ errcode: 40078 });
    await client.control('DELETE', `/suites/${SUITE_ID}/installs/${OTHER_CORP_ID}`);
    const onTime = await client.control<{ authCode: string }>('POST', `/suites/${SUITE_ID}/installs`, {
      corpid: OTHER_CORP_ID,
    });
    await client.control('POST', '/clock', { advanceSeconds: 590 });
    expect(
      await client.wecom(`/cgi-bin/service/get_permanent_code?suite_access_token=${fresh}`, {
        auth_code: onTime.body.authCode,
      }),
    ).toMatchObject({ errcode: 0 });
    expect(await client.wecom(path, { auth_code: 'x'.repeat(64) })).toMatchObject({ errcode: 40078 });
  });
});

describe('suite_ticket pushes', () => {
  it('every ten minutes of the sandbox clock; advancing it pushes what fell due; tickets expire after 30 min', async () => {
    await register();
    const [first] = receiver.ofType('suite_ticket');
    // Not yet due (with slack: real time moves the sandbox clock too).
    await client.control('POST', '/clock', { advanceSeconds: 590 });
    expect(receiver.ofType('suite_ticket')).toHaveLength(1);
    const suites = (
      await client.control<{
        suites: {
          ticket: { ageSeconds: number; expiresInSeconds: number };
          nextTicketPushInSeconds: number;
        }[];
      }>('GET', '/suites')
    ).body.suites;
    expect(suites[0]?.ticket.ageSeconds).toBeGreaterThanOrEqual(590);
    expect(suites[0]?.ticket.expiresInSeconds).toBeLessThanOrEqual(1210);
    expect(suites[0]?.nextTicketPushInSeconds).toBeLessThanOrEqual(10);
    // The clock answer comes after the due push's first try.
    await client.control('POST', '/clock', { advanceSeconds: 10 });
    const tickets = receiver.ofType('suite_ticket');
    expect(tickets).toHaveLength(2);
    const second = tickets[1];
    expect(second?.SuiteTicket).not.toBe(first?.SuiteTicket);

    const tokenWith = (ticket: string | undefined) =>
      client.wecom('/cgi-bin/service/get_suite_token', {
        suite_id: SUITE_ID,
        suite_secret: demoSuite.suiteSecret,
        suite_ticket: ticket,
      });
    // Any ticket pushed within 30 minutes is accepted, not only the newest.
    expect(await tokenWith(first?.SuiteTicket)).toHaveProperty('suite_access_token');
    // A jump of an hour pushes once, stamped with the new time.
    await client.control('POST', '/clock', { advanceSeconds: 3600 });
    const afterJump = receiver.ofType('suite_ticket');
    expect(afterJump).toHaveLength(3);
    expect(await tokenWith(first?.SuiteTicket)).toMatchObject({
      errcode: 40085,
      errmsg: liveErrmsg('invalid suite_ticket', 40085),
    });
    expect(await tokenWith(second?.SuiteTicket)).toMatchObject({ errcode: 40085 });
    expect(await tokenWith(afterJump[2]?.SuiteTicket)).toHaveProperty('suite_access_token');
  });

  it('the console refresh pushes a ticket now; without a URL the ticket is only issued', async () => {
    const unregistered = await client.control<{ ticket: string; expiresIn: number; delivery: unknown }>(
      'POST',
      `/suites/${SUITE_ID}/ticket`,
    );
    expect(unregistered).toMatchObject({ status: 200, body: { expiresIn: 1800, delivery: null } });
    await register();
    const refreshed = await client.control<{ ticket: string }>('POST', `/suites/${SUITE_ID}/ticket`);
    expect(
      receiver
        .ofType('suite_ticket')
        .map((fields) => fields.SuiteTicket)
        .at(-1),
    ).toBe(refreshed.body.ticket);
    // A ticket from the control API is as good as a pushed one.
    const answer = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: SUITE_ID,
      suite_secret: demoSuite.suiteSecret,
      suite_ticket: unregistered.body.ticket,
    });
    expect(answer).toHaveProperty('suite_access_token');
  });

  it('a URL given in the options gets a ticket as soon as the sandbox is ready', async () => {
    const other = await createSandbox({
      port: 0,
      suites: [{ ...demoSuite, instructionCallbackUrl: hookUrl }],
    });
    try {
      await receiver.waitForPosts(1);
      expect(receiver.ofType('suite_ticket')).toHaveLength(1);
      expect(receiver.requests.filter((request) => request.method === 'GET')).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('deliveries not answered "success" are retried, then failed; hold, release and replay apply', async () => {
    await register();
    sandbox.control.configureCallbacks({ attempts: 2, retryDelayMs: 0 });
    receiver.answer = 'ok';
    const pushed = await client.control<{ delivery: { state: string; lastError?: string } }>(
      'POST',
      `/suites/${SUITE_ID}/ticket`,
    );
    expect(pushed.body.delivery).toMatchObject({
      state: 'pending',
      lastStatus: 200,
      lastError: 'the answer was not "success"',
    });
    await sandbox.control.flushCallbacks();
    const failed = sandbox.control.callbacks().at(-1);
    expect(failed).toMatchObject({
      suiteId: SUITE_ID,
      agentId: null,
      corpId: null,
      event: 'suite_ticket',
      attempts: 2,
      state: 'failed',
    });

    receiver.answer = 'success';
    sandbox.control.holdCallbacks();
    const held = await client.control<{ delivery: { id: number; state: string } }>(
      'POST',
      `/suites/${SUITE_ID}/installs`,
      { corpid: OTHER_CORP_ID },
    );
    expect(held.body.delivery.state).toBe('held');
    const before = receiver.ofType('create_auth').length;
    const { deliveries } = await sandbox.control.releaseCallbacks();
    expect(deliveries).toEqual([expect.objectContaining({ event: 'create_auth', state: 'delivered' })]);
    expect(receiver.ofType('create_auth')).toHaveLength(before + 1);
    const replay = await sandbox.control.replayCallback(held.body.delivery.id);
    expect(replay.status).toBe(200);
    // A replay is the same sealed message: the receiver sees the same AuthCode twice.
    const codes = receiver.ofType('create_auth').map((fields) => fields.AuthCode);
    expect(codes.at(-1)).toBe(codes.at(-2));
  });

  it('refuses a URL that fails verification, with a stable code', async () => {
    const refused = await client.control('PUT', `/suites/${SUITE_ID}/callback`, {
      url: 'http://127.0.0.1:1/none',
    });
    expect(refused).toMatchObject({ status: 400, body: { error: 'callback_verification_failed' } });
    expect(
      (await client.control<{ suites: { callbackUrl: string | null }[] }>('GET', '/suites')).body.suites[0]
        ?.callbackUrl,
    ).toBeNull();
    // verify: false registers without the GET (POST works as PUT does).
    const unverified = await client.control('POST', `/suites/${SUITE_ID}/callback`, {
      url: hookUrl,
      verify: false,
    });
    expect(unverified).toMatchObject({ status: 200, body: { verified: false, status: null } });
    expect(receiver.requests.map((request) => request.method)).toEqual(['POST']);
    expect(await client.control('DELETE', `/suites/${SUITE_ID}/callback`)).toMatchObject({ status: 204 });
    await client.control('POST', '/clock', { advanceSeconds: 600 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('the mini program of the suite', () => {
  it('codes are bound to the suite mini program, single use and live five minutes', async () => {
    const suiteToken = await client.suiteToken();
    // A self-built app's mini-program code is not this suite's to exchange.
    const selfBuilt = await client.login('zhangsan', DEMO_CORP_ID, { appid: DEMO_MINI_PROGRAM_APP_ID });
    expect(await client.jscode2session(suiteToken, selfBuilt)).toMatchObject({
      errcode: 40029,
      errmsg: liveErrmsg('invalid code', 40029),
    });
    const code = await client.login('zhangsan', DEMO_CORP_ID);
    expect(await client.jscode2session(suiteToken, code)).toMatchObject({ errcode: 0, userid: 'zhangsan' });
    expect(await client.jscode2session(suiteToken, code)).toMatchObject({ errcode: 40029 });
    // The suite's code with a self-built app's token: the mini programs differ (48002).
    const gettoken = await client.wecom(
      '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me',
    );
    const suiteCode = await client.login('zhangsan', DEMO_CORP_ID);
    expect(
      await client.wecom(
        `/cgi-bin/miniprogram/jscode2session?access_token=${String(gettoken.access_token)}&js_code=${suiteCode}`,
      ),
    ).toMatchObject({ errcode: 48002 });
    const old = await client.login('lisi', DEMO_CORP_ID, { appid: demoSuite.miniProgramAppId });
    await client.control('POST', '/clock', { advanceSeconds: 300 });
    expect(await client.jscode2session(await client.suiteToken(), old)).toMatchObject({ errcode: 40029 });
  });

  it('getMobile after a suite login is sealed with the suite session', async () => {
    const suiteToken = await client.suiteToken();
    const session = await client.jscode2session(suiteToken, await client.login('zhangsan', DEMO_CORP_ID));
    const sealed = await client.control<{ plaintext: string }>('POST', '/encrypt', {
      userid: 'zhangsan',
      corpid: DEMO_CORP_ID,
      suiteId: SUITE_ID,
      kind: 'userinfo',
    });
    expect(sealed.status).toBe(200);
    expect(JSON.parse(sealed.body.plaintext)).toMatchObject({
      corpid: DEMO_CORP_ID,
      userid: 'zhangsan',
      watermark: { appid: demoSuite.miniProgramAppId },
    });
    expect(session.session_key).toEqual(expect.any(String));
  });
});

describe('suite token answers', () => {
  it("carry errcode 0 with suiteTokenErrcode: 'zero'", async () => {
    const zero = await createSandbox({ port: 0, suites: [demoSuite], suiteTokenErrcode: 'zero' });
    try {
      const zeroClient = new SuiteClient(zero);
      const answer = await zeroClient.wecom('/cgi-bin/service/get_suite_token', {
        suite_id: SUITE_ID,
        suite_secret: demoSuite.suiteSecret,
        suite_ticket: await zeroClient.ticket(),
      });
      expect(answer).toEqual({
        errcode: 0,
        errmsg: 'ok',
        suite_access_token: expect.any(String),
        expires_in: 7200,
      });
      const corpToken = await zeroClient.corpToken(
        String(answer.suite_access_token),
        DEMO_CORP_ID,
        String(await zeroClient.permanentCode(DEMO_CORP_ID)),
      );
      expect(corpToken).toEqual({
        errcode: 0,
        errmsg: 'ok',
        access_token: expect.any(String),
        expires_in: 7200,
      });
    } finally {
      await zero.close();
    }
  });

  it('the same suite token until it expires, expires_in counting down', async () => {
    const first = await client.suiteToken();
    await client.control('POST', '/clock', { advanceSeconds: 100 });
    const answer = await client.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: SUITE_ID,
      suite_secret: demoSuite.suiteSecret,
      suite_ticket: await client.ticket(),
    });
    expect(answer).toEqual({ suite_access_token: first, expires_in: expect.any(Number) });
    // Counting down: 7100 s left, give or take the real seconds the calls took.
    expect(answer.expires_in).toBeLessThanOrEqual(7100);
    expect(answer.expires_in).toBeGreaterThan(7090);
  });
});
