/**
 * The client against the sandbox over real HTTP: the token manager, the retry ladder and the typed errors as they
 * behave on the wire.
 */
import {
  createWecomClient,
  type WecomClient,
  type WecomClientSettings,
  WecomError,
  WecomInvalidCodeError,
  type WecomLogger,
  WecomMalformedResponseError,
  WecomNetworkError,
  WecomRateLimitError,
  WecomTimeoutError,
} from '@wecom-auth/api';
import { createSandbox, DEMO_APP, DEMO_CORP_ID, OTHER_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

let sandbox: Sandbox;
const logLines: string[] = [];
const collectingLogger: WecomLogger = {
  debug: (object, message) => logLines.push(JSON.stringify({ level: 'debug', message, ...object })),
  info: (object, message) => logLines.push(JSON.stringify({ level: 'info', message, ...object })),
  warn: (object, message) => logLines.push(JSON.stringify({ level: 'warn', message, ...object })),
  error: (object, message) => logLines.push(JSON.stringify({ level: 'error', message, ...object })),
};

/** The sandbox's clock runs ahead by what the test advanced; the client's clock must follow it. */
let offsetMs = 0;
const now = (): number => Date.now() + offsetMs;

function client(options: WecomClientSettings & { readonly secret?: string } = {}): WecomClient {
  return createWecomClient({
    corpId: DEMO_CORP_ID,
    secret: DEMO_APP.secret,
    baseUrl: sandbox.url,
    timeoutMs: 2_000,
    retry: { baseDelayMs: 5 },
    logger: collectingLogger,
    now,
    ...options,
  });
}

const gettokenCalls = (): number => sandbox.control.calls().byPath['/cgi-bin/gettoken'] ?? 0;
const callsTo = (path: string): number => sandbox.control.calls().byPath[path] ?? 0;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0, seed: 7 });
});

afterAll(async () => {
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.control.reset();
  offsetMs = 0;
});

describe('access token over HTTP', () => {
  it('1,000 concurrent cold calls cause exactly one gettoken', async () => {
    const wecom = client();
    const users = await Promise.all(Array.from({ length: 1000 }, () => wecom.user.get('zhangsan')));
    expect(users.every((user) => user.name === '张三')).toBe(true);
    expect(gettokenCalls()).toBe(1);
    expect(callsTo('/cgi-bin/user/get')).toBe(1000);
  });

  it('refreshes ahead of expiry on the sandbox clock, then fetches a new token at expiry', async () => {
    const wecom = client({ refreshMarginMs: 5 * 60_000 });
    const first = await wecom.accessToken.getToken();
    sandbox.control.advanceClock(7200 - 240);
    offsetMs = (7200 - 240) * 1000;
    await wecom.user.get('zhangsan');
    await expect.poll(() => wecom.status().refreshing).toBe(false);
    expect(gettokenCalls()).toBe(2);
    // WeCom answers the same token until it expires: the client keeps using it without asking again.
    for (let i = 0; i < 5; i++) await wecom.user.get('zhangsan');
    expect(gettokenCalls()).toBe(2);

    sandbox.control.advanceClock(300);
    offsetMs += 300_000;
    await wecom.user.get('zhangsan');
    expect(gettokenCalls()).toBe(3);
    expect(await wecom.accessToken.getToken()).not.toBe(first);
  });

  it.each([
    ['42001 (expired)', () => sandbox.control.expireTokens()],
    ['40014 (revoked)', () => sandbox.control.revokeTokens()],
  ])('recovers from %s mid-run with one refresh', async (_name, invalidate) => {
    const wecom = client();
    await wecom.user.get('zhangsan');
    invalidate();
    const users = await Promise.all(Array.from({ length: 50 }, () => wecom.user.get('zhangsan')));
    expect(users).toHaveLength(50);
    expect(gettokenCalls()).toBe(2);
  });

  it('two apps of one corp keep separate tokens', async () => {
    const main = client();
    const other = client({ secret: 'demo-private-secret' });
    expect(await main.accessToken.getToken()).not.toBe(await other.accessToken.getToken());
    expect(gettokenCalls()).toBe(2);
  });

  it('a wrong secret is a configuration error that says where the secret is found', async () => {
    const error = await client({ secret: 'wrong' })
      .user.get('zhangsan')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'configuration', errcode: 40001, apiPath: '/cgi-bin/gettoken' });
    expect((error as Error).message).toContain('App Management > the app > Secret');
  });
});

