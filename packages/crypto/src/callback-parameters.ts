/**
 * The signed query of a WeCom callback (wecom-api.md §7.2–7.3) and what may be concluded from it.
 *
 * `msg_signature = sha1(sort([token, timestamp, nonce, encrypt]).join(''))` signs a concatenation, not a list: when
 * the nonce sorts right before the timestamp, digits can move from the end of the nonce to the front of the
 * timestamp (`nonce "12", ts "1700000000"` and `nonce "1", ts "21700000000"` sign alike), and when they sort the
 * other way, from the end of the timestamp to the front of the nonce. A one-sided age check let a 12-digit
 * timestamp from the far future through. Hence a strict shape here — a timestamp of exactly 10 digits, as WeCom
 * sends — and a freshness window bounded on both sides. With a 10-digit timestamp the only shift that keeps the
 * signature is a swap of a 10-digit nonce with the timestamp; {@link callbackDeliveryId} maps both orders to the
 * same id so de-duplication drops such a replay even in the unlikely case the nonce passes for a fresh timestamp.
 */
import { createHash } from 'node:crypto';
import { InvalidCallbackParametersError, StaleCallbackError } from './errors.js';

/** Default of {@link CallbackFreshnessOptions.maxAgeSeconds}: WeCom's retries of one delivery end within a minute. */
export const DEFAULT_CALLBACK_MAX_AGE_SECONDS = 300;
/** Default of {@link CallbackFreshnessOptions.maxFutureSkewSeconds}: clocks a minute apart. */
export const DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS = 60;

/** Unix seconds, 10 digits: WeCom's format, and the only length valid from 2001 to 2286. */
const TIMESTAMP_PATTERN = /^[1-9]\d{9}$/;
/**
 * WeCom sends numeric nonces of 8–10 digits (official examples: `263014780`, `1372623149`, `47744683`); its
 * sample libraries and SDK tests also use letters (`xxxxxx`). Letters and digits, at most 32, cover both.
 */
const NONCE_PATTERN = /^[A-Za-z0-9]{1,32}$/;
/** sha1 as lowercase hex. */
const MSG_SIGNATURE_PATTERN = /^[0-9a-f]{40}$/;
/** Base64 of an encrypted echo string: short (a 16-byte prefix, the length, the echo and the receiveId). */
const ECHOSTR_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
const MAX_ECHOSTR_LENGTH = 512;

/** The signed query parameters of a callback request, checked for shape. */
export interface CallbackParameters {
  /** 40 lowercase hex characters. */
  readonly msgSignature: string;
  /** Unix seconds as WeCom sent them: exactly 10 digits. */
  readonly timestamp: string;
  readonly nonce: string;
  /** Only on the URL verification GET. */
  readonly echostr?: string;
}

/** Options of {@link parseCallbackParameters}. */
export interface ParseCallbackParametersOptions {
  /** `true` for the URL verification GET (echostr required), `false` for an event POST (echostr refused). */
  echostr: boolean;
}

function single(query: Record<string, unknown>, name: 'msg_signature' | 'timestamp' | 'nonce' | 'echostr') {
  const value = query[name];
  if (typeof value !== 'string') {
    throw new InvalidCallbackParametersError(name, `the callback lacks a single "${name}" query parameter`);
  }
  return value;
}

/**
 * Reads `msg_signature`, `timestamp`, `nonce` and (for URL verification) `echostr` from an already URL-decoded
 * query object, refusing any that is missing, repeated (an array) or not in WeCom's shape: a 40-character
 * lowercase hex signature, a timestamp of exactly 10 digits, a nonce of 1–32 letters or digits, a base64 echostr
 * of at most 512 characters. Throws {@link InvalidCallbackParametersError} naming the parameter.
 *
 * This checks shape only; verify the signature with `createCallbackCrypto` and the age with
 * {@link checkCallbackFreshness}.
 *
 * @example
 * ```ts
 * const signed = parseCallbackParameters(request.query, { echostr: false });
 * checkCallbackFreshness(signed.timestamp, { now: Math.floor(Date.now() / 1000) });
 * const { message } = crypto.decrypt({ ...signed, encrypt });
 * ```
 */
export function parseCallbackParameters(
  query: unknown,
  options: ParseCallbackParametersOptions,
): CallbackParameters {
  const fields = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const msgSignature = single(fields, 'msg_signature');
  if (!MSG_SIGNATURE_PATTERN.test(msgSignature)) {
    throw new InvalidCallbackParametersError('msg_signature', 'msg_signature is not 40 lowercase hex digits');
  }
  const timestamp = single(fields, 'timestamp');
  if (!TIMESTAMP_PATTERN.test(timestamp)) {
    throw new InvalidCallbackParametersError('timestamp', 'timestamp is not 10 digits of Unix seconds');
  }
  const nonce = single(fields, 'nonce');
  if (!NONCE_PATTERN.test(nonce)) {
    throw new InvalidCallbackParametersError('nonce', 'nonce is not 1-32 letters or digits');
  }
  if (!options.echostr) {
    if (fields.echostr !== undefined) {
      throw new InvalidCallbackParametersError('echostr', 'an event callback carries no echostr');
    }
    return { msgSignature, timestamp, nonce };
  }
  const echostr = single(fields, 'echostr');
  if (echostr.length > MAX_ECHOSTR_LENGTH || echostr.length % 4 !== 0 || !ECHOSTR_PATTERN.test(echostr)) {
    throw new InvalidCallbackParametersError('echostr', 'echostr is not base64 of at most 512 characters');
  }
  return { msgSignature, timestamp, nonce, echostr };
}

