/**
 * The suite grant: a third-party suite's `suite_access_token` from `POST /cgi-bin/service/get_suite_token` with the
 * suite ID, its secret and the newest suite_ticket in a JSON body. The token manager gives it every guarantee a corp
 * token has (single flight, the store lock, the sequence guard, refresh ahead, backoff).
 */
import { createHash } from 'node:crypto';
import { WecomApiError, WecomSuiteTicketMissingError } from './errors.js';
import type { WecomPayload } from './request-core.js';
import { readSuiteTicket, type SuiteTicketSource } from './suite-ticket.js';
import { grantedTokenOf, type TokenAttachment, type TokenGrant } from './token-grant.js';

interface SuiteTokenPayload extends WecomPayload {
  readonly suite_access_token?: string;
  readonly expires_in?: number;
}

const suiteTokenPath = '/cgi-bin/service/get_suite_token';

/** 40085: the ticket given is not the newest WeCom pushed (or was never pushed to this suite). */
const invalidTicketErrcode = 40085;

/**
 * How a `suite_access_token` travels: in `suite_access_token`, refused with 40082 (invalid, sic "suite_acccess_token"
 * in WeCom's text) or 42009 (expired). Either invalidates the token and replays the call once.
 *
 * @example
 * suiteAccessTokenAttachment.refusedErrcodes.has(42009); // true
 */
export const suiteAccessTokenAttachment: TokenAttachment = {
  queryParameter: 'suite_access_token',
  refusedErrcodes: new Set([40082, 42009]),
};

/**
 * What identifies a suite's token: where its calls go, the suite, and its secret.
 *
 * @example
 * const key = suiteTokenCacheKey({ baseUrl: defaultWecomBaseUrl, suiteId: 'ww…', suiteSecret });
 */
export interface SuiteCredentials {
  /** The base URL of the WeCom API, e.g. `https://qyapi.weixin.qq.com`. */
  readonly baseUrl: string;
  /** The suite ID of the third-party app (`ww…`, `wx…`; a customised-app template's starts with `dk`). */
  readonly suiteId: string;
  /** The suite secret. Never logged, never in an error, never in a cache key. */
  readonly suiteSecret: string;
}

/** The first 32 hex digits of SHA-256: what stands for a secret in a cache key. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 32);
}

/** A base URL without trailing slashes, as every cache key writes it. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/**
 * The cache key of a suite's token: `baseUrl|suite|suiteId|sha256(suiteSecret)[:32]`. Several suites sharing one
 * store never trample each other's token, and the secret itself never becomes part of a key.
 *
 * @example
 * const record = await store.get(suiteTokenCacheKey({ baseUrl: defaultWecomBaseUrl, suiteId, suiteSecret }));
 */
export function suiteTokenCacheKey(input: SuiteCredentials): string {
  return `${normalizeBaseUrl(input.baseUrl)}|suite|${input.suiteId}|${secretDigest(input.suiteSecret)}`;
}

/**
 * The {@link TokenGrant} of a suite's `suite_access_token`: `get_suite_token` by POST with
 * `{ suite_id, suite_secret, suite_ticket }`, the ticket read from `tickets` at each fetch, so the newest is always
 * used. Cached under {@link suiteTokenCacheKey}, carried as {@link suiteAccessTokenAttachment}.
 *
 * With no ticket known it throws `WecomSuiteTicketMissingError` without calling WeCom; WeCom refusing the ticket
 * (40085) is the same error, with the errcode. A success may carry no errcode; one without `expires_in` lives 7200 s;
 * one without `suite_access_token` is a `WecomMalformedResponseError`.
 *
 * @example
 * const grant = suiteTokenGrant({ baseUrl: defaultWecomBaseUrl, suiteId, suiteSecret, tickets });
 * grant.cacheKey; // 'https://qyapi.weixin.qq.com|suite|ww…|9c…' (the secret's hash, never the secret)
 */
export function suiteTokenGrant(
  input: SuiteCredentials & { readonly tickets: SuiteTicketSource },
): TokenGrant {
  const { suiteId, suiteSecret, tickets } = input;
  return {
    cacheKey: suiteTokenCacheKey(input),
    apiPath: suiteTokenPath,
    attachment: suiteAccessTokenAttachment,
    async fetch(core) {
      const suiteTicket = await readSuiteTicket(tickets, { suiteId, apiPath: suiteTokenPath });
      let payload: SuiteTokenPayload;
      try {
        // A POST: WeCom drops the body of a GET and answers 40083 (invalid suite_id).
        payload = await core.withoutToken<SuiteTokenPayload>(
          {
            method: 'POST',
            path: suiteTokenPath,
            body: { suite_id: suiteId, suite_secret: suiteSecret, suite_ticket: suiteTicket },
          },
          {},
          'gettoken',
        );
      } catch (error) {
        if (error instanceof WecomApiError && error.errcode === invalidTicketErrcode) {
          throw new WecomSuiteTicketMissingError({
            suiteId,
            apiPath: suiteTokenPath,
            errcode: error.errcode,
            errmsg: error.errmsg,
          });
        }
        throw error;
      }
      return grantedTokenOf(payload, 'suite_access_token', suiteTokenPath);
    },
  };
}
