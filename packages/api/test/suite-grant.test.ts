/**
 * The suite token: `get_suite_token` by POST with the newest ticket, single flight in a process and across processes
 * sharing a store, the replay on 40082 / 42009, and the missing or refused ticket as one typed error.
 */
import {
  createMemoryAccessTokenStore,
  createSuiteClient,
  suiteAccessTokenAttachment,
  suiteTokenCacheKey,
  WecomAccessTokenError,
  WecomConfigError,
  WecomMalformedResponseError,
  WecomSuiteTicketMissingError,
} from '@wecom-auth/api';
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createScriptedWecom, deferred, json, scriptedSuite } from './scripted-wecom.js';
import { baseUrl, suiteLoginPath, suiteSetup, suiteTokenPath, testClock } from './suite-setup.js';

const login = (suite: ReturnType<typeof suiteSetup>['suite'], code = 'code-1') =>
  suite.miniprogram.code2Session(code);

describe('the suite token', () => {
  it('is one JSON POST for 100 concurrent logins, answered without errcode, carried as suite_access_token', async () => {
    const { wecom, suite, fetches, ticket } = suiteSetup();
    const sessions = await Promise.all(Array.from({ length: 100 }, (_, i) => login(suite, `code-${i}`)));
    expect(sessions.every((s) => s.userId === 'zhangsan')).toBe(true);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(fetches).toEqual([{ ok: true, durationMs: expect.any(Number), kind: 'suite' }]);
    expect(ticket.reads).toBe(1);

    expect(wecom.requests.find((r) => r.path === suiteTokenPath)).toEqual({
      method: 'POST',
      path: suiteTokenPath,
      query: {},
      body: {
        suite_id: scriptedSuite.suiteId,
        suite_secret: scriptedSuite.suiteSecret,
        suite_ticket: scriptedSuite.suiteTicket,
      },
    });
    const calls = wecom.requests.filter((r) => r.path === suiteLoginPath);
    expect(calls).toHaveLength(100);
    for (const call of calls) {
      expect(call.query.suite_access_token).toBe('suite-token-1');
      expect(call.query).not.toHaveProperty('access_token');
    }
    expect(suite.suiteToken.attachment).toBe(suiteAccessTokenAttachment);
    expect([...suiteAccessTokenAttachment.refusedErrcodes].sort()).toEqual([40082, 42009]);
  });

  it('is cached under baseUrl|suite|suiteId|secret hash, never the secret, one key per suite and secret', () => {
    const { suite } = suiteSetup();
    const key = suiteTokenCacheKey({
      baseUrl: `${baseUrl}/`,
      suiteId: scriptedSuite.suiteId,
      suiteSecret: scriptedSuite.suiteSecret,
    });
    expect(key).toMatch(/^https:\/\/qyapi\.weixin\.qq\.com\|suite\|wwsuite000000001\|[0-9a-f]{32}$/);
    expect(suite.suiteToken.cacheKey).toBe(key);
    expect(key).not.toContain(scriptedSuite.suiteSecret);
    const other = { baseUrl, suiteId: scriptedSuite.suiteId, suiteSecret: 'another-secret' };
    expect(suiteTokenCacheKey(other)).not.toBe(key);
    expect(suiteTokenCacheKey({ ...other, suiteId: 'wwsuite000000002' })).not.toBe(suiteTokenCacheKey(other));
  });

  it('lives 7200 s when expires_in is missing, and an answer without suite_access_token is malformed', async () => {
    const { wecom, suite, clock } = suiteSetup();
    wecom.queue(suiteTokenPath, () => json({ expires_in: 7200 }));
    const error = await suite.suiteToken.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomMalformedResponseError);
    expect(error).toMatchObject({
      apiPath: suiteTokenPath,
      message: expect.stringContaining('suite_access_token'),
    });

    clock.advance(1_000);
    wecom.queue(suiteTokenPath, () => json({ suite_access_token: 'no-lifetime' }));
    expect(await suite.suiteToken.getToken()).toBe('no-lifetime');
    expect(suite.status().expiresAt).toBe(clock.now() + 7200_000);
  });

  it('on 42009 refreshes once and replays; 100 concurrent refusals cause one refresh', async () => {
    const { wecom, suite } = suiteSetup();
    await login(suite);
    for (let i = 0; i < 100; i++) {
      wecom.queue(suiteLoginPath, () => json({ errcode: 42009, errmsg: 'suite_access_token expired' }));
    }
    const sessions = await Promise.all(Array.from({ length: 100 }, (_, i) => login(suite, `code-${i}`)));
    expect(sessions.every((s) => s.userId === 'zhangsan')).toBe(true);
    expect(wecom.count(suiteTokenPath)).toBe(2);
    expect(wecom.count(suiteLoginPath)).toBe(1 + 100 + 100);
    expect(wecom.requests.filter((r) => r.query.suite_access_token === 'suite-token-2')).toHaveLength(100);
  });

  it.each([40082, 42009])('replays exactly once on %i, then gives up with a typed error', async (errcode) => {
    const { wecom, suite } = suiteSetup();
    const refused = () => json({ errcode, errmsg: 'invalid suite_acccess_token, hint: [x]' });
    wecom.queue(suiteLoginPath, refused, refused);
    const error = await login(suite).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomAccessTokenError);
    expect(error).toMatchObject({ code: 'access_token_invalid', errcode, apiPath: suiteLoginPath });
    expect(wecom.count(suiteLoginPath)).toBe(2);
    expect(wecom.count(suiteTokenPath)).toBe(2);
    const [first, second] = wecom.requests.filter((r) => r.path === suiteLoginPath);
    expect(first?.query.suite_access_token).toBe('suite-token-1');
    expect(second?.query.suite_access_token).toBe('suite-token-2');
  });

  it('does not replay on a corp token errcode: the refused set is the suite token’s', async () => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(suiteLoginPath, () => json({ errcode: 40001, errmsg: 'invalid credential' }));
    await expect(login(suite)).rejects.toBeInstanceOf(WecomConfigError);
    expect(wecom.count(suiteLoginPath)).toBe(1);
    expect(wecom.count(suiteTokenPath)).toBe(1);
  });

  it.each([
    [40080, 'invalid suite_secret'],
    [40083, 'invalid suite_id'],
  ])('turns %i from get_suite_token into a configuration error', async (errcode, errmsg) => {
    const { wecom, suite } = suiteSetup();
    wecom.queue(suiteTokenPath, () => json({ errcode, errmsg }));
    const error = await login(suite).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomConfigError);
    expect(error).toMatchObject({ errcode, errcodeClass: 'config', apiPath: suiteTokenPath });
    expect((error as Error).message).toContain('WeCom provider console');
  });
});