describe('retry ladder and typed errors over HTTP', () => {
  it('retries -1 twice, then succeeds', async () => {
    const wecom = client();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: -1, count: 2 });
    expect((await wecom.user.get('zhangsan')).userid).toBe('zhangsan');
    expect(callsTo('/cgi-bin/user/get')).toBe(3);
  });

  it('does not retry 45009', async () => {
    const wecom = client();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: 45009 });
    const error = await wecom.user.get('zhangsan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomRateLimitError);
    expect(error).toMatchObject({ errcode: 45009, retryAfterSeconds: 60 });
    expect((error as WecomRateLimitError).errmsg).toMatch(/^api freq out of limit, hint: \[\d{25}\]/);
    expect(callsTo('/cgi-bin/user/get')).toBe(1);
  });

  it('turns a slow answer into WecomTimeoutError, after the retry ladder for an idempotent read', async () => {
    const tries: string[] = [];
    const wecom = client({
      timeoutMs: 150,
      onCall: (call) => tries.push(`${call.apiPath} ${call.errorCode}`),
    });
    await wecom.accessToken.getToken();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', delayMs: 1_000 });
    const error = await wecom.user.get('zhangsan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', timeoutMs: 150, apiPath: '/cgi-bin/user/get' });
    expect(tries.filter((line) => line === '/cgi-bin/user/get timeout')).toHaveLength(3);
  });

  it('recovers from one slow answer of a read (user/get is tried again)', async () => {
    const wecom = client({ timeoutMs: 150 });
    await wecom.accessToken.getToken();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', delayMs: 1_000, count: 1 });
    expect((await wecom.user.get('zhangsan')).userid).toBe('zhangsan');
  });

  it('never tries a timed-out jscode2session again: the code may be spent', async () => {
    const tries: string[] = [];
    const wecom = client({
      timeoutMs: 150,
      onCall: (call) => tries.push(`${call.apiPath} ${call.errorCode}`),
    });
    await wecom.accessToken.getToken();
    const { code } = sandbox.control.login({ userid: 'zhangsan' });
    sandbox.control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', delayMs: 1_000, count: 1 });
    const error = await wecom.miniprogram.code2Session(code).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomTimeoutError);
    expect(tries.filter((line) => line.startsWith('/cgi-bin/miniprogram/jscode2session'))).toEqual([
      '/cgi-bin/miniprogram/jscode2session timeout',
    ]);
  });

  it('turns a malformed body into WecomMalformedResponseError', async () => {
    const wecom = client();
    await wecom.accessToken.getToken();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', malformed: true, count: 1 });
    const error = await wecom.user.get('zhangsan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomMalformedResponseError);
    expect(error).toMatchObject({ code: 'malformed_response' });
  });

  it('turns dropped connections into WecomNetworkError after the ladder, and recovers from a single drop', async () => {
    const wecom = client();
    await wecom.accessToken.getToken();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', drop: true, count: 1 });
    expect((await wecom.user.get('zhangsan')).userid).toBe('zhangsan');

    sandbox.control.addFault({ path: '/cgi-bin/user/get', drop: true, count: 3 });
    const error = await wecom.user.get('zhangsan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomNetworkError);
    expect(error).toMatchObject({ code: 'network' });
  });

  it('maps an HTTP 502 from a proxy to WecomHttpStatusError after retrying', async () => {
    const wecom = client();
    await wecom.accessToken.getToken();
    sandbox.control.addFault({ path: '/cgi-bin/user/get', httpStatus: 502, count: 3 });
    await expect(wecom.user.get('zhangsan')).rejects.toMatchObject({ code: 'http_status', status: 502 });
    expect(callsTo('/cgi-bin/user/get')).toBe(3);
  });
});

