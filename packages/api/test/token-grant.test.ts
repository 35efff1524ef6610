/**
 * The token-grant seam: the corp-secret grant is today's gettoken exactly, and a grant of another kind (a suite
 * token, POSTed with a JSON body and carried as `suite_access_token`) plugs into the same manager and request core
 * with every guarantee, through the public `auth` option alone.
 */
import { createHash } from 'node:crypto';
import {
  type AccessTokenStore,
  accessTokenAttachment,
  accessTokenCacheKey,
  corpSecretAuth,
  corpSecretGrant,
  createMemoryAccessTokenStore,
  createWecomClient,
  type TokenGrant,
  WecomAccessTokenError,
  type WecomAuthStrategy,
  WecomConfigError,
  type WecomLogger,
  WecomMalformedResponseError,
  type WecomPayload,
} from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { createScriptedWecom, deferred, json, scriptedSuite } from './scripted-wecom.js';

const corpId = 'wwdemo0000000001';
const secret = 'demo-secret-change-me';
const baseUrl = 'https://qyapi.weixin.qq.com';
const suiteTokenPath = '/cgi-bin/service/get_suite_token';
const suiteLoginPath = '/cgi-bin/service/miniprogram/jscode2session';

interface SuiteTokenPayload extends WecomPayload {
  readonly suite_access_token?: string;
  readonly expires_in?: number;
}

/**
 * A suite-token grant written against the public seam only: what a third-party app's token needs that a corp
 * secret's does not (a POST with a JSON body, another query parameter, other refusal errcodes).
 */
function suiteTokenGrant(input: {
  baseUrl: string;
  suiteId: string;
  suiteSecret: string;
  suiteTicket: () => string;
}): TokenGrant {
  const secretHash = createHash('sha256').update(input.suiteSecret).digest('hex').slice(0, 32);
  return {
    cacheKey: `${input.baseUrl}|suite|${input.suiteId}|${secretHash}`,
    apiPath: suiteTokenPath,
    attachment: { queryParameter: 'suite_access_token', refusedErrcodes: new Set([40082, 42009]) },
    async fetch(core) {
      const payload = await core.withoutToken<SuiteTokenPayload>(
        {
          method: 'POST',
          path: suiteTokenPath,
          body: {
            suite_id: input.suiteId,
            suite_secret: input.suiteSecret,
            suite_ticket: input.suiteTicket(),
          },
        },
        {},
        'gettoken',
      );
      const token = payload.suite_access_token;
      if (typeof token !== 'string' || token.length === 0) {
        throw new WecomMalformedResponseError({
          apiPath: suiteTokenPath,
          reason: 'suite_access_token is missing',
          contentType: undefined,
          bodyLength: 0,
        });
      }
      return { token, expiresInSeconds: payload.expires_in ?? 7200 };
    },
  };
}

function suiteAuth(): WecomAuthStrategy {
  return {
    grantFor: ({ baseUrl: url }) =>
      suiteTokenGrant({
        baseUrl: url,
        suiteId: scriptedSuite.suiteId,
        suiteSecret: scriptedSuite.suiteSecret,
        suiteTicket: () => scriptedSuite.suiteTicket,
      }),
  };
}

function suiteSetup(options: { store?: AccessTokenStore } = {}) {
  let clock = 1_700_000_000_000;
  const wecom = createScriptedWecom();
  const logLines: string[] = [];
  const log =
    (level: string): WecomLogger['info'] =>
    (object, message) =>
      logLines.push(JSON.stringify({ level, message, ...object }));
  const fetches: boolean[] = [];
  const client = createWecomClient({
    corpId,
    auth: suiteAuth(),
    baseUrl,
    transport: wecom.transport,
    store: options.store ?? createMemoryAccessTokenStore({ now: () => clock }),
    now: () => clock,
    retry: { baseDelayMs: 0 },
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    onTokenFetch: ({ ok }) => fetches.push(ok),
  });
  const login = (code = 'code-1') =>
    client.request({
      method: 'GET',
      path: suiteLoginPath,
      query: { js_code: code, grant_type: 'authorization_code' },
    });
  return {
    wecom,
    client,
    login,
    logLines,
    fetches,
    advance(ms: number) {
      clock += ms;
    },
  };
}