describe('the suite_ticket', () => {
  it('none known: a typed error naming the instruction callback, and WeCom is not called', async () => {
    const { wecom, suite, ticket } = suiteSetup();
    ticket.value = undefined;
    const error = await login(suite).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomSuiteTicketMissingError);
    expect(error).toMatchObject({
      name: 'WecomSuiteTicketMissingError',
      code: 'suite_ticket_missing',
      suiteId: scriptedSuite.suiteId,
      apiPath: suiteTokenPath,
      errcode: undefined,
      retryable: false,
      hint: expect.stringContaining('instruction callback URL'),
    });
    expect((error as Error).message).toContain('was not called');
    expect(wecom.requests).toEqual([]);
    // WeCom was not called, so nothing is backed off from: the next call tries again.
    expect(error).toMatchObject({ wecomCalled: false });
    expect(suite.status()).toMatchObject({ fresh: false, consecutiveFailures: 0 });

    // An empty ticket is no ticket either.
    ticket.value = '';
    await expect(login(suite)).rejects.toBeInstanceOf(WecomSuiteTicketMissingError);
    expect(wecom.requests).toEqual([]);

    // The push arrives: the very next call fetches with it, with no clock moved.
    ticket.value = scriptedSuite.suiteTicket;
    expect((await login(suite)).userId).toBe('zhangsan');
    expect(wecom.requests[0]?.body).toMatchObject({ suite_ticket: scriptedSuite.suiteTicket });
  });

  it('40085 is the same error, with the errcode; the newest ticket is read at the next fetch', async () => {
    const { wecom, suite, ticket, clock } = suiteSetup();
    ticket.value = 'stale-ticket-from-another-instance';
    const error = await login(suite).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomSuiteTicketMissingError);
    expect(error).toMatchObject({
      code: 'suite_ticket_missing',
      errcode: 40085,
      errmsg: 'invalid suite_ticket',
    });
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      errcode: 40085,
      suiteId: scriptedSuite.suiteId,
    });
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(wecom.count(suiteLoginPath)).toBe(0);

    clock.advance(1_000);
    wecom.suite.validTickets.add('pushed-just-now');
    ticket.value = 'pushed-just-now';
    expect((await login(suite)).userId).toBe('zhangsan');
    expect(wecom.requests.filter((r) => r.path === suiteTokenPath).map((r) => r.body)).toMatchObject([
      { suite_ticket: 'stale-ticket-from-another-instance' },
      { suite_ticket: 'pushed-just-now' },
    ]);
  });

  it('is read at each fetch, never kept: the token after a new push is fetched with the new ticket', async () => {
    const { wecom, suite, ticket, clock } = suiteSetup();
    await Promise.all(Array.from({ length: 20 }, (_, i) => login(suite, `code-${i}`)));
    expect(ticket.reads).toBe(1);

    wecom.suite.validTickets.clear();
    wecom.suite.validTickets.add('ticket-pushed-later');
    ticket.value = 'ticket-pushed-later';
    clock.advance(7200_000);
    await login(suite);
    expect(ticket.reads).toBe(2);
    expect(wecom.requests.filter((r) => r.path === suiteTokenPath).at(-1)?.body).toMatchObject({
      suite_ticket: 'ticket-pushed-later',
    });
  });

  it('a ticket source that fails passes its error through, and WeCom is not called', async () => {
    const wecom = createScriptedWecom();
    const down = new Error('ticket store unavailable');
    const suite = createSuiteClient({
      suiteId: scriptedSuite.suiteId,
      suiteSecret: scriptedSuite.suiteSecret,
      tickets: {
        current: async () => {
          throw down;
        },
      },
      transport: wecom.transport,
    });
    await expect(login(suite)).rejects.toBe(down);
    expect(wecom.requests).toEqual([]);
  });

  it('a ticket source that answers something other than a string is a TypeError', async () => {
    const wecom = createScriptedWecom();
    const suite = createSuiteClient({
      suiteId: scriptedSuite.suiteId,
      suiteSecret: scriptedSuite.suiteSecret,
      tickets: { current: async () => 42 as never },
      transport: wecom.transport,
    });
    await expect(login(suite)).rejects.toThrow(
      new TypeError('tickets.current() must resolve a string or undefined'),
    );
    expect(wecom.requests).toEqual([]);
  });
});

