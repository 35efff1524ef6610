/**
 * Reads what `wx.qy.getMobile`, `wx.qy.getEmail` and `wx.qy.getEnterpriseUserInfo` hand the mini program, after
 * the client has relayed it to the server (wecom-api.md §5.3).
 *
 * Two properties shape this module:
 *
 * - **No oracle.** Whoever relays the data chooses the ciphertext and the IV. If "bad padding" and "bad JSON" were
 *   told apart, the answers would let them decrypt any captured block (a padding oracle). So every failure up to
 *   and including the shape check is the one {@link UnreadableDisclosureError}; only data that decrypted into a
 *   well-formed disclosure can fail differently (watermark appid or age).
 * - **Not an attestation.** In AES-CBC the first plaintext block is `D(C1) XOR IV`. A client that knows the
 *   plaintext of its own data (it can guess it: its own mobile and a watermark) can flip IV bits to rewrite the
 *   first 16 bytes into anything else, and decryption cannot notice. The result is therefore the client's word;
 *   anything that ties a person to an identity must be compared with what WeCom says server to server (`user/get`).
 */
import { createDecipheriv } from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { UnreadableDisclosureError, WatermarkError } from './errors.js';
import { decodeSessionKey } from './miniprogram-data.js';
import { pkcs7Unpad } from './pkcs7.js';

const AES_BLOCK_BYTES = 16;
/** Far above any disclosure (a few hundred bytes); bounds the work an oversized body can cause. */
const MAX_CIPHERTEXT_BYTES = 4096;

/** Default of {@link OpenMiniProgramDisclosureInput.maxAgeSeconds}: five minutes, the life of a login code. */
export const DEFAULT_DISCLOSURE_MAX_AGE_SECONDS = 300;
/** Default of {@link OpenMiniProgramDisclosureInput.maxFutureSkewSeconds}: a phone clock a minute ahead. */
export const DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS = 60;

/** Exact `TypeError` messages for programmer misuse of {@link openMiniProgramDisclosure}. */
export const MINIPROGRAM_DISCLOSURE_TYPE_ERRORS = {
  strings: 'sessionKey, encryptedData, iv and appId must be strings',
  kind: "kind must be 'mobile', 'email' or 'enterprise_user_info'",
  window: 'maxAgeSeconds and maxFutureSkewSeconds must be non-negative finite numbers',
  now: 'now must be a finite number',
} as const;

/** The watermark WeCom seals into every disclosure: which mini program it was issued to, and when. */
export interface DisclosureWatermark {
  /** The mini program's appid (not the corpid). */
  readonly appId: string;
  /** Unix seconds when the client obtained the data. */
  readonly timestamp: number;
}

/** The three kinds of client-relayed disclosure. */
export type DisclosureKind = 'mobile' | 'email' | 'enterprise_user_info';

/** `wx.qy.getMobile`: the member's mobile number as the client claims it. */
export interface MobileDisclosure {
  readonly kind: 'mobile';
  readonly mobile: string;
  readonly watermark: DisclosureWatermark;
}

/** `wx.qy.getEmail`: the member's email address as the client claims it. */
export interface EmailDisclosure {
  readonly kind: 'email';
  readonly email: string;
  readonly watermark: DisclosureWatermark;
}

/** `wx.qy.getEnterpriseUserInfo`: the member as the client claims it. */
export interface EnterpriseUserInfoDisclosure {
  readonly kind: 'enterprise_user_info';
  readonly corpId: string;
  /** The userid, or an encrypted one when the corp is not associated with the mini program. */
  readonly userId: string;
  /** Absent for third-party apps, which WeCom no longer gives member names. */
  readonly name?: string;
  /** 0 = unknown or not permitted, 1 = male, 2 = female. */
  readonly gender: 0 | 1 | 2;
  readonly watermark: DisclosureWatermark;
}

/** The result of {@link openMiniProgramDisclosure}; switch on `kind`. */
export type MiniProgramDisclosure = MobileDisclosure | EmailDisclosure | EnterpriseUserInfoDisclosure;