describe('corpSecretGrant', () => {
  it('keeps the cache key of accessTokenCacheKey, so tokens stored before are still found', async () => {
    const grant = corpSecretGrant({ baseUrl: `${baseUrl}/`, corpId, secret });
    expect(grant.cacheKey).toBe(accessTokenCacheKey({ baseUrl, corpId, secret }));
    expect(grant.cacheKey).not.toContain(secret);
    expect(grant.apiPath).toBe('/cgi-bin/gettoken');
    expect(grant.attachment).toBe(accessTokenAttachment);
    expect([...grant.attachment.refusedErrcodes].sort()).toEqual([40001, 40014, 41001, 42001]);

    const clock = 1_700_000_000_000;
    const store = createMemoryAccessTokenStore({ now: () => clock });
    await store.putIfNewer(accessTokenCacheKey({ baseUrl, corpId, secret }), {
      token: 'stored-by-an-earlier-release',
      obtainedAt: clock,
      expiresAt: clock + 7200_000,
    });
    const wecom = createScriptedWecom();
    const client = createWecomClient({
      corpId,
      auth: corpSecretAuth({ corpId, secret }),
      transport: wecom.transport,
      store,
      now: () => clock,
    });
    expect(await client.accessToken.getToken()).toBe('stored-by-an-earlier-release');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(0);
  });

  it('sends gettoken as before, with the corp and secret in the query string', async () => {
    const wecom = createScriptedWecom();
    const client = createWecomClient({
      corpId,
      auth: corpSecretAuth({ corpId, secret }),
      transport: wecom.transport,
    });
    await client.user.get('zhangsan');
    expect(wecom.requests[0]).toEqual({
      method: 'GET',
      path: '/cgi-bin/gettoken',
      query: { corpid: corpId, corpsecret: secret },
      body: undefined,
    });
    expect(wecom.requests[1]?.query.access_token).toBe('token-1');
  });

  it('rejects an answer without access_token and assumes 7200 s when expires_in is missing', async () => {
    const clock = 1_700_000_000_000;
    const wecom = createScriptedWecom();
    wecom.queue('/cgi-bin/gettoken', () => json({ errcode: 0, errmsg: 'ok', expires_in: 7200 }));
    const client = createWecomClient({ corpId, secret, transport: wecom.transport, now: () => clock });
    const error = await client.accessToken.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomMalformedResponseError);
    expect(error).toMatchObject({
      apiPath: '/cgi-bin/gettoken',
      message: expect.stringContaining('access_token'),
    });

    const fresh = createWecomClient({ corpId, secret, transport: wecom.transport, now: () => clock });
    wecom.queue('/cgi-bin/gettoken', () => json({ errcode: 0, errmsg: 'ok', access_token: 'no-lifetime' }));
    expect(await fresh.accessToken.getToken()).toBe('no-lifetime');
    expect(fresh.status().expiresAt).toBe(clock + 7200_000);
  });
});

describe('createWecomClient credentials', () => {
  it('takes a secret or an auth strategy, not both and not neither, and not a strategy of another corp', () => {
    const transport = createScriptedWecom().transport;
    expect(() => createWecomClient({ corpId, transport } as never)).toThrow(
      new TypeError('secret must be a non-empty string'),
    );
    expect(() =>
      createWecomClient({ corpId, secret, auth: corpSecretAuth({ corpId, secret }), transport } as never),
    ).toThrow(new TypeError('give either secret or auth, not both'));
    expect(() => createWecomClient({ corpId, auth: { corpId } as never, transport })).toThrow(
      new TypeError('auth must be a strategy such as corpSecretAuth({ corpId, secret })'),
    );
    expect(() =>
      createWecomClient({ corpId, auth: corpSecretAuth({ corpId: 'wwother000000001', secret }), transport }),
    ).toThrow(new TypeError('auth is for another corp than corpId'));
    expect(() => corpSecretAuth({ corpId, secret: '' })).toThrow(
      new TypeError('secret must be a non-empty string'),
    );
  });
});

