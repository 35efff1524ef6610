import { createHash } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

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
 * including a signature of the wrong length or case.
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
  return constantTimeEqual(signRawData(input), input.signature);
}
