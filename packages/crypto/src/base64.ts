/**
 * Strict standard-alphabet base64 decoding. `Buffer.from(s, 'base64')` silently skips foreign characters, which
 * would let corrupted input reach the cipher and fail later with a less precise error.
 */
const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes canonical padded base64; returns `undefined` when the text is not base64. */
export function decodeBase64Strict(text: string): Buffer | undefined {
  if (text.length % 4 !== 0 || !BASE64_PATTERN.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
