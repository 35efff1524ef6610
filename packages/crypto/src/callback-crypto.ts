import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { decodeBase64Strict } from './base64.js';
import { isWecomEchoPlaintext } from './callback-parameters.js';
import { constantTimeEqual } from './constant-time.js';
import { CallbackCryptoError, SignatureMismatchError, WX_BIZ_MSG_CRYPT_ERRORS } from './errors.js';
import { pkcs7Pad, pkcs7Unpad } from './pkcs7.js';

/** WXBizMsgCrypt pads to 32 bytes, not to the AES block size of 16. */
const CALLBACK_PAD_BLOCK_BYTES = 32;
const AES_BLOCK_BYTES = 16;
const RANDOM_PREFIX_BYTES = 16;
const LENGTH_FIELD_BYTES = 4;

const TOKEN_PATTERN = /^[A-Za-z0-9]{1,32}$/;
const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9+/]{43}$/;

/** Exact `TypeError` messages for programmer misuse of {@link createCallbackCrypto} and its methods. */
export const CALLBACK_CRYPTO_TYPE_ERRORS = {
  token: 'token must be 1-32 ASCII letters or digits',
  encodingAESKey: 'encodingAESKey must be exactly 43 base64 characters (A-Z, a-z, 0-9, +, /)',
  receiveId: 'receiveId must be a non-empty string',
  random: 'random must be exactly 16 bytes',
  message: 'message must be a string',
  request: 'msgSignature, nonce and encrypt/echostr must be strings and timestamp a string or number',
} as const;

/** Options of {@link createCallbackCrypto}: the three values configured on the WeCom admin console. */
export interface CallbackCryptoOptions {
  /** Callback Token (1–32 letters or digits). */
  token: string;
  /** Callback EncodingAESKey (43 base64 characters). */
  encodingAESKey: string;
  /** The corpid for self-built apps, the suite_id for third-party command callbacks. */
  receiveId: string;
  /**
   * Whether `decrypt`/`verifyUrl` require the embedded receiveId to equal `receiveId` (default `true`). Turn off for
   * third-party data callbacks, where each installing corp's corpid is embedded.
   */
  checkReceiveId?: boolean;
}

/** Query parameters and body of a signed callback request. */
export interface SignatureInput {
  timestamp: string | number;
  nonce: string;
  encrypt: string;
}

/** A callback POST after its `Encrypt` element has been extracted (see `parseCallbackEnvelope`). */
export interface DecryptInput extends SignatureInput {
  /** The `msg_signature` query parameter. */
  msgSignature: string;
}

/** The URL verification GET request's query parameters (already URL-decoded). */
export interface VerifyUrlInput {
  msgSignature: string;
  timestamp: string | number;
  nonce: string;
  echostr: string;
}

/** Per-call overrides of {@link CallbackCryptoOptions}. */
export interface DecryptOptions {
  checkReceiveId?: boolean;
}

/** Overrides for {@link CallbackCrypto.encrypt}; every value is generated when omitted. */
export interface EncryptOptions {
  /** Unix seconds; defaults to now. */
  timestamp?: string | number;
  /** Defaults to a random 10-digit string. */
  nonce?: string;
  /** The 16-byte random prefix; random when omitted (fixed only for reproducible tests). */
  random?: Uint8Array;
}

/** Result of {@link CallbackCrypto.decrypt}. */
export interface DecryptedCallback {
  /** The plaintext, normally an XML document. */
  message: string;
  /** The receiveId embedded after the message. */
  receiveId: string;
}