/** Input of {@link openMiniProgramDisclosure}. */
export interface OpenMiniProgramDisclosureInput {
  /** `session_key` of the member's session (base64 of 16 bytes). */
  sessionKey: string;
  /** `encryptedData` as relayed by the client (base64). */
  encryptedData: string;
  /** `iv` as relayed by the client (base64 of 16 bytes). */
  iv: string;
  /** The mini program's appid; `watermark.appid` must equal it. */
  appId: string;
  /** Only accept this kind; another kind is unreadable. */
  kind?: DisclosureKind;
  /** Refuse data whose watermark is older than this; default {@link DEFAULT_DISCLOSURE_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number;
  /**
   * Refuse data whose watermark is further ahead of `now` than this; default
   * {@link DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS}. A timestamp from the future would otherwise stretch the
   * age window.
   */
  maxFutureSkewSeconds?: number;
  /** Current Unix seconds; defaults to the system clock. */
  now?: number;
}

// wecom-api.md §5.3; getMobile's plaintext is documented nowhere and assumed by analogy with getEmail.
const MOBILE_KEYS = ['mobile', 'watermark'];
const EMAIL_KEYS = ['email', 'watermark'];
const USER_INFO_KEYS = ['corpid', 'gender', 'userid', 'watermark'];
const USER_INFO_KEYS_WITH_NAME = ['corpid', 'gender', 'name', 'userid', 'watermark'];
const WATERMARK_KEYS = ['appid', 'timestamp'];

/** Digits, optionally after a `+country code` and one space or hyphen (WeCom writes `+852 51234567`). */
const MOBILE_PATTERN = /^(?:\+\d{1,4}[ -]?)?\d{5,15}$/;
/** One `@`, a dotted domain, no whitespace or control characters; RFC 5321 length limits. */
const EMAIL_PATTERN = /^[^\s@\p{C}]{1,64}@(?=.{1,253}$)[^\s@.\p{C}]+(?:\.[^\s@.\p{C}]+)+$/u;
/** corpids are letters and digits; userids add `_-@.`; encrypted userids are base64url. */
const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,127}$/;
const APPID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const NAME_PATTERN = /^[^\p{C}]{1,64}$/u;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decrypts client-relayed `encryptedData` of `wx.qy.getMobile`, `wx.qy.getEmail` or `wx.qy.getEnterpriseUserInfo`
 * and returns it as a {@link MiniProgramDisclosure}, after checking the exact key set of its kind, the syntax of
 * its values and its watermark.
 *
 * Failures:
 * - {@link UnreadableDisclosureError} for anything the client controls up to a well-formed disclosure — base64,
 *   IV length, padding, UTF-8, JSON, the key set (no key missing, none extra), the watermark's shape, the syntax of
 *   the mobile, email, ids and gender. Always the same class, code and message, so it cannot serve as an oracle.
 * - {@link WatermarkError} only after that: `watermark_mismatch` (issued to another mini program),
 *   `watermark_expired` (older than `maxAgeSeconds`), `watermark_in_future` (more than `maxFutureSkewSeconds` ahead).
 * - `WecomCryptoError` `invalid_base64` / `invalid_key` when the server's own session key is malformed, and
 *   `TypeError` for bad options.
 *
 * The result is **the client's word**, not WeCom's: the client knows (or guesses) the plaintext of its own data
 * and, since AES-CBC decrypts the first block as `D(C1) XOR IV`, can rewrite the first 16 bytes by choosing the
 * IV, undetectably. Compare any identity in it with what WeCom attests server to server (`user/get` for the
 * session's userid) before attaching it to a person.
 *
 * @example
 * ```ts
 * const disclosure = openMiniProgramDisclosure({
 *   sessionKey,
 *   encryptedData,
 *   iv,
 *   appId: 'wx4f4bc4dec97d474b',
 *   kind: 'mobile',
 * });
 * if (disclosure.kind === 'mobile') await directory.checkAgainstUserGet(session.userId, disclosure.mobile);
 * ```
 */
export function openMiniProgramDisclosure(input: OpenMiniProgramDisclosureInput): MiniProgramDisclosure {
  const window = validateInput(input);
  const key = decodeSessionKey(input.sessionKey);
  const disclosure = readDisclosure(key, input.encryptedData, input.iv);
  if (disclosure === undefined || (input.kind !== undefined && disclosure.kind !== input.kind)) {
    throw new UnreadableDisclosureError();
  }
  const { appId, timestamp } = disclosure.watermark;
  if (appId !== input.appId) {
    throw new WatermarkError('watermark_mismatch', 'watermark appid does not match the expected appId');
  }
  if (window.now - timestamp > window.maxAgeSeconds) {
    throw new WatermarkError('watermark_expired', `watermark is older than ${window.maxAgeSeconds} seconds`);
  }
  if (timestamp - window.now > window.maxFutureSkewSeconds) {
    throw new WatermarkError(
      'watermark_in_future',
      `watermark is more than ${window.maxFutureSkewSeconds} seconds in the future`,
    );
  }
  return disclosure;
}

interface FreshnessWindow {
  now: number;
  maxAgeSeconds: number;
  maxFutureSkewSeconds: number;
}

function validateInput(input: OpenMiniProgramDisclosureInput): FreshnessWindow {
  const { sessionKey, encryptedData, iv, appId, kind } = input;
  if ([sessionKey, encryptedData, iv, appId].some((value) => typeof value !== 'string')) {
    throw new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.strings);
  }
  if (kind !== undefined && kind !== 'mobile' && kind !== 'email' && kind !== 'enterprise_user_info') {
    throw new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.kind);
  }
  const maxAgeSeconds = input.maxAgeSeconds ?? DEFAULT_DISCLOSURE_MAX_AGE_SECONDS;
  const maxFutureSkewSeconds = input.maxFutureSkewSeconds ?? DEFAULT_DISCLOSURE_MAX_FUTURE_SKEW_SECONDS;
  if (![maxAgeSeconds, maxFutureSkewSeconds].every((value) => Number.isFinite(value) && value >= 0)) {
    throw new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.window);
  }
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (!Number.isFinite(now)) throw new TypeError(MINIPROGRAM_DISCLOSURE_TYPE_ERRORS.now);
  return { now, maxAgeSeconds, maxFutureSkewSeconds };
}

