import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

const SIGNATURE_PATTERN = /^[0-9a-f]{40}$/;

/**
 * Computes the mini-program `signature` of `rawData`: `sha1(rawData + session_key)` as lowercase hex.
 *
 * @example
 * ```ts
 * const signature = signRawData({ rawData: '{"nickName":"Band"}', sessionKey });
 * ```
 */
export function signRawData(input: { rawData: string; sessionKey: string }): string {
  return createHash('sha1')
    .update(input.rawData + input.sessionKey, 'utf8')
    .digest('hex');
}

/**
 * Checks a mini-program `signature` against `rawData` in constant time. Returns `false` for any mismatch,
 * including a signature of the wrong length or case and values that are not strings (client-relayed JSON may
 * carry anything); the comparison itself always runs over 40 bytes, so its time tells nothing.
 *
 * @example
 * ```ts
 * if (!verifyRawDataSignature({ rawData, signature, sessionKey })) throw new Error('tampered');
 * ```
 */
export function verifyRawDataSignature(input: {
  rawData: string;
  signature: string;
  sessionKey: string;
}): boolean {
  const { rawData, signature, sessionKey } = input;
  if (typeof rawData !== 'string' || typeof sessionKey !== 'string' || typeof signature !== 'string') {
    return false;
  }
  const expected = signRawData({ rawData, sessionKey });
  // A malformed signature is still compared (against the expected value itself) to keep the timing flat.
  const wellFormed = SIGNATURE_PATTERN.test(signature);
  const equal = constantTimeEqual(expected, wellFormed ? signature : expected);
  return wellFormed && equal;
}