/** Result of {@link CallbackCrypto.encrypt}: everything needed for a callback request or an encrypted reply. */
export interface EncryptedCallback {
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

/** The WXBizMsgCrypt operations bound to one callback configuration. */
export interface CallbackCrypto {
  /** `sha1` (lowercase hex) of the lexicographically sorted concatenation of token, timestamp, nonce and encrypt. */
  sign(input: SignatureInput): string;
  /**
   * Checks the signature of a URL verification request and returns the plaintext to answer with. The plaintext must
   * look like WeCom's echo string (letters and digits, at most 32; see `isWecomEchoPlaintext`), else
   * {@link CallbackCryptoError} `invalid_echostr`: a captured event's `<Encrypt>` replayed as `echostr` is signed
   * just as validly, and answering it would hand out the event in clear.
   */
  verifyUrl(input: VerifyUrlInput, options?: DecryptOptions): string;
  /** Checks the signature, decrypts and checks the receiveId. */
  decrypt(input: DecryptInput, options?: DecryptOptions): DecryptedCallback;
  /** Encrypts and signs `message` with the configured receiveId. */
  encrypt(message: string, options?: EncryptOptions): EncryptedCallback;
}

function validateOptions(options: CallbackCryptoOptions): void {
  if (typeof options.token !== 'string' || !TOKEN_PATTERN.test(options.token)) {
    throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.token);
  }
  if (typeof options.encodingAESKey !== 'string' || !ENCODING_AES_KEY_PATTERN.test(options.encodingAESKey)) {
    throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.encodingAESKey);
  }
  if (typeof options.receiveId !== 'string' || options.receiveId.length === 0) {
    throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.receiveId);
  }
}

/**
 * The AES key is the 43-character EncodingAESKey plus "=". Node's decoder drops the unused low bits of the last
 * character, as WeCom's own libraries do, so keys differing only there (…1aQ / …1aR) are the same key.
 */
function decodeEncodingAESKey(encodingAESKey: string): Buffer {
  return Buffer.from(`${encodingAESKey}=`, 'base64');
}

function fail(
  code: 'invalid_base64' | 'decrypt_failed' | 'invalid_length' | 'receive_id_mismatch',
  message: string,
): never {
  const wxCode = {
    invalid_base64: WX_BIZ_MSG_CRYPT_ERRORS.decodeBase64Error,
    decrypt_failed: WX_BIZ_MSG_CRYPT_ERRORS.decryptAESError,
    invalid_length: WX_BIZ_MSG_CRYPT_ERRORS.illegalBuffer,
    receive_id_mismatch: WX_BIZ_MSG_CRYPT_ERRORS.validateCorpidError,
  }[code];
  throw new CallbackCryptoError(code, wxCode, message);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return fail('decrypt_failed', `${what} is not valid UTF-8`);
  }
}

function randomNonce(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000));
}

/**
 * Creates the WXBizMsgCrypt callback crypto for one Token / EncodingAESKey / receiveId (WeCom callback
 * "加解密方案"): AES-256-CBC, IV = first 16 key bytes, PKCS#7 to 32-byte blocks, plaintext
 * `random(16) ‖ length(4, big-endian) ‖ message ‖ receiveId`, sha1 signature over the sorted parameters.
 *
 * Bad options throw `TypeError` (messages in {@link CALLBACK_CRYPTO_TYPE_ERRORS}); bad requests throw
 * {@link CallbackCryptoError} (or its subclass {@link SignatureMismatchError}) carrying the official error number.
 *
 * @example
 * ```ts
 * const crypto = createCallbackCrypto({ token, encodingAESKey, receiveId: corpId });
 * // GET: answer with the plaintext
 * const echo = crypto.verifyUrl({ msgSignature, timestamp, nonce, echostr });
 * // POST: decrypt the <Encrypt> element of the body
 * const { message } = crypto.decrypt({ msgSignature, timestamp, nonce, encrypt: parseCallbackEnvelope(body).encrypt });
 * ```
 */
