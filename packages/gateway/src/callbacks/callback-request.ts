/**
 * Reads and checks the signed parameters of a WeCom callback request, mapping every crypto failure to the gateway's
 * error envelope: a bad signature or a payload sealed for another corp is 401, a stale timestamp is 401 (replay),
 * anything malformed is 400.
 */
import { CallbackCryptoError, InvalidXmlError, SignatureMismatchError } from '@wecom-auth/crypto';
import { GatewayError } from '../gateway-error.js';

export interface SignedParameters {
  readonly msgSignature: string;
  readonly timestamp: string;
  readonly nonce: string;
}

const timestampPattern = /^\d{1,12}$/;

export function malformed(message: string): GatewayError {
  return new GatewayError('callback_malformed', message);
}

/** One string parameter of the query; repeated or missing parameters are malformed. */
export function queryString(query: unknown, name: string): string {
  const value =
    typeof query === 'object' && query !== null ? (query as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 4096) {
    throw malformed(`The callback lacks a single "${name}" query parameter.`);
  }
  return value;
}

export function readSignedParameters(query: unknown): SignedParameters {
  const parameters = {
    msgSignature: queryString(query, 'msg_signature'),
    timestamp: queryString(query, 'timestamp'),
    nonce: queryString(query, 'nonce'),
  };
  if (!timestampPattern.test(parameters.timestamp)) {
    throw malformed('The callback timestamp is not a number of seconds.');
  }
  return parameters;
}

/** Refuses a callback signed more than `maxAgeSeconds` ago: a captured request replayed later. */
export function checkFreshness(timestamp: string, maxAgeSeconds: number, nowMs: number): void {
  if (maxAgeSeconds === 0) return;
  if (Math.floor(nowMs / 1000) - Number(timestamp) > maxAgeSeconds) {
    throw new GatewayError('callback_expired', 'The callback timestamp is too old; it is ignored.');
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
    return malformed('The callback payload cannot be decrypted.');
  }
  return error;
}
