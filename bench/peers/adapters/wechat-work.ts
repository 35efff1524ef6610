import { createRequire } from 'node:module';
import { Commander, EnumSecretType } from 'wechat-work';
import { employeeOf, type PeerLibrary } from '../login-wrapper.js';
import { packageVersion } from '../package-version.js';

const wecomBase = 'https://qyapi.weixin.qq.com';

/** The part of axios 0.19 (wechat-work's own copy) the redirect uses. */
interface AxiosRequestInterceptors {
  use(onRequest: (config: { url?: string }) => { url?: string }): number;
  eject(id: number): void;
}
const require = createRequire(createRequire(import.meta.url).resolve('wechat-work'));
const { interceptors } = require('axios') as { interceptors: { request: AxiosRequestInterceptors } };

/**
 * wechat-work writes `https://qyapi.weixin.qq.com` into every URL inside its methods and has no base-URL option,
 * so a request interceptor on its own axios instance rewrites the host (the library's code is not touched).
 */
function redirect(baseUrl: string): () => void {
  const id = interceptors.request.use((config) => ({
    ...config,
    ...(config.url?.startsWith(wecomBase) ? { url: baseUrl + config.url.slice(wecomBase.length) } : {}),
  }));
  return () => interceptors.request.eject(id);
}

/**
 * wechat-work keeps the token in the cache the caller supplies (`getFromCacheMethod` / `saveToCacheMethod`); here an
 * in-memory map with the TTL it passes. A module-wide `fetching` flag makes concurrent misses poll every 100 ms
 * until the first fetch lands (`dist/core/access-token.class.js`); nothing reacts to a refused token (`doGet` turns
 * any errcode into an Error, `dist/core/http-helper.js`). Its axios calls take no timeout. Every token lookup
 * prints `secretType:` with `console.log` (`getStorageKey`), which the harness mutes.
 */
export const wechatWork: PeerLibrary = {
  name: 'wechat-work',
  version: packageVersion('wechat-work'),
  redirect: 'axios request interceptor rewriting the host (no option)',
  flow: '`getMiniProgramCommander().code2Session`, `getContactsCommander().users.findById`',
  timeout: false,
  create(target) {
    const restore = redirect(target.baseUrl);
    const agentId = String(target.agentId);
    const cache = new Map<string, { content: string; expiresAt: number }>();
    const commander = new Commander({
      corpId: target.corpId,
      apps: [{ agentId, agentSecret: target.secret }],
      getFromCacheMethod: (key) => {
        const item = cache.get(key);
        const ttlSeconds = item === undefined ? 0 : Math.floor((item.expiresAt - Date.now()) / 1000);
        return Promise.resolve(
          ttlSeconds > 0 && item ? { content: item.content, ttlSeconds } : { content: '' },
        );
      },
      saveToCacheMethod: (key, content, ttlSeconds) => {
        cache.set(key, { content, expiresAt: Date.now() + ttlSeconds * 1000 });
        return Promise.resolve();
      },
    });
    return {
      async login(code) {
        const miniProgram = await commander.getMiniProgramCommander(agentId);
        const session = await miniProgram.code2Session(code);
        const contacts = await commander.getContactsCommander(EnumSecretType.Agent, agentId);
        return employeeOf({ ...(await contacts.users.findById(session.userId)) });
      },
      close: restore,
    };
  },
};
