import { createRequire } from 'node:module';
import type WechatEnterpriseApi from 'wechat-enterprise-api';
import type * as WechatEnterpriseUtil from 'wechat-enterprise-api/lib/util.js';
import { employeeOf, type PeerLibrary, sessionUserId } from '../login-wrapper.js';
import { packageVersion } from '../package-version.js';

const require = createRequire(import.meta.url);
const Api = require('wechat-enterprise-api') as typeof WechatEnterpriseApi;
const { make, wrapper } = require('wechat-enterprise-api/lib/util.js') as typeof WechatEnterpriseUtil;

type Callback = (error: Error | null, data?: unknown) => void;
interface WithJscode2session extends WechatEnterpriseApi {
  jscode2session(code: string, callback: Callback): void;
}

/*
 * The library predates WeCom mini programs and has no jscode2session. It is added the way the library adds every
 * API (`lib/api_*.js`: `util.make` + `API.mixin`), so the call goes through `preRequest`, its token-aware path:
 * the token comes from `getToken` (by default the instance's `store`, never checked for expiry), and a 42001 answer
 * re-runs `preRequest` once, which reads the same stored token again (`lib/api_common.js`).
 */
const extension: Record<string, unknown> = {};
make(extension, 'jscode2session', function (this: WechatEnterpriseApi, code: string, callback: Callback) {
  const url = `${this.prefix}miniprogram/jscode2session?access_token=${this.token.accessToken}`;
  this.request(
    url,
    { dataType: 'json', data: { js_code: code, grant_type: 'authorization_code' } },
    wrapper(callback),
  );
});
Api.mixin(extension);

function call(run: (callback: Callback) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    run((error, data) => (error ? reject(error) : resolve(data)));
  });
}

/** node-webot's WeCom (企业号) API. Its `package.json` asks for `urllib >=0.5.17`, which today resolves to urllib 4,
 * whose `request(url, options)` ignores the callback this library passes: every call would hang and its errors
 * become unhandled rejections. The benchmark pins urllib 2.44.1 (the last 2.x, which still takes callbacks). */
export const wechatEnterpriseApi: PeerLibrary = {
  name: 'wechat-enterprise-api',
  version: packageVersion('wechat-enterprise-api'),
  redirect: '`api.prefix` property',
  flow: 'jscode2session added with its own `util.make` + `API.mixin`; `getUser`',
  timeout: true,
  create(target) {
    const api = new Api(target.corpId, target.secret, target.agentId) as WithJscode2session;
    api.prefix = `${target.baseUrl}/cgi-bin/`;
    api.setOpts({ timeout: target.timeoutMs });
    return {
      async login(code) {
        const userid = sessionUserId(await call((done) => api.jscode2session(code, done)));
        return employeeOf(await call((done) => api.getUser(userid, done)));
      },
      close() {},
    };
  },
};
