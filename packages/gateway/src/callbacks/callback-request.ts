/**
 * Reads and checks the signed parameters of a WeCom callback request, mapping every failure to the gateway's error
 * envelope: a bad signature or a payload sealed for another corp is 401, a timestamp outside the freshness window
 * (a replay, or a timestamp moved into the future through the signature's concatenation ambiguity) is 401, anything
 * malformed is 400.
 */
import {
  CallbackCryptoError,
  type CallbackParameters,
  checkCallbackFreshness,
  InvalidCallbackParametersError,
  InvalidXmlError,
  parseCallbackParameters,
  SignatureMismatchError,
  StaleCallbackError,
} from '@wecom-auth/crypto';
import { GatewayError } from '../gateway-error.js';

/** A `callback_malformed` error with `message`. */
export function malformed(message: string): GatewayError {
  return new GatewayError('callback_malformed', message);
}

/**
 * The signed query in WeCom's exact format: a 40-hex `msg_signature`, a 10-digit timestamp, WeCom's nonce alphabet,
 * and `echostr` on the URL verification only.
 */
export function readSignedParameters(query: unknown, options: { echostr: boolean }): CallbackParameters {
  try {
    return parseCallbackParameters(query, options);
  } catch (error) {
    if (error instanceof InvalidCallbackParametersError)
      throw malformed(`The callback is malformed: ${error.message}.`);
    throw error;
  }
}

/**
 * How far ahead of this clock a callback's timestamp may be by default (clock skew between WeCom and the gateway). A
 * callback is thus accepted for at most `maxAgeSeconds` + this after its timestamp, which the store's memory of
 * applied deliveries (`APPLIED_EVENT_RETENTION_MS`) must outlast, so that a replay inside the window is known.
 */
export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 60;

/**
 * Refuses a callback signed more than `maxAgeSeconds` ago (a captured request replayed later) or more than
 * `maxFutureSkewSeconds` ahead of this clock. `maxAgeSeconds` 0 turns the age check off (not the future bound).
 */
export function checkFreshness(
  timestamp: string,
  window: { readonly maxAgeSeconds: number; readonly maxFutureSkewSeconds: number },
  nowMs: number,
): void {
  try {
    checkCallbackFreshness(timestamp, {
      now: Math.floor(nowMs / 1000),
      maxAgeSeconds: window.maxAgeSeconds === 0 ? Number.MAX_SAFE_INTEGER : window.maxAgeSeconds,
      maxFutureSkewSeconds: window.maxFutureSkewSeconds,
    });
  } catch (error) {
    if (error instanceof StaleCallbackError) {
      throw new GatewayError(
        'callback_expired',
        error.code === 'callback_from_future'
          ? 'The callback timestamp is ahead of this clock; it is ignored.'
          : 'The callback timestamp is too old; it is ignored.',
      );
    }
    throw error;
  }
}

/** Maps what the crypto package throws for a bad request to the gateway's error; anything else is rethrown. */
export function toCallbackError(error: unknown): unknown {
  if (error instanceof SignatureMismatchError) {
    return new GatewayError('callback_signature_invalid', 'The callback signature does not match.');
  }
  if (error instanceof InvalidXmlError) return malformed('The callback XML is malformed.');
  if (error instanceof CallbackCryptoError) {
    if (error.code === 'receive_id_mismatch') {
      return new GatewayError('callback_signature_invalid', 'The callback was sealed for another corp.');
    }
    if (error.code === 'invalid_echostr') {
      return malformed('The echostr is not a URL verification string.');
    }
    return malformed('The callback payload cannot be decrypted.');
  }
  return error;
}