/** Options of {@link checkCallbackFreshness} and {@link isCallbackFresh}. */
export interface CallbackFreshnessOptions {
  /** Current Unix seconds. */
  now: number;
  /** Oldest accepted timestamp, in seconds before `now`; default {@link DEFAULT_CALLBACK_MAX_AGE_SECONDS}. */
  maxAgeSeconds?: number;
  /** Furthest accepted timestamp ahead of `now`; default {@link DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS}. */
  maxFutureSkewSeconds?: number;
}

function freshnessWindow(options: CallbackFreshnessOptions) {
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_CALLBACK_MAX_AGE_SECONDS;
  const maxFutureSkewSeconds = options.maxFutureSkewSeconds ?? DEFAULT_CALLBACK_MAX_FUTURE_SKEW_SECONDS;
  if (
    !Number.isFinite(options.now) ||
    ![maxAgeSeconds, maxFutureSkewSeconds].every((value) => Number.isFinite(value) && value >= 0)
  ) {
    throw new TypeError('now must be finite, maxAgeSeconds and maxFutureSkewSeconds finite and non-negative');
  }
  return { now: options.now, maxAgeSeconds, maxFutureSkewSeconds };
}

/**
 * Whether `now - maxAgeSeconds <= timestamp <= now + maxFutureSkewSeconds`. A timestamp that is not 10 digits is
 * never fresh (see the module comment for why the length matters).
 *
 * @example
 * ```ts
 * isCallbackFresh('1700000000', { now: 1700000100 }); // true
 * isCallbackFresh('21700000000', { now: 1700000100 }); // false
 * ```
 */
export function isCallbackFresh(timestamp: string, options: CallbackFreshnessOptions): boolean {
  const window = freshnessWindow(options);
  if (typeof timestamp !== 'string' || !TIMESTAMP_PATTERN.test(timestamp)) return false;
  const seconds = Number(timestamp);
  return window.now - window.maxAgeSeconds <= seconds && seconds <= window.now + window.maxFutureSkewSeconds;
}

/**
 * Throws {@link StaleCallbackError} unless {@link isCallbackFresh}: `callback_expired` for a timestamp older than
 * the window (a captured request replayed later), `callback_from_future` for one ahead of it (or malformed).
 *
 * @example
 * ```ts
 * checkCallbackFreshness(signed.timestamp, { now: clock.nowSeconds(), maxAgeSeconds: 300 });
 * ```
 */
export function checkCallbackFreshness(timestamp: string, options: CallbackFreshnessOptions): void {
  if (isCallbackFresh(timestamp, options)) return;
  const window = freshnessWindow(options);
  if (TIMESTAMP_PATTERN.test(timestamp) && Number(timestamp) < window.now - window.maxAgeSeconds) {
    throw new StaleCallbackError(
      'callback_expired',
      `the callback timestamp is more than ${window.maxAgeSeconds} seconds old`,
    );
  }
  throw new StaleCallbackError(
    'callback_from_future',
    `the callback timestamp is more than ${window.maxFutureSkewSeconds} seconds ahead`,
  );
}

/**
 * The identity of one callback **delivery**, for de-duplication: a sha256 hex over `msg_signature` and the
 * `timestamp`/`nonce` pair.
 *
 * Why not a hash of the decrypted event: the same event text can legitimately arrive twice (a member disabled,
 * enabled and disabled again within one second yields two identical plaintexts), and dropping the second
 * would lose a change. WeCom's retries of one delivery, on the other hand, resend the very same request —
 * same `Encrypt`, `timestamp`, `nonce` and so `msg_signature` — while every new delivery is sealed afresh with a
 * random prefix and gets a new signature. The pair is taken in sorted order because a swapped timestamp and nonce
 * sign alike (see the module comment): a replay that swaps them is the same delivery.
 *
 * @example
 * ```ts
 * const id = callbackDeliveryId(signed);
 * if (!(await store.setIfAbsent(`delivery:${id}`, '1', { ttlSeconds: 600 }))) return reply.code(200).send('');
 * ```
 */
export function callbackDeliveryId(parameters: {
  readonly msgSignature: string;
  readonly timestamp: string;
  readonly nonce: string;
}): string {
  const pair = [parameters.timestamp, parameters.nonce].sort();
  return createHash('sha256')
    .update(['wecom-callback-delivery', parameters.msgSignature, ...pair].join('\n'), 'utf8')
    .digest('hex');
}

/** Longest echo string accepted back from a URL verification. */
export const MAX_ECHO_PLAINTEXT_LENGTH = 32;
const ECHO_PLAINTEXT_PATTERN = new RegExp(`^[A-Za-z0-9]{1,${MAX_ECHO_PLAINTEXT_LENGTH}}$`);

/**
 * Whether the decrypted `echostr` of a URL verification looks like WeCom's: a short random string of letters and
 * digits (in practice 19 digits, e.g. `1616140317555161061` in the official example). The receiver answers this
 * plaintext verbatim, so without the check a captured POST's `<Encrypt>` sent as `echostr` — validly signed — would
 * come back decrypted: anything with `<`, whitespace or more than {@link MAX_ECHO_PLAINTEXT_LENGTH} characters is
 * refused.
 *
 * @example
 * ```ts
 * isWecomEchoPlaintext('1616140317555161061'); // true
 * isWecomEchoPlaintext('<xml>…</xml>'); // false
 * ```
 */
export function isWecomEchoPlaintext(plaintext: string): boolean {
  return typeof plaintext === 'string' && ECHO_PLAINTEXT_PATTERN.test(plaintext);
}
