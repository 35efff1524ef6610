import { ApiConfig, QyAccessTokenApi, QyApiConfigKit } from '@tnwx/accesstoken';
import { DefaultCache } from '@tnwx/cache';
import { HttpKit } from '@tnwx/kits';
import { QyUserApi } from '@tnwx/wxcp';
import { employeeOf, type PeerLibrary, sessionUserId } from '../login-wrapper.js';
import { packageVersion } from '../package-version.js';

const wecomBase = 'https://qyapi.weixin.qq.com';

/*
 * TNWX builds every URL from a static format string (`QyAccessTokenApi.url`, `QyUserApi.getUrl`, …) with the host
 * written in, and offers no base-URL option, so the two format strings this flow uses are patched (they are plain
 * static properties, read at each call) and restored on close.
 */
const patched = [
  [QyAccessTokenApi, 'url'],
  [QyUserApi, 'getUrl'],
] as const;

function redirect(baseUrl: string): () => void {
  const originals = patched.map(([owner, key]) => String(Reflect.get(owner, key)));
  patched.forEach(([owner, key], i) => {
    Reflect.set(owner, key, (originals[i] ?? '').replace(wecomBase, baseUrl));
  });
  return () => {
    patched.forEach(([owner, key], i) => {
      Reflect.set(owner, key, originals[i]);
    });
  };
}

/**
 * TNWX (`@tnwx/wxcp` 企业微信): configuration and token cache are process-wide statics (`QyApiConfigKit`); a fresh
 * instance is a new `DefaultCache` and the app's `ApiConfig` made current. `QyAccessTokenApi.getAccessToken` reads
 * the cache and on a miss calls gettoken, with no shared in-flight fetch; nothing invalidates a refused token
 * (`accesstoken/dist/wxcp/QyAccessTokenApi.js`). There is no jscode2session: it is called with the library's HTTP
 * delegate (`HttpKit.getHttpDelegate.httpGet`, what its own APIs use) and the token from `getAccessToken`. Its axios
 * calls take no timeout, so only the harness deadline ends a hung call. Every token lookup prints through
 * `console.debug` (`QyApiConfigKit.getCorpId`, `getApiConfigByAppId`), which the harness mutes.
 */
export const tnwxWxcp: PeerLibrary = {
  name: '@tnwx/wxcp',
  version: packageVersion('@tnwx/wxcp'),
  redirect: 'patched static URL strings (no option)',
  flow: '`HttpKit` delegate + `QyAccessTokenApi` for jscode2session; `QyUserApi.get`',
  timeout: false,
  create(target) {
    const restore = redirect(target.baseUrl);
    const appId = String(target.agentId);
    QyApiConfigKit.setCache = new DefaultCache();
    QyApiConfigKit.putApiConfig(new ApiConfig(appId, target.secret, '', false, '', target.corpId));
    QyApiConfigKit.setCurrentAppId(appId, target.corpId);
    return {
      async login(code) {
        const token = await QyAccessTokenApi.getAccessToken();
        const session: unknown = await HttpKit.getHttpDelegate.httpGet(
          `${target.baseUrl}/cgi-bin/miniprogram/jscode2session?access_token=${token.getAccessToken}` +
            `&js_code=${encodeURIComponent(code)}&grant_type=authorization_code`,
        );
        const user: unknown = await QyUserApi.get(sessionUserId(session));
        return employeeOf(user);
      },
      close() {
        restore();
        QyApiConfigKit.removeCurrentAppId();
      },
    };
  },
};
