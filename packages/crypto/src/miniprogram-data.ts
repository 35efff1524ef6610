import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { WatermarkError, WecomCryptoError } from './errors.js';
import { pkcs7Pad, pkcs7Unpad } from './pkcs7.js';

const AES_BLOCK_BYTES = 16;

/** Exact `TypeError` messages for programmer misuse of the mini-program data functions. */
export const MINIPROGRAM_DATA_TYPE_ERRORS = {
  strings: 'sessionKey, encryptedData, iv and appId must be strings',
  sessionKey: 'sessionKey must be a string',
  maxAgeSeconds: 'maxAgeSeconds must be a non-negative finite number',
  now: 'now must be a finite number',
  iv: 'iv must be 16 bytes',
  data: 'data must be JSON-serialisable',
} as const;

/** Input of {@link decryptMiniProgramData}. */
export interface DecryptMiniProgramDataInput {
  /** `session_key` from `jscode2session` (base64 of 16 bytes). */
  sessionKey: string;
  /** `encryptedData` as returned by `wx.qy.getMobile`, `wx.getUserInfo`, … (base64). */
  encryptedData: string;
  /** `iv` returned alongside `encryptedData` (base64 of 16 bytes). */
  iv: string;
  /** The mini program's appid; must equal `watermark.appid` in the plaintext. */
  appId: string;
  /** When set, reject data whose `watermark.timestamp` is older than this many seconds. */
  maxAgeSeconds?: number;
  /** Current time in Unix seconds for the freshness check; defaults to the system clock. */
  now?: number;
}

/** Input of {@link encryptMiniProgramData}. */
export interface EncryptMiniProgramDataInput {
  /** `session_key` (base64 of 16 bytes). */
  sessionKey: string;
  /** Any JSON-serialisable value, normally an object carrying a `watermark`. */
  data: unknown;
  /** 16-byte IV; random when omitted. */
  iv?: Uint8Array;
}

/** Decodes a `session_key`; a malformed one is a server-side problem, reported as such. */
export function decodeSessionKey(sessionKey: string): Buffer {
  const key = decodeBase64Strict(sessionKey);
  if (key === undefined) throw new WecomCryptoError('invalid_base64', 'session key is not valid base64');
  if (key.length !== AES_BLOCK_BYTES) {
    throw new WecomCryptoError('invalid_key', `session key must decode to 16 bytes, got ${key.length}`);
  }
  return key;
}

/**
 * Encrypts `data` the way WeChat/WeCom encrypts mini-program `encryptedData`: AES-128-CBC over the JSON text,
 * key = base64-decoded session key, PKCS#7 padding.
 *
 * @example
 * ```ts
 * const { encryptedData, iv } = encryptMiniProgramData({
 *   sessionKey: 'tiihtNczf5v6AKRyjwEUhQ==',
 *   data: { mobile: '13800000000', watermark: { appid: 'wx4f4bc4dec97d474b', timestamp: 1700000000 } },
 * });
 * ```
 */
export function encryptMiniProgramData(input: { sessionKey: string; data: unknown; iv?: Uint8Array }): {
  encryptedData: string;
  iv: string;
} {
  if (typeof input.sessionKey !== 'string') throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.sessionKey);
  const key = decodeSessionKey(input.sessionKey);
  const iv = input.iv === undefined ? randomBytes(AES_BLOCK_BYTES) : Buffer.from(input.iv);
  if (iv.length !== AES_BLOCK_BYTES) throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.iv);
  let json: string | undefined;
  try {
    json = JSON.stringify(input.data);
  } catch {
    // BigInt values and cycles make JSON.stringify throw its own, less specific TypeError.
    json = undefined;
  }
  if (json === undefined) throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.data);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  cipher.setAutoPadding(false);
  const encrypted = Buffer.concat([
    cipher.update(pkcs7Pad(Buffer.from(json, 'utf8'), AES_BLOCK_BYTES)),
    cipher.final(),
  ]);
  return { encryptedData: encrypted.toString('base64'), iv: iv.toString('base64') };
}

/**
 * Decrypts mini-program `encryptedData` and checks its watermark.
 *
 * Throws {@link WecomCryptoError} with code `invalid_base64`, `invalid_key`, `invalid_iv`, `decrypt_failed` or
 * `invalid_json`, and {@link WatermarkError} (`watermark_mismatch`, `watermark_missing`, `watermark_expired`) when
 * the data was not issued to `appId` or is too old.
 *
 * @example
 * ```ts
 * const user = decryptMiniProgramData<{ openId: string }>({
 *   sessionKey,
 *   encryptedData,
 *   iv,
 *   appId: 'wx4f4bc4dec97d474b',
 * });
 * user.openId;
 * ```
 */
export function decryptMiniProgramData<T extends object = Record<string, unknown>>(
  input: DecryptMiniProgramDataInput,
): T {
  validateDecryptInput(input);
  const key = decodeSessionKey(input.sessionKey);
  const iv = decodeBase64Strict(input.iv);
  if (iv === undefined) throw new WecomCryptoError('invalid_base64', 'iv is not valid base64');
  if (iv.length !== AES_BLOCK_BYTES) {
    throw new WecomCryptoError('invalid_iv', `iv must decode to 16 bytes, got ${iv.length}`);
  }
  const ciphertext = decodeBase64Strict(input.encryptedData);
  if (ciphertext === undefined)
    throw new WecomCryptoError('invalid_base64', 'encryptedData is not valid base64');
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new WecomCryptoError('decrypt_failed', 'encryptedData is not a whole number of AES blocks');
  }

  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  // Padding is checked by hand so a wrong key surfaces as our typed error, never as an OpenSSL one.
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const plaintext = pkcs7Unpad(padded, AES_BLOCK_BYTES);
  if (plaintext === undefined) {
    throw new WecomCryptoError('decrypt_failed', 'decryption failed (wrong session key or corrupted data)');
  }

  const data = parseJsonObject(plaintext);
  checkWatermark(data, input);
  return data as T;
}

function validateDecryptInput(input: DecryptMiniProgramDataInput): void {
  const { sessionKey, encryptedData, iv, appId, maxAgeSeconds, now } = input;
  if ([sessionKey, encryptedData, iv, appId].some((value) => typeof value !== 'string')) {
    throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.strings);
  }
  if (maxAgeSeconds !== undefined && !(Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0)) {
    throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.maxAgeSeconds);
  }
  if (now !== undefined && !Number.isFinite(now)) throw new TypeError(MINIPROGRAM_DATA_TYPE_ERRORS.now);
}

function parseJsonObject(plaintext: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch (error) {
    throw new WecomCryptoError('invalid_json', 'decrypted data is not UTF-8 JSON', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WecomCryptoError('invalid_json', 'decrypted data is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function checkWatermark(data: Record<string, unknown>, input: DecryptMiniProgramDataInput): void {
  const watermark = data.watermark;
  if (typeof watermark !== 'object' || watermark === null) {
    throw new WatermarkError('watermark_missing', 'decrypted data has no watermark');
  }
  const { appid, timestamp } = watermark as { appid?: unknown; timestamp?: unknown };
  if (appid !== input.appId) {
    throw new WatermarkError('watermark_mismatch', 'watermark appid does not match the expected appId');
  }
  if (input.maxAgeSeconds === undefined) return;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new WatermarkError('watermark_missing', 'watermark has no numeric timestamp');
  }
  const now = input.now ?? Math.floor(Date.now() / 1000);
  if (now - timestamp > input.maxAgeSeconds) {
    throw new WatermarkError('watermark_expired', `watermark is older than ${input.maxAgeSeconds} seconds`);
  }
}
