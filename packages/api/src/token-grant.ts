/**
 * The seam between the token manager and the kinds of credentials WeCom hands tokens out for. A grant says how a
 * token is obtained (which API, with which secret), under which key it is cached, how a call carries it and which
 * errcodes mean WeCom refused it. The manager and the request core only ever talk to this interface, so a new kind of
 * credential is a new grant, never a change to them.
 */
import { accessTokenErrcodes, WecomMalformedResponseError } from './errors.js';
import type { ApiRequest, WecomEnvelope, WecomPayload } from './request-core.js';

/**
 * How a call carries a token, and how WeCom says it refused it. The request core reads it for every token-consuming
 * call: the token goes into the query parameter, and an errcode of the refused set invalidates that token and
 * replays the call once with a new one (then throws `WecomAccessTokenError`).
 *
 * @example
 * const suiteTokenAttachment: TokenAttachment = {
 *   queryParameter: 'suite_access_token',
 *   refusedErrcodes: new Set([40082, 42009]),
 * };
 */
export interface TokenAttachment {
  /** The query parameter the token travels in: `access_token`, `suite_access_token`, … */
  readonly queryParameter: string;
  /** The errcodes meaning "this token was refused": invalidate it and replay the call once. */
  readonly refusedErrcodes: ReadonlySet<number>;
}

/**
 * How an ordinary corp `access_token` travels: in `access_token`, refused with 40001, 40014, 41001 or 42001. Tokens
 * from `gettoken` and from `service/get_corp_token` alike.
 */
export const accessTokenAttachment: TokenAttachment = {
  queryParameter: 'access_token',
  refusedErrcodes: accessTokenErrcodes,
};

/** A token as a grant obtained it. The manager stamps and caches it. */
export interface GrantedToken {
  /** The token itself: a secret, never logged. */
  readonly token: string;
  /** Its lifetime as WeCom stated it (`expires_in`), or the grant's default when WeCom left it out. */
  readonly expiresInSeconds: number;
}

/**
 * What a grant's `fetch` gets to call WeCom with: the request core's calls that carry no token, with the retry
 * ladder for `-1`, 5xx and broken connections, and the typed errors.
 */
export interface TokenGrantCore {
  /**
   * Calls an API with `credentials` in the query string (and `request.body` as JSON for a POST). Pass `'gettoken'`
   * as `context` for a call that obtains a token: there 40001 means a bad secret, a configuration error, not a
   * refused token.
   */
  withoutToken<T extends WecomEnvelope>(
    request: ApiRequest,
    credentials?: Readonly<Record<string, string>>,
    context?: 'gettoken' | 'api',
  ): Promise<T>;
}

/**
 * One kind of credential, as the token manager sees it: where its token is cached, how it is fetched, how calls carry
 * it. The manager adds everything else (single flight, the store lock, the sequence guard, refresh ahead of expiry,
 * refused-token memory, failure backoff), whatever the grant.
 *
 * @example
 * const grant: TokenGrant = {
 *   cacheKey: `${baseUrl}|suite|${suiteId}|${sha256Hex(suiteSecret).slice(0, 32)}`,
 *   apiPath: '/cgi-bin/service/get_suite_token',
 *   attachment: { queryParameter: 'suite_access_token', refusedErrcodes: new Set([40082, 42009]) },
 *   async fetch(core) {
 *     const body = { suite_id: suiteId, suite_secret: suiteSecret, suite_ticket: await tickets.current() };
 *     const answer = await core.withoutToken({ method: 'POST', path: this.apiPath, body }, {}, 'gettoken');
 *     if (typeof answer.suite_access_token !== 'string') throw new WecomMalformedResponseError({ … });
 *     return { token: answer.suite_access_token, expiresInSeconds: Number(answer.expires_in ?? 7200) };
 *   },
 * };
 */
export interface TokenGrant {
  /**
   * Where the token is cached in an `AccessTokenStore`. It tells apart every token that differs (base URL, corp or
   * suite, credential) and never contains a secret: hash the secret into it.
   */
  readonly cacheKey: string;
  /** The API that hands the token out, e.g. `/cgi-bin/gettoken`: for logs and errors. */
  readonly apiPath: string;
  /** How calls carry the token and which errcodes refuse it. */
  readonly attachment: TokenAttachment;
  /**
   * Obtains a new token from WeCom. Throws a `WecomError` when WeCom refuses or answers something malformed; the
   * manager backs off and does not cache the failure.
   */
  fetch(core: TokenGrantCore): Promise<GrantedToken>;
}

/**
 * How a client obtains and attaches its token: the `auth` option of `createWecomClient`, made by a factory such as
 * `corpSecretAuth`. The client asks it for its {@link TokenGrant} once, giving the base URL its calls go to.
 *
 * @example
 * const wecom = createWecomClient({ corpId, auth: corpSecretAuth({ corpId, secret }) });
 */
export interface WecomAuthStrategy {
  /**
   * The corp whose token the strategy obtains, when it obtains one corp's token. `createWecomClient` refuses a
   * strategy of another corp than its own `corpId`.
   */
  readonly corpId?: string;
  /** The grant for a client whose calls go to `client.baseUrl`. */
  grantFor(client: { readonly baseUrl: string }): TokenGrant;
}

/** What WeCom states as the lifetime of its tokens; assumed when an answer leaves `expires_in` out. */
export const defaultTokenLifetimeSeconds = 7200;

/**
 * The token in a token API's answer: `payload[field]` with its `expires_in` (7200 s when WeCom left it out). An
 * answer without the token is a `WecomMalformedResponseError` naming the field, never echoing the answer.
 *
 * @example
 * const payload = await core.withoutToken(request, credentials, 'gettoken');
 * return grantedTokenOf(payload, 'access_token', '/cgi-bin/gettoken');
 */
export function grantedTokenOf(payload: WecomPayload, field: string, apiPath: string): GrantedToken {
  const token = payload[field];
  if (typeof token !== 'string' || token.length === 0) {
    throw new WecomMalformedResponseError({
      apiPath,
      reason: `${field} is missing`,
      contentType: undefined,
      bodyLength: 0,
    });
  }
  const expiresIn = payload.expires_in;
  return {
    token,
    expiresInSeconds:
      typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : defaultTokenLifetimeSeconds,
  };
}