describe('endpoints over HTTP', () => {
  it('code2Session returns the member; the same code twice is WecomInvalidCodeError', async () => {
    const wecom = client();
    const { code } = sandbox.control.login({ userid: 'zhangsan' });
    const session = await wecom.miniprogram.code2Session(code);
    expect(session).toMatchObject({ corpId: DEMO_CORP_ID, userId: 'zhangsan', deviceId: '' });
    expect(Buffer.from(session.sessionKey, 'base64')).toHaveLength(16);
    const error = await wecom.miniprogram.code2Session(code).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomInvalidCodeError);
    expect((error as Error).message).toContain('wx.qy.login');
  });

  it("a user of another corp comes back with that corp's id and an encrypted userid", async () => {
    const wecom = client();
    const otherUser = sandbox.control.directory().corps.find((c) => c.corpId === OTHER_CORP_ID)
      ?.users[0]?.userid;
    const { code } = sandbox.control.login({ userid: otherUser as string, corpid: OTHER_CORP_ID });
    const session = await wecom.miniprogram.code2Session(code);
    expect(session.corpId).toBe(OTHER_CORP_ID);
    expect(session.userId).toMatch(/^wo[A-Za-z0-9_-]{30}$/);
  });

  it('user.get of an app created after 2022-06-20 lacks the private fields', async () => {
    const user = await client({ secret: 'demo-private-secret' }).user.get('zhangsan');
    expect(user.name).toBe('张三');
    expect(user.gender).toBe('0');
    for (const field of ['mobile', 'email', 'avatar', 'thumb_avatar', 'biz_mail', 'qr_code', 'address']) {
      expect(user).not.toHaveProperty(field);
    }
  });

  it('department.list, simplelist and get', async () => {
    const wecom = client();
    const list = await wecom.department.list();
    expect(list.department?.length).toBeGreaterThanOrEqual(5);
    const simple = await wecom.department.simplelist();
    expect(simple.department_id?.length).toBe(list.department?.length);
    const root = await wecom.department.get(1);
    expect(root.department?.id).toBe(1);
    await expect(wecom.department.get(999_999)).rejects.toMatchObject({ errcode: 60003 });
  });

  it('an unknown userid is errcode 60111, outside the visible range, with a hint', async () => {
    await expect(client().user.get('nobody-here')).rejects.toMatchObject({
      name: 'WecomVisibleRangeError',
      code: 'outside_visible_range',
      errcode: 60111,
      hint: expect.stringContaining('visible range'),
    });
  });

  it('rejects misuse with exact TypeErrors', () => {
    expect(() => createWecomClient({ corpId: '', secret: 'x' })).toThrow(
      new TypeError('corpId must be a non-empty string'),
    );
    expect(() => createWecomClient({ corpId: 'ww1', secret: 'x', baseUrl: 'not a url' })).toThrow(
      new TypeError('baseUrl must be an absolute URL'),
    );
    expect(() => client().user.get('')).toThrow(new TypeError('userId must be a non-empty string'));
  });
});

describe('secrets', () => {
  it('appear in no error message, stack, JSON or log line', async () => {
    const wecom = client();
    const token = await wecom.accessToken.getToken();
    const faults = [
      { errcode: 40014 },
      { errcode: 60020 },
      { errcode: -1 },
      { malformed: true },
      { drop: true },
      { httpStatus: 500 },
    ];
    const errors: unknown[] = [];
    for (const fault of faults) {
      sandbox.control.addFault({ path: '/cgi-bin/user/get', ...fault, count: 3 });
      errors.push(await wecom.user.get('zhangsan').catch((e: unknown) => e));
      sandbox.control.clearFaults();
    }
    errors.push(
      await client({ secret: 'wrong-secret-value' })
        .accessToken.getToken()
        .catch((e: unknown) => e),
    );
    const { code } = sandbox.control.login({ userid: 'zhangsan' });
    await wecom.miniprogram.code2Session(code);
    errors.push(await wecom.miniprogram.code2Session(code).catch((e: unknown) => e));
    const allTokens = [token, await wecom.accessToken.getToken()];

    expect(errors.every((e) => e instanceof WecomError)).toBe(true);
    const texts = [
      ...errors.flatMap((e) => [String((e as Error).message), String((e as Error).stack), JSON.stringify(e)]),
      ...logLines,
    ];
    expect(logLines.length).toBeGreaterThan(3);
    for (const text of texts) {
      expect(text).not.toContain(DEMO_APP.secret);
      expect(text).not.toContain('wrong-secret-value');
      expect(text).not.toContain(code);
      for (const t of allTokens) expect(text).not.toContain(t);
    }
  });
});
