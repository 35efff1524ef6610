/**
 * The suite-corp grant: the ordinary corp access_token of a corp that installed a third-party suite, from
 * `POST /cgi-bin/service/get_corp_token` with `{ auth_corpid, permanent_code }`, a call that itself carries the
 * suite's token. The token it yields is an access_token like any other: carried as `access_token`, refused with
 * 40001 / 40014 / 41001 / 42001.
 */
import { WecomAuthorizationGoneError } from './errors.js';
import type { ApiRequest, WecomPayload } from './request-core.js';
import { normalizeBaseUrl, secretDigest } from './suite-grant.js';
import {
  accessTokenAttachment,
  grantedTokenOf,
  type TokenGrant,
  type WecomAuthStrategy,
} from './token-grant.js';

interface CorpTokenPayload extends WecomPayload {
  readonly access_token?: string;
  readonly expires_in?: number;
}

const corpTokenPath = '/cgi-bin/service/get_corp_token';

/**
 * What calls the suite's own APIs (those carrying `suite_access_token`): a `WecomSuiteClient` is one. The suite-corp
 * grant asks it for the corp token, so that call gets the suite token's single flight and its replay on 40082 / 42009.
 *
 * @example
 * const caller: SuiteCaller = createSuiteClient({ suiteId, suiteSecret, tickets });
 */
export interface SuiteCaller {
  /** The suite ID. */
  readonly suiteId: string;
  /** The base URL its calls go to. */
  readonly baseUrl: string;
  /**
   * Calls an API of the suite with its `suite_access_token`, refreshed and replayed once when WeCom refuses it.
   *
   * @example
   * const { pre_auth_code } = await suite.request({ method: 'GET', path: '/cgi-bin/service/get_pre_auth_code' });
   */
  request<T extends WecomPayload = WecomPayload>(request: ApiRequest): Promise<T>;
}

/**
 * What identifies an installed corp's token: the corp, and the permanent code of its install (the suite comes with
 * the suite client).
 *
 * @example
 * const install: SuiteCorpCredentials = { corpId: row.corpId, permanentCode: decrypt(row.permanentCode) };
 * const corp = suite.corpClient(install);
 */
export interface SuiteCorpCredentials {
  /** The corp ID as the install gave it (`auth_corp_info.corpid`): encrypted for third parties, case-sensitive. */
  readonly corpId: string;
  /** The permanent code of the install. A secret: never logged, never in an error, never in a cache key. */
  readonly permanentCode: string;
}

/**
 * The cache key of an installed corp's token:
 * `baseUrl|suite-corp|suiteId|corpId|sha256(permanentCode)[:32]`. A new permanent code (a reinstall, a reset) is a
 * new key, so a token of the old install is never used for the new one.
 *
 * @example
 * const key = suiteCorpTokenCacheKey({ baseUrl: defaultWecomBaseUrl, suiteId, corpId, permanentCode });
 * const record = await store.get(key);
 */
export function suiteCorpTokenCacheKey(
  input: SuiteCorpCredentials & { readonly baseUrl: string; readonly suiteId: string },
): string {
  const { baseUrl, suiteId, corpId, permanentCode } = input;
  return `${normalizeBaseUrl(baseUrl)}|suite-corp|${suiteId}|${corpId}|${secretDigest(permanentCode)}`;
}

/**
 * The same authorisation-gone error, naming the corp it is about, so a caller can mark that corp uninstalled.
 * Any other error is returned as it is.
 */
export function withCorp(error: unknown, corpId: string): unknown {
  if (!(error instanceof WecomAuthorizationGoneError) || error.corpId === corpId) return error;
  return new WecomAuthorizationGoneError({
    errcode: error.errcode,
    errmsg: error.errmsg,
    apiPath: error.apiPath,
    corpId,
  });
}

/**
 * The {@link TokenGrant} of an installed corp's access_token: `get_corp_token` through `suite` (so with the suite
 * token), cached under {@link suiteCorpTokenCacheKey}, carried as `access_token`. 40084 (invalid permanent code) and
 * 48004 (authorisation cancelled) throw `WecomAuthorizationGoneError` naming the corp; an answer without
 * `access_token` is a `WecomMalformedResponseError`; one without `expires_in` lives 7200 s.
 *
 * @example
 * const grant = suiteCorpGrant({ suite, corpId, permanentCode });
 * grant.cacheKey; // 'https://qyapi.weixin.qq.com|suite-corp|ww…|wp…|5d…'
 */
export function suiteCorpGrant(input: SuiteCorpCredentials & { readonly suite: SuiteCaller }): TokenGrant {
  const { suite, corpId, permanentCode } = input;
  return {
    cacheKey: suiteCorpTokenCacheKey({
      baseUrl: suite.baseUrl,
      suiteId: suite.suiteId,
      corpId,
      permanentCode,
    }),
    apiPath: corpTokenPath,
    attachment: accessTokenAttachment,
    // The corp client's own request core cannot carry the suite token: the suite asks for the corp token.
    async fetch() {
      let payload: CorpTokenPayload;
      try {
        payload = await suite.request<CorpTokenPayload>({
          method: 'POST',
          path: corpTokenPath,
          body: { auth_corpid: corpId, permanent_code: permanentCode },
        });
      } catch (error) {
        throw withCorp(error, corpId);
      }
      return grantedTokenOf(payload, 'access_token', corpTokenPath);
    },
  };
}

/**
 * The `auth` strategy of a corp that installed a third-party suite: its access_token from `get_corp_token`
 * ({@link suiteCorpGrant}). `suite.corpClient({ corpId, permanentCode })` builds a client with it and the suite's
 * store, transport and logger; give it to `createWecomClient` yourself for other settings.
 *
 * @example
 * const corp = createWecomClient({ corpId, auth: suiteCorpAuth({ suite, corpId, permanentCode }), store });
 * const user = await corp.user.get(userId);
 */
export function suiteCorpAuth(
  input: SuiteCorpCredentials & { readonly suite: SuiteCaller },
): WecomAuthStrategy {
  const { suite, corpId, permanentCode } = input;
  if (typeof suite !== 'object' || suite === null || typeof suite.request !== 'function') {
    throw new TypeError('suite must be a suite client such as createSuiteClient(…)');
  }
  if (typeof corpId !== 'string' || corpId.length === 0)
    throw new TypeError('corpId must be a non-empty string');
  if (typeof permanentCode !== 'string' || permanentCode.length === 0)
    throw new TypeError('permanentCode must be a non-empty string');
  return {
    corpId,
    grantFor({ baseUrl }) {
      // The token is cached under the suite's base URL: a corp client going elsewhere would use a foreign token.
      if (normalizeBaseUrl(baseUrl) !== normalizeBaseUrl(suite.baseUrl)) {
        throw new TypeError("the corp client's baseUrl must be the suite client's");
      }
      return suiteCorpGrant({ suite, corpId, permanentCode });
    },
  };
}