export function createCallbackCrypto(options: CallbackCryptoOptions): CallbackCrypto {
  validateOptions(options);
  const { token, receiveId } = options;
  const defaultCheckReceiveId = options.checkReceiveId ?? true;
  const key = decodeEncodingAESKey(options.encodingAESKey);
  const iv = key.subarray(0, AES_BLOCK_BYTES);

  const sign = (input: SignatureInput): string => {
    const parts = [token, String(input.timestamp), input.nonce, input.encrypt].sort();
    return createHash('sha1').update(parts.join(''), 'utf8').digest('hex');
  };

  const verifySignature = (input: DecryptInput): void => {
    const { msgSignature, timestamp, nonce, encrypt } = input;
    if (
      typeof msgSignature !== 'string' ||
      typeof nonce !== 'string' ||
      typeof encrypt !== 'string' ||
      (typeof timestamp !== 'string' && typeof timestamp !== 'number')
    ) {
      throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.request);
    }
    if (!constantTimeEqual(sign(input), msgSignature)) {
      throw new SignatureMismatchError('msg_signature does not match');
    }
  };

  const decryptPayload = (encrypt: string, checkReceiveId: boolean): DecryptedCallback => {
    const ciphertext = decodeBase64Strict(encrypt);
    if (ciphertext === undefined) fail('invalid_base64', 'encrypted payload is not valid base64');
    if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
      fail('decrypt_failed', 'encrypted payload is not a whole number of AES blocks');
    }
    const decipher = createDecipheriv('aes-256-cbc', key, iv);
    decipher.setAutoPadding(false);
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    const plaintext = pkcs7Unpad(padded, CALLBACK_PAD_BLOCK_BYTES);
    if (plaintext === undefined) fail('decrypt_failed', 'decryption failed (wrong key or corrupted payload)');

    const headerBytes = RANDOM_PREFIX_BYTES + LENGTH_FIELD_BYTES;
    if (plaintext.length < headerBytes) {
      fail('invalid_length', 'decrypted payload is shorter than its header');
    }
    const messageLength = plaintext.readUInt32BE(RANDOM_PREFIX_BYTES);
    if (messageLength > plaintext.length - headerBytes) {
      fail('invalid_length', 'message length field exceeds the decrypted payload');
    }
    const message = decodeUtf8(plaintext.subarray(headerBytes, headerBytes + messageLength), 'message');
    const embeddedReceiveId = decodeUtf8(plaintext.subarray(headerBytes + messageLength), 'receiveId');
    if (checkReceiveId && !constantTimeEqual(receiveId, embeddedReceiveId)) {
      fail('receive_id_mismatch', 'receiveId in the payload does not match the configured one');
    }
    return { message, receiveId: embeddedReceiveId };
  };

  return {
    sign,
    verifyUrl(input, callOptions) {
      verifySignature({ ...input, encrypt: input.echostr });
      const { message } = decryptPayload(input.echostr, callOptions?.checkReceiveId ?? defaultCheckReceiveId);
      if (!isWecomEchoPlaintext(message)) {
        throw new CallbackCryptoError(
          'invalid_echostr',
          WX_BIZ_MSG_CRYPT_ERRORS.illegalBuffer,
          'the decrypted echostr is not an echo string',
        );
      }
      return message;
    },
    decrypt(input, callOptions) {
      verifySignature(input);
      return decryptPayload(input.encrypt, callOptions?.checkReceiveId ?? defaultCheckReceiveId);
    },
    encrypt(message, encryptOptions = {}) {
      if (typeof message !== 'string') throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.message);
      const random =
        encryptOptions.random === undefined ? randomBytes(RANDOM_PREFIX_BYTES) : encryptOptions.random;
      if (random.length !== RANDOM_PREFIX_BYTES) throw new TypeError(CALLBACK_CRYPTO_TYPE_ERRORS.random);
      const messageBytes = Buffer.from(message, 'utf8');
      const lengthField = Buffer.alloc(LENGTH_FIELD_BYTES);
      lengthField.writeUInt32BE(messageBytes.length);
      const plaintext = Buffer.concat([random, lengthField, messageBytes, Buffer.from(receiveId, 'utf8')]);
      const cipher = createCipheriv('aes-256-cbc', key, iv);
      cipher.setAutoPadding(false);
      const encrypt = Buffer.concat([
        cipher.update(pkcs7Pad(plaintext, CALLBACK_PAD_BLOCK_BYTES)),
        cipher.final(),
      ]).toString('base64');
      const timestamp = String(encryptOptions.timestamp ?? Math.floor(Date.now() / 1000));
      const nonce = encryptOptions.nonce ?? randomNonce();
      return { encrypt, msgSignature: sign({ timestamp, nonce, encrypt }), timestamp, nonce };
    },
  };
}
