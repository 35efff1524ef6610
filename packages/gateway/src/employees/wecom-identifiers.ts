/**
 * The identifiers WeCom hands the gateway server to server (`jscode2session`'s `corpid` and `userid`, `user/get`'s
 * `userid`), checked against the alphabet WeCom documents before anything is stored under them or a token names
 * them. They end up in log lines, store keys, JWT claims and the `X-WeCom-UserId` / `X-WeCom-CorpId` headers of
 * `/v1/verify`; an answer outside the contract (a CR/LF, a non-ASCII name) must stop at the login, not reach a
 * header that Node refuses to write.
 */
import { GatewayError } from '../gateway-error.js';

/**
 * A userid as WeCom documents it: 1–64 bytes of letters, digits and `_-@.`, starting with a letter or a digit
 * (wecom-api.md §1.4). Encrypted userids and open_userids (`wo…`, 32 characters) fit the same alphabet.
 */
export const WECOM_USERID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$/;

/**
 * A corpid: `ww` or `wx` and 16 hex digits as documented; any 1–64 letters and digits are accepted, which keeps
 * every corpid WeCom has issued and nothing that could break a header or a store key.
 */
export const WECOM_CORPID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

/** True when `value` is a userid in WeCom's documented alphabet. */
export function isWecomUserId(value: unknown): value is string {
  return typeof value === 'string' && WECOM_USERID_PATTERN.test(value);
}

/** True when `value` is a corpid in WeCom's documented alphabet. */
export function isWecomCorpId(value: unknown): value is string {
  return typeof value === 'string' && WECOM_CORPID_PATTERN.test(value);
}

/**
 * Throws `502 wecom_identifier_invalid` unless both identifiers are in WeCom's documented alphabet. The values are
 * not repeated in the message: they are exactly what must not be echoed.
 *
 * @example
 * assertWecomIdentity({ corpId: session.corpId, userId: session.userId }); // before user/get, storage, a token
 */
export function assertWecomIdentity(identity: { readonly corpId: string; readonly userId: string }): void {
  if (!isWecomCorpId(identity.corpId) || !isWecomUserId(identity.userId)) {
    throw new GatewayError(
      'wecom_identifier_invalid',
      'WeCom answered a userid or corpid outside its documented format; the login is refused.',
    );
  }
}
