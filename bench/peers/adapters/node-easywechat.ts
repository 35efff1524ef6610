import { createRequire } from 'node:module';
import type { CacheInterface, Work as WorkApplication } from 'node-easywechat';
import { employeeOf, type PeerLibrary, sessionUserId } from '../login-wrapper.js';
import { packageVersion } from '../package-version.js';

// node-easywechat is CommonJS; it is loaded as its users load it, unchanged.
const { Work } = createRequire(import.meta.url)('node-easywechat') as { Work: typeof WorkApplication };

/**
 * An in-memory cache honouring the lifetime the SDK passes (`expires_in`), as its default FileCache does, without
 * writing token files. node-easywechat reads the token from this cache and, on a miss, calls gettoken
 * (`Work/AccessToken.js` `getToken` → `refresh`): there is no shared in-flight fetch, so concurrent misses each
 * call gettoken, and nothing ever deletes a token WeCom refused.
 */
class MemoryCache implements CacheInterface {
  private readonly items = new Map<string, { data: unknown; expiresAt: number }>();
  get(key: string): Promise<unknown> {
    const item = this.items.get(key);
    if (item === undefined || item.expiresAt <= Date.now()) return Promise.resolve(undefined);
    return Promise.resolve(item.data);
  }
  has(key: string): Promise<boolean> {
    return this.get(key).then((data) => data !== undefined);
  }
  set(key: string, data?: unknown, lifetime = 1500): Promise<boolean> {
    this.items.set(key, { data, expiresAt: Date.now() + lifetime * 1000 });
    return Promise.resolve(true);
  }
  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.items.delete(key));
  }
}

/**
 * The Work (企业微信) application. It has no jscode2session method for WeCom mini programs (its MiniApp utils call
 * WeChat's `/sns/jscode2session`), so both calls go through `getClient()`, its access-token-aware HTTP client, which
 * adds `access_token` from the cache to the query and hands WeCom's answer back, errcode included.
 */
export const nodeEasywechat: PeerLibrary = {
  name: 'node-easywechat',
  version: packageVersion('node-easywechat'),
  redirect: '`http.baseURL` option',
  flow: 'generic `getClient().get()` for both calls',
  timeout: true,
  create(target) {
    const app = new Work({
      corp_id: target.corpId,
      secret: target.secret,
      // Merged into the axios config of every client the application creates, gettoken's included.
      http: { baseURL: `${target.baseUrl}/`, timeout: target.timeoutMs },
    });
    app.setCache(new MemoryCache());
    const client = app.getClient();
    return {
      async login(code) {
        const session = await client.get('cgi-bin/miniprogram/jscode2session', {
          params: { js_code: code, grant_type: 'authorization_code' },
        });
        const userid = sessionUserId(session.toObject());
        const user = await client.get('cgi-bin/user/get', { params: { userid } });
        return employeeOf(user.toObject());
      },
      close() {},
    };
  },
};