describe('single flight across processes', () => {
  it('two suite clients on one store fetch one suite token for 200 concurrent logins', async () => {
    const clock = testClock();
    const wecom = createScriptedWecom();
    const store = createMemoryAccessTokenStore({ now: clock.now });
    const one = suiteSetup({ wecom, store, clock });
    const two = suiteSetup({ wecom, store, clock });
    const sessions = await Promise.all(
      Array.from({ length: 200 }, (_, i) => login(i % 2 === 0 ? one.suite : two.suite, `code-${i}`)),
    );
    expect(sessions).toHaveLength(200);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect([...one.fetches, ...two.fetches]).toHaveLength(1);
    expect(new Set(wecom.requests.map((r) => r.query.suite_access_token).filter(Boolean))).toEqual(
      new Set(['suite-token-1']),
    );
  });

  it('a refusal seen by one process makes one refresh that the other adopts', async () => {
    const clock = testClock();
    const wecom = createScriptedWecom();
    const store = createMemoryAccessTokenStore({ now: clock.now });
    const one = suiteSetup({ wecom, store, clock });
    const two = suiteSetup({ wecom, store, clock });
    await Promise.all([login(one.suite), login(two.suite)]);
    wecom.queue(suiteLoginPath, () => json({ errcode: 40082, errmsg: 'invalid suite_acccess_token' }));
    await login(one.suite);
    // The other process still holds the refused token: WeCom refuses it, and it adopts the stored one.
    await login(two.suite);
    expect(wecom.count(suiteTokenPath)).toBe(2);
    expect(await two.suite.suiteToken.getToken()).toBe('suite-token-2');
  });
});

describe('the manager’s guarantees for the suite token', () => {
  it('refreshes ahead without blocking, and backs off after a failed fetch', async () => {
    const { wecom, suite, clock, fetches } = suiteSetup();
    await login(suite);
    clock.advance(7200_000 - 60_000);
    const held = deferred<void>();
    wecom.queue(suiteTokenPath, async () => {
      await held.promise;
      return json({ suite_access_token: 'suite-token-ahead', expires_in: 7200 });
    });
    expect(await suite.suiteToken.getToken()).toBe('suite-token-1');
    expect(suite.status().refreshing).toBe(true);
    held.resolve();
    await expect.poll(() => suite.status().refreshing).toBe(false);
    expect(await suite.suiteToken.getToken()).toBe('suite-token-ahead');

    clock.advance(7200_000);
    wecom.queue(suiteTokenPath, () => json({ errcode: 40080, errmsg: 'invalid suite_secret' }));
    await expect(suite.suiteToken.getToken()).rejects.toMatchObject({ errcode: 40080 });
    await expect(suite.suiteToken.getToken()).rejects.toMatchObject({ errcode: 40080 });
    expect(wecom.count(suiteTokenPath)).toBe(3);
    expect(suite.status().consecutiveFailures).toBe(1);
    clock.advance(1_000);
    expect(await suite.suiteToken.getToken()).toBe('suite-token-2');
    expect(fetches.map((f) => f.ok)).toEqual([true, true, false, true]);
  });
});