describe('a grant of another kind through the same manager', () => {
  it('fetches one suite token for 100 concurrent calls: a JSON POST, carried as suite_access_token', async () => {
    const { wecom, client, login, fetches } = suiteSetup();
    const sessions = await Promise.all(Array.from({ length: 100 }, (_, i) => login(`code-${i}`)));
    expect(sessions.every((s) => s.userid === 'zhangsan')).toBe(true);
    expect(wecom.count(suiteTokenPath)).toBe(1);
    expect(fetches).toEqual([true]);

    const fetch = wecom.requests.find((r) => r.path === suiteTokenPath);
    expect(fetch).toEqual({
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
    expect(client.accessToken.attachment.queryParameter).toBe('suite_access_token');
    expect(client.accessToken.cacheKey).not.toContain(scriptedSuite.suiteSecret);
  });

  it('on 42009 refreshes once and replays; 100 concurrent refusals cause one refresh', async () => {
    const { wecom, login } = suiteSetup();
    await login();
    for (let i = 0; i < 100; i++) {
      wecom.queue(suiteLoginPath, () => json({ errcode: 42009, errmsg: 'suite_access_token expired' }));
    }
    const sessions = await Promise.all(Array.from({ length: 100 }, (_, i) => login(`code-${i}`)));
    expect(sessions.every((s) => s.userid === 'zhangsan')).toBe(true);
    expect(wecom.count(suiteTokenPath)).toBe(2);
    expect(wecom.count(suiteLoginPath)).toBe(1 + 100 + 100);
    const replays = wecom.requests.filter((r) => r.query.suite_access_token === 'suite-token-2');
    expect(replays).toHaveLength(100);
  });

  it.each([40082, 42009])(
    'replays exactly once on %i and then gives up with a typed error',
    async (errcode) => {
      const { wecom, login } = suiteSetup();
      const refused = () => json({ errcode, errmsg: 'invalid suite_acccess_token, hint: [x]' });
      wecom.queue(suiteLoginPath, refused, refused);
      const error = await login().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WecomAccessTokenError);
      expect(error).toMatchObject({ code: 'access_token_invalid', errcode, apiPath: suiteLoginPath });
      expect(wecom.count(suiteLoginPath)).toBe(2);
      expect(wecom.count(suiteTokenPath)).toBe(2);
      const [first, second] = wecom.requests.filter((r) => r.path === suiteLoginPath);
      expect(first?.query.suite_access_token).toBe('suite-token-1');
      expect(second?.query.suite_access_token).toBe('suite-token-2');
    },
  );

  it('does not replay on a corp token errcode: the refused set is the grant’s', async () => {
    const { wecom, login } = suiteSetup();
    wecom.queue(suiteLoginPath, () => json({ errcode: 40001, errmsg: 'invalid credential' }));
    const error = await login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomConfigError);
    expect(wecom.count(suiteLoginPath)).toBe(1);
    expect(wecom.count(suiteTokenPath)).toBe(1);
  });

  it('keeps the manager’s guarantees: refresh ahead, failure backoff, a store shared with corp tokens', async () => {
    let clock = 1_700_000_000_000;
    const store = createMemoryAccessTokenStore({ now: () => clock });
    const { wecom, client, login, advance, fetches } = suiteSetup({ store });
    const corp = createWecomClient({ corpId, secret, transport: wecom.transport, store, now: () => clock });
    const tick = (ms: number) => {
      clock += ms;
      advance(ms);
    };
    await Promise.all([login(), corp.user.get('zhangsan')]);
    expect(client.accessToken.cacheKey).not.toBe(corp.accessToken.cacheKey);
    expect((await store.get(client.accessToken.cacheKey))?.token).toBe('suite-token-1');
    expect((await store.get(corp.accessToken.cacheKey))?.token).toBe('token-1');

    // Inside the refresh margin: served at once with the held token while the new one is fetched.
    tick(7200_000 - 60_000);
    const held = deferred<void>();
    wecom.queue(suiteTokenPath, async () => {
      await held.promise;
      return json({ suite_access_token: 'suite-token-ahead', expires_in: 7200 });
    });
    expect(await client.accessToken.getToken()).toBe('suite-token-1');
    expect(client.status().refreshing).toBe(true);
    held.resolve();
    await expect.poll(() => client.status().refreshing).toBe(false);
    expect(await client.accessToken.getToken()).toBe('suite-token-ahead');

    // A refused ticket is not cached and backs off.
    tick(7200_000);
    wecom.queue(suiteTokenPath, () => json({ errcode: 40085, errmsg: 'invalid suite_ticket' }));
    await expect(client.accessToken.getToken()).rejects.toMatchObject({ errcode: 40085 });
    await expect(client.accessToken.getToken()).rejects.toMatchObject({ errcode: 40085 });
    expect(client.status().consecutiveFailures).toBe(1);
    tick(1_000);
    expect(await client.accessToken.getToken()).toBe('suite-token-2');
    expect(fetches).toEqual([true, true, false, true]);
  });

  it('never logs the suite secret, the ticket or a suite token', async () => {
    const { wecom, login, logLines } = suiteSetup();
    wecom.queue(suiteLoginPath, () => json({ errcode: 42009, errmsg: 'suite_access_token expired' }));
    await login();
    expect(logLines.some((line) => line.includes('token refused; replaying once'))).toBe(true);
    expect(logLines.some((line) => line.includes('suite_access_token'))).toBe(true);
    for (const line of logLines) {
      for (const secretText of [
        scriptedSuite.suiteSecret,
        scriptedSuite.suiteTicket,
        'suite-token-1',
        'suite-token-2',
      ])
        expect(line).not.toContain(secretText);
    }
  });
});
