import {
  type AccessTokenRecord,
  accessTokenCacheKey,
  createMemoryAccessTokenStore,
  createWecomClient,
  WecomAccessTokenError,
  WecomBusyError,
  WecomConfigError,
} from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { createScriptedWecom, deferred, json } from './scripted-wecom.js';

const corpId = 'wwdemo0000000001';
const secret = 'demo-secret-change-me';

function setup(options: { expiresIn?: number; refreshMarginMs?: number; timeoutMs?: number } = {}) {
  let clock = 1_700_000_000_000;
  const wecom = createScriptedWecom(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn });
  const store = createMemoryAccessTokenStore({ now: () => clock });
  const client = createWecomClient({
    corpId,
    secret,
    transport: wecom.transport,
    store,
    now: () => clock,
    retry: { baseDelayMs: 0 },
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
  });
  return {
    wecom,
    store,
    client,
    advance(ms: number) {
      clock += ms;
    },
    now: () => clock,
  };
}

describe('AccessTokenManager', () => {
  it('fetches once for 1,000 concurrent callers on a cold cache', async () => {
    const { wecom, client } = setup();
    const users = await Promise.all(Array.from({ length: 1000 }, () => client.user.get('zhangsan')));
    expect(users).toHaveLength(1000);
    expect(wecom.count('/cgi-bin/gettoken')).toBe(1);
    expect(wecom.count('/cgi-bin/user/get')).toBe(1000);
  });

  it('keys the cache by base URL, corp and secret hash, never by the secret itself', () => {
    const key = accessTokenCacheKey({ baseUrl: 'https://qyapi.weixin.qq.com/', corpId, secret });
    expect(key).toMatch(/^https:\/\/qyapi\.weixin\.qq\.com\|wwdemo0000000001\|[0-9a-f]{32}$/);
    expect(key).not.toContain(secret);
    expect(
      accessTokenCacheKey({ baseUrl: 'https://qyapi.weixin.qq.com', corpId, secret: 'other-app-secret' }),
    ).not.toBe(key);
    expect(accessTokenCacheKey({ baseUrl: 'http://127.0.0.1:9000', corpId, secret })).not.toBe(key);
  });

  it('reuses the cached token until the refresh margin, then refreshes ahead without blocking callers', async () => {
    const { wecom, client, advance } = setup({ refreshMarginMs: 5 * 60_000 });
    await client.user.get('zhangsan');
    advance(7200_000 - 6 * 60_000);
    await client.user.get('zhangsan');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(1);

    // Inside the margin: the caller is served with the old (still valid) token while the refresh is held open.
    advance(2 * 60_000);
    const held = deferred<void>();
    wecom.queue('/cgi-bin/gettoken', async () => {
      await held.promise;
      return json({ errcode: 0, errmsg: 'ok', access_token: 'token-ahead', expires_in: 7200 });
    });
    const served = await client.user.get('zhangsan');
    expect(served.userid).toBe('zhangsan');
    expect(wecom.requests.findLast((r) => r.path === '/cgi-bin/user/get')?.query.access_token).toBe(
      'token-1',
    );
    expect(client.status().refreshing).toBe(true);

    held.resolve();
    await expect.poll(() => client.status().refreshing).toBe(false);
    expect(await client.accessToken.getToken()).toBe('token-ahead');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
  });

  it('refreshes ahead at most once per token when WeCom hands back the same token', async () => {
    const { wecom, client, advance } = setup();
    await client.user.get('zhangsan');
    advance(7200_000 - 60_000);
    wecom.queue('/cgi-bin/gettoken', () =>
      json({ errcode: 0, errmsg: 'ok', access_token: 'token-1', expires_in: 60 }),
    );
    await client.accessToken.getToken();
    await expect.poll(() => client.status().refreshing).toBe(false);
    for (let i = 0; i < 5; i++) await client.accessToken.getToken();
    expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
  });

  it('blocks and fetches when the held token has expired', async () => {
    const { wecom, client, advance } = setup();
    await client.accessToken.getToken();
    advance(7200_000);
    expect(client.status().fresh).toBe(false);
    expect(await client.accessToken.getToken()).toBe('token-2');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
    expect(client.status()).toMatchObject({ fresh: true, refreshing: false, consecutiveFailures: 0 });
  });

  it('never lets a slower, older fetch overwrite a newer token', async () => {
    const { store, client } = setup();
    const key = client.accessToken.cacheKey;
    const newer: AccessTokenRecord = {
      token: 'newer',
      obtainedAt: 2_000,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    const older: AccessTokenRecord = {
      token: 'older',
      obtainedAt: 1_000,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    await store.putIfNewer(key, newer);
    expect(await store.putIfNewer(key, older)).toEqual(newer);
    expect(await client.accessToken.getToken()).toBe('newer');
  });

  it('an invalidated refresh that finishes late does not replace the token fetched after it', async () => {
    const { wecom, client, advance } = setup({ timeoutMs: 100 });
    await client.accessToken.getToken(); // token-1
    advance(7200_000 - 60_000);
    // A refresh ahead sets out from token-1 and hangs.
    const held = deferred<void>();
    wecom.queue('/cgi-bin/gettoken', async () => {
      await held.promise;
      return json({ errcode: 0, errmsg: 'ok', access_token: 'stale-from-slow-fetch', expires_in: 7200 });
    });
    expect(await client.accessToken.getToken()).toBe('token-1');
    // WeCom refuses token-1. The hung refresh still holds the lock: the caller waits one timeout at most, then
    // fetches on its own.
    await client.accessToken.invalidate('token-1');
    const fresh = await client.accessToken.getToken();
    expect(fresh).toBe('token-2');
    held.resolve();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await client.accessToken.getToken()).toBe('token-2');
  });

  it('invalidates only the refused token, not a newer one another caller already has', async () => {
    const { store, client } = setup();
    const first = await client.accessToken.getToken();
    await client.accessToken.invalidate(first);
    const second = await client.accessToken.getToken();
    expect(second).not.toBe(first);
    // A late report about the first token must not drop the second.
    await client.accessToken.invalidate(first);
    expect(await client.accessToken.getToken()).toBe(second);
    expect((await store.get(client.accessToken.cacheKey))?.token).toBe(second);
  });

  it('on 42001 refreshes once and replays; 1,000 concurrent refusals cause one refresh', async () => {
    const { wecom, client } = setup();
    await client.accessToken.getToken();
    for (let i = 0; i < 1000; i++) {
      wecom.queue('/cgi-bin/user/get', () => json({ errcode: 42001, errmsg: 'access_token expired' }));
    }
    const users = await Promise.all(Array.from({ length: 1000 }, () => client.user.get('zhangsan')));
    expect(users.every((u) => u.userid === 'zhangsan')).toBe(true);
    expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
  });

  it.each([40001, 40014, 41001, 42001])(
    'replays exactly once on %i and then gives up with a typed error',
    async (errcode) => {
      const { wecom, client } = setup();
      wecom.queue(
        '/cgi-bin/user/get',
        () => json({ errcode, errmsg: 'refused' }),
        () => json({ errcode, errmsg: 'refused again' }),
      );
      const error = await client.user.get('zhangsan').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WecomAccessTokenError);
      expect(error).toMatchObject({ code: 'access_token_invalid', errcode, apiPath: '/cgi-bin/user/get' });
      expect(wecom.count('/cgi-bin/user/get')).toBe(2);
      expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
      const [first, second] = wecom.requests.filter((r) => r.path === '/cgi-bin/user/get');
      expect(first?.query.access_token).not.toBe(second?.query.access_token);
    },
  );

  it('does not replay with the same token when WeCom hands the refused one back', async () => {
    const { wecom, client } = setup();
    wecom.queue('/cgi-bin/gettoken', () => json({ errcode: 0, access_token: 'same', expires_in: 7200 }));
    wecom.queue('/cgi-bin/gettoken', () => json({ errcode: 0, access_token: 'same', expires_in: 7200 }));
    wecom.queue('/cgi-bin/user/get', () => json({ errcode: 40014, errmsg: 'invalid access_token' }));
    await expect(client.user.get('zhangsan')).rejects.toBeInstanceOf(WecomAccessTokenError);
    expect(wecom.count('/cgi-bin/user/get')).toBe(1);
  });

  it('does not cache a failed gettoken and backs off before the next try', async () => {
    const { wecom, client, advance } = setup();
    wecom.queue('/cgi-bin/gettoken', () => json({ errcode: 40001, errmsg: 'invalid credential' }));
    const error = await client.accessToken.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomConfigError);
    expect(error).toMatchObject({ code: 'configuration', errcode: 40001 });
    expect((error as Error).message).toContain('the secret of the WeCom app');

    // Within the backoff the last error is answered without calling WeCom again.
    await expect(client.accessToken.getToken()).rejects.toBe(error);
    expect(wecom.count('/cgi-bin/gettoken')).toBe(1);
    expect(client.status().consecutiveFailures).toBe(1);

    advance(1_000);
    expect(await client.accessToken.getToken()).toBe('token-1');
    expect(client.status().consecutiveFailures).toBe(0);
  });

  it('doubles the backoff with each consecutive failure, up to the cap', async () => {
    const { wecom, client, advance } = setup();
    const fail = () => json({ errcode: 40013, errmsg: 'invalid corpid' });
    wecom.queue('/cgi-bin/gettoken', fail, fail, fail);
    await expect(client.accessToken.getToken()).rejects.toThrow(WecomConfigError);
    advance(1_000);
    await expect(client.accessToken.getToken()).rejects.toThrow(WecomConfigError);
    advance(1_999);
    await client.accessToken.getToken().catch(() => undefined);
    expect(wecom.count('/cgi-bin/gettoken')).toBe(2);
    advance(1);
    await expect(client.accessToken.getToken()).rejects.toThrow(WecomConfigError);
    expect(wecom.count('/cgi-bin/gettoken')).toBe(3);
  });

  it('retries gettoken itself on -1 within the ladder', async () => {
    const { wecom, client } = setup();
    const busy = () => json({ errcode: -1, errmsg: 'system busy' });
    wecom.queue('/cgi-bin/gettoken', busy, busy);
    expect(await client.accessToken.getToken()).toBe('token-1');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(3);
  });

  it('surfaces -1 as WecomBusyError after three tries', async () => {
    const { wecom, client } = setup();
    const busy = () => json({ errcode: -1, errmsg: 'system busy' });
    wecom.queue('/cgi-bin/user/get', busy, busy, busy);
    await expect(client.user.get('zhangsan')).rejects.toBeInstanceOf(WecomBusyError);
    expect(wecom.count('/cgi-bin/user/get')).toBe(3);
  });

  it('waits for another process holding the refresh lock instead of fetching too', async () => {
    const { wecom, store, client, now } = setup();
    const key = client.accessToken.cacheKey;
    const lock = await store.tryLock(key, 60_000);
    expect(lock).toBeDefined();
    const waiting = client.accessToken.getToken();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.putIfNewer(key, {
      token: 'from-another-process',
      obtainedAt: now(),
      expiresAt: now() + 7200_000,
    });
    await lock?.release();
    expect(await waiting).toBe('from-another-process');
    expect(wecom.count('/cgi-bin/gettoken')).toBe(0);
  });

  it('status() never exposes the token', async () => {
    const { client } = setup();
    await client.accessToken.getToken();
    expect(JSON.stringify(client.status())).not.toContain('token-1');
  });
});
