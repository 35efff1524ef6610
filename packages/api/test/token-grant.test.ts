/**
 * The token-grant seam: the corp-secret grant is today's gettoken exactly, and a grant of another kind (the suite
 * token, POSTed with a JSON body and carried as `suite_access_token`) plugs into the same manager and request core
 * through the public `auth` option alone. The suite client's own tests are in suite-*.test.ts.
 */
import {
  accessTokenAttachment,
  accessTokenCacheKey,
  corpSecretAuth,
  corpSecretGrant,
  createMemoryAccessTokenStore,
  createWecomClient,
  suiteAccessTokenAttachment,
  suiteTokenGrant,
  type WecomAuthStrategy,
  WecomMalformedResponseError,
} from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { createScriptedWecom, json, scriptedSuite } from './scripted-wecom.js';

const corpId = 'wwdemo0000000001';
const secret = 'demo-secret-change-me';
const baseUrl = 'https://qyapi.weixin.qq.com';
const suiteLoginPath = '/cgi-bin/service/miniprogram/jscode2session';

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

describe('a grant of another kind through the same seam', () => {
  it('the suite grant, given as an auth strategy, gets one token for 100 concurrent calls and its own attachment', async () => {
    const wecom = createScriptedWecom();
    const suiteAuth: WecomAuthStrategy = {
      grantFor: ({ baseUrl: url }) =>
        suiteTokenGrant({
          baseUrl: url,
          suiteId: scriptedSuite.suiteId,
          suiteSecret: scriptedSuite.suiteSecret,
          tickets: { current: async () => scriptedSuite.suiteTicket },
        }),
    };
    const client = createWecomClient({ corpId, auth: suiteAuth, transport: wecom.transport });
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.request({
          method: 'GET',
          path: suiteLoginPath,
          query: { js_code: `code-${i}`, grant_type: 'authorization_code' },
        }),
      ),
    );
    expect(answers.every((answer) => answer.userid === 'zhangsan')).toBe(true);
    expect(wecom.count('/cgi-bin/service/get_suite_token')).toBe(1);
    expect(client.accessToken.attachment).toBe(suiteAccessTokenAttachment);
    for (const call of wecom.requests.filter((r) => r.path === suiteLoginPath)) {
      expect(call.query.suite_access_token).toBe('suite-token-1');
      expect(call.query).not.toHaveProperty('access_token');
    }
  });
});
