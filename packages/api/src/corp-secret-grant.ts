/**
 * The corp-secret grant: an app's own access_token from `GET /cgi-bin/gettoken?corpid=…&corpsecret=…`, the token of
 * a self-built app (and what `createWecomClient({ corpId, secret })` uses).
 */
import { createHash } from 'node:crypto';
import type { WecomPayload } from './request-core.js';
import {
  accessTokenAttachment,
  grantedTokenOf,
  type TokenGrant,
  type WecomAuthStrategy,
} from './token-grant.js';

interface GettokenPayload extends WecomPayload {
  readonly access_token?: string;
  readonly expires_in?: number;
}

const gettokenPath = '/cgi-bin/gettoken';

/** What identifies an app's token: where its calls go, its corp, and its app secret. */
export interface CorpSecretCredentials {
  /** The base URL of the WeCom API, e.g. `https://qyapi.weixin.qq.com`. */
  readonly baseUrl: string;
  /** The corp ID (`ww…`). */
  readonly corpId: string;
  /** The secret of the app. Never logged, never in an error, never in a cache key. */
  readonly secret: string;
}

/**
 * The cache key of an app's token: base URL + corpId + a hash of the secret. Two apps of one corp, or one corp on
 * the sandbox and on WeCom, never share a token; the secret itself never becomes part of a key. Use it to find an
 * app's token in a shared `AccessTokenStore`.
 *
 * @example
 * const record = await store.get(accessTokenCacheKey({ baseUrl: defaultWecomBaseUrl, corpId, secret }));
 */
export function accessTokenCacheKey(input: CorpSecretCredentials): string {
  const secretHash = createHash('sha256').update(input.secret).digest('hex').slice(0, 32);
  return `${input.baseUrl.replace(/\/+$/, '')}|${input.corpId}|${secretHash}`;
}

/**
 * The {@link TokenGrant} of an app's own access_token: `gettoken` with the corp ID and the app secret, cached under
 * {@link accessTokenCacheKey}, carried as `access_token`, refused with 40001 / 40014 / 41001 / 42001. An answer
 * without `access_token` is a `WecomMalformedResponseError`; one without `expires_in` lives 7200 s.
 *
 * @example
 * const grant = corpSecretGrant({ baseUrl: defaultWecomBaseUrl, corpId: 'ww…', secret: process.env.WECOM_SECRET });
 * grant.cacheKey; // 'https://qyapi.weixin.qq.com|ww…|3f…' (the secret's hash, never the secret)
 */
export function corpSecretGrant(credentials: CorpSecretCredentials): TokenGrant {
  const { corpId, secret } = credentials;
  return {
    cacheKey: accessTokenCacheKey(credentials),
    apiPath: gettokenPath,
    attachment: accessTokenAttachment,
    async fetch(core) {
      const payload = await core.withoutToken<GettokenPayload>(
        { method: 'GET', path: gettokenPath },
        { corpid: corpId, corpsecret: secret },
        'gettoken',
      );
      return grantedTokenOf(payload, 'access_token', gettokenPath);
    },
  };
}

/**
 * The `auth` strategy of a self-built app: its access_token from `gettoken` with the app secret
 * ({@link corpSecretGrant}). `createWecomClient({ corpId, secret })` is the short form of the same.
 *
 * @example
 * const wecom = createWecomClient({ corpId: 'ww…', auth: corpSecretAuth({ corpId: 'ww…', secret }) });
 */
export function corpSecretAuth(credentials: {
  readonly corpId: string;
  readonly secret: string;
}): WecomAuthStrategy {
  const { corpId, secret } = credentials;
  if (typeof corpId !== 'string' || corpId.length === 0)
    throw new TypeError('corpId must be a non-empty string');
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('secret must be a non-empty string');
  return {
    corpId,
    grantFor: ({ baseUrl }) => corpSecretGrant({ baseUrl, corpId, secret }),
  };
}
