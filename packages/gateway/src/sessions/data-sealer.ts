/**
 * Encryption at rest for what the store must keep but must not be able to read: the WeCom session_key of each
 * session and the private signing keys. AES-256-GCM with a random 96-bit nonce; the record is
 * `v1.<nonce>.<ciphertext+tag>` in base64url, and the purpose is bound as additional data so a sealed
 * session_key cannot be passed off as a signing key.
 */
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { randomBuffer } from './random-pool.js';

/**
 * What a sealed record is for. `permanent_code`: a corp's permanent code of a third-party app. `login_answer` and
 * `refresh_answer`: the answer of a login or a refresh, kept briefly so that a retry of the same request gets it again
 * (see docs/security-model.md, "Retries").
 */
export type SealPurpose =
  | 'session_key'
  | 'signing_key'
  | 'permanent_code'
  | 'login_answer'
  | 'refresh_answer';

export interface DataSealer {
  seal(plaintext: string, purpose: SealPurpose): string;
  /** Throws when the record was not sealed with this key and purpose. */
  open(sealed: string, purpose: SealPurpose): string;
}

/**
 * The data key: `WECOM_AUTH_DATA_KEY` when configured, else derived (HKDF-SHA256) from the WeCom secret, which is
 * configuration and never in the store. Resetting the secret then invalidates what was sealed: users log in again.
 */
export function deriveDataKey(input: { configuredKey: string | undefined; secret: string }): Buffer {
  if (input.configuredKey !== undefined) return Buffer.from(input.configuredKey, 'base64');
  return Buffer.from(hkdfSync('sha256', input.secret, 'wecom-auth', 'data-sealing-key v1', 32));
}

/** Seals and opens with `key` (from {@link deriveDataKey}); what one purpose sealed, another cannot open. */
export function createDataSealer(key: Buffer): DataSealer {
  if (key.length !== 32) throw new TypeError('the data key must be 32 bytes');
  return {
    seal(plaintext, purpose) {
      const nonce = randomBuffer(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, purpose) {
      const [version, nonceText, bodyText] = sealed.split('.');
      if (version !== 'v1' || !nonceText || !bodyText) throw new Error('not a sealed record');
      const body = Buffer.from(bodyText, 'base64url');
      if (body.length < 16) throw new Error('not a sealed record');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonceText, 'base64url'));
      decipher.setAAD(Buffer.from(purpose));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