/** Every step returns `undefined` on failure so that no step's failure can be told from another's. */
function readDisclosure(
  key: Buffer,
  encryptedData: string,
  ivText: string,
): MiniProgramDisclosure | undefined {
  const iv = decodeBase64Strict(ivText);
  const ciphertext = decodeBase64Strict(encryptedData);
  if (iv?.length !== AES_BLOCK_BYTES || ciphertext === undefined) return undefined;
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) return undefined;
  if (ciphertext.length > MAX_CIPHERTEXT_BYTES) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  decipher.setAutoPadding(false);
  const plaintext = pkcs7Unpad(
    Buffer.concat([decipher.update(ciphertext), decipher.final()]),
    AES_BLOCK_BYTES,
  );
  if (plaintext === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(plaintext));
  } catch {
    return undefined;
  }
  return isPlainObject(parsed) ? toDisclosure(parsed) : undefined;
}

function toDisclosure(data: Record<string, unknown>): MiniProgramDisclosure | undefined {
  const watermark = toWatermark(data.watermark);
  if (watermark === undefined) return undefined;
  const keys = Object.keys(data).sort().join(',');
  if (keys === MOBILE_KEYS.join(',')) {
    return isMatch(data.mobile, MOBILE_PATTERN)
      ? { kind: 'mobile', mobile: data.mobile, watermark }
      : undefined;
  }
  if (keys === EMAIL_KEYS.join(',')) {
    return isMatch(data.email, EMAIL_PATTERN) ? { kind: 'email', email: data.email, watermark } : undefined;
  }
  if (keys !== USER_INFO_KEYS.join(',') && keys !== USER_INFO_KEYS_WITH_NAME.join(',')) return undefined;
  const { corpid, userid, name, gender } = data;
  if (!isMatch(corpid, IDENTIFIER_PATTERN) || !isMatch(userid, IDENTIFIER_PATTERN)) return undefined;
  if (gender !== 0 && gender !== 1 && gender !== 2) return undefined;
  if (name !== undefined && !isMatch(name, NAME_PATTERN)) return undefined;
  return {
    kind: 'enterprise_user_info',
    corpId: corpid,
    userId: userid,
    ...(name === undefined ? {} : { name }),
    gender,
    watermark,
  };
}

function toWatermark(value: unknown): DisclosureWatermark | undefined {
  if (!isPlainObject(value) || Object.keys(value).sort().join(',') !== WATERMARK_KEYS.join(',')) {
    return undefined;
  }
  const { appid, timestamp } = value;
  if (!isMatch(appid, APPID_PATTERN)) return undefined;
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0) return undefined;
  return { appId: appid, timestamp };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMatch(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value);
}