describe('over undici', () => {
  let agent: MockAgent | undefined;
  afterEach(async () => {
    await agent?.close();
  });

  it('POSTs get_suite_token as JSON and sends the login as GET with the suite token (MockAgent)', async () => {
    agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get(baseUrl);
    const seen: { path: string; method: string; headers: Record<string, string>; body: unknown }[] = [];
    pool
      .intercept({ path: suiteTokenPath, method: 'POST' })
      .reply(200, (options) => {
        seen.push({
          path: String(options.path),
          method: options.method,
          headers: options.headers as Record<string, string>,
          body: JSON.parse(String(options.body)),
        });
        return { suite_access_token: 'over-undici', expires_in: 7200 };
      })
      .times(1);
    pool
      .intercept({ path: (path) => path.startsWith(suiteLoginPath), method: 'GET' })
      .reply(200, (options) => {
        seen.push({ path: String(options.path), method: options.method, headers: {}, body: undefined });
        return { corpid: 'wpX', userid: 'u', open_userid: 'wo1', session_key: 'k' };
      })
      .times(1);
    const suite = createSuiteClient({
      suiteId: scriptedSuite.suiteId,
      suiteSecret: scriptedSuite.suiteSecret,
      tickets: { current: async () => scriptedSuite.suiteTicket },
      dispatcher: agent,
    });
    expect(await suite.miniprogram.code2Session('js-code-1')).toEqual({
      corpId: 'wpX',
      userId: 'u',
      openUserId: 'wo1',
      sessionKey: 'k',
    });
    const [token, call] = seen;
    expect(token).toMatchObject({
      path: suiteTokenPath,
      method: 'POST',
      headers: expect.objectContaining({ 'content-type': 'application/json' }),
      body: {
        suite_id: scriptedSuite.suiteId,
        suite_secret: scriptedSuite.suiteSecret,
        suite_ticket: scriptedSuite.suiteTicket,
      },
    });
    const url = new URL(call?.path ?? '', baseUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      suite_access_token: 'over-undici',
      js_code: 'js-code-1',
      grant_type: 'authorization_code',
    });
  });
});

describe('createSuiteClient options', () => {
  it('rejects misuse with exact TypeErrors', async () => {
    const tickets = { current: async () => 't' };
    expect(() => createSuiteClient(undefined as never)).toThrow(new TypeError('options must be an object'));
    expect(() => createSuiteClient({ suiteId: '', suiteSecret: 's', tickets })).toThrow(
      new TypeError('suiteId must be a non-empty string'),
    );
    expect(() => createSuiteClient({ suiteId: 'ww1', suiteSecret: '', tickets })).toThrow(
      new TypeError('suiteSecret must be a non-empty string'),
    );
    expect(() => createSuiteClient({ suiteId: 'ww1', suiteSecret: 's', tickets: {} as never })).toThrow(
      new TypeError('tickets must be a SuiteTicketSource: { current(): Promise<string | undefined> }'),
    );
    expect(() => createSuiteClient({ suiteId: 'ww1', suiteSecret: 's', tickets, baseUrl: 'nope' })).toThrow(
      new TypeError('baseUrl must be an absolute URL'),
    );
    expect(() => createSuiteClient({ suiteId: 'ww1', suiteSecret: 's', tickets, timeoutMs: 0 })).toThrow(
      new TypeError('timeoutMs must be a positive number'),
    );
    const suite = createSuiteClient({ suiteId: 'ww1', suiteSecret: 's', tickets });
    expect(() => suite.request({ method: 'GET', path: '/service/x' })).toThrow(
      new TypeError('request.path must start with /cgi-bin/'),
    );
    await expect(suite.miniprogram.code2Session('')).rejects.toThrow(
      new TypeError('jsCode must be a non-empty string'),
    );
  });
});
