/**
 * Every reason a crypto operation in this package can fail. The set is closed so callers can switch on it
 * exhaustively; messages never contain keys, tokens or plaintext.
 */
export type WecomCryptoErrorCode =
  | 'invalid_base64'
  | 'invalid_key'
  | 'invalid_iv'
  | 'decrypt_failed'
  | 'invalid_json'
  | 'watermark_mismatch'
  | 'watermark_expired'
  | 'watermark_missing'
  | 'signature_mismatch'
  | 'receive_id_mismatch'
  | 'invalid_length'
  | 'invalid_xml'
  | 'watermark_in_future'
  | 'disclosure_unreadable'
  | 'invalid_callback_parameters'
  | 'callback_expired'
  | 'callback_from_future'
  | 'invalid_echostr';

/**
 * Base class of every error thrown by `@wecom-auth/crypto` for bad input data (as opposed to programmer misuse,
 * which throws `TypeError`).
 *
 * @example
 * ```ts
 * try {
 *   decryptMiniProgramData({ sessionKey, encryptedData, iv, appId });
 * } catch (error) {
 *   if (error instanceof WecomCryptoError && error.code === 'watermark_mismatch') reject();
 * }
 * ```
 */
export class WecomCryptoError extends Error {
  /** Stable machine-readable reason. */
  readonly code: WecomCryptoErrorCode;

  constructor(code: WecomCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WecomCryptoError';
    this.code = code;
  }
}

/**
 * Error codes of the official WXBizMsgCrypt libraries, kept so logs and replies can be compared with WeCom's
 * documentation ("加解密库错误码").
 */
export const WX_BIZ_MSG_CRYPT_ERRORS = {
  validateSignatureError: -40001,
  parseXmlError: -40002,
  computeSignatureError: -40003,
  illegalAesKey: -40004,
  validateCorpidError: -40005,
  encryptAESError: -40006,
  decryptAESError: -40007,
  illegalBuffer: -40008,
  encodeBase64Error: -40009,
  decodeBase64Error: -40010,
  genReturnXmlError: -40011,
} as const;

/** One of the official WXBizMsgCrypt error numbers (−40001 … −40011). */
export type WxBizMsgCryptErrorNumber = (typeof WX_BIZ_MSG_CRYPT_ERRORS)[keyof typeof WX_BIZ_MSG_CRYPT_ERRORS];

/**
 * Failure of the callback (WXBizMsgCrypt) scheme. `wxBizMsgCryptCode` is the number the official libraries return
 * for the same failure.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof CallbackCryptoError) log.warn({ code: error.code, wx: error.wxBizMsgCryptCode });
 * }
 * ```
 */
export class CallbackCryptoError extends WecomCryptoError {
  readonly wxBizMsgCryptCode: WxBizMsgCryptErrorNumber;

  constructor(
    code: WecomCryptoErrorCode,
    wxBizMsgCryptCode: WxBizMsgCryptErrorNumber,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'CallbackCryptoError';
    this.wxBizMsgCryptCode = wxBizMsgCryptCode;
  }
}

/**
 * The decrypted mini-program data belongs to another app (`watermark.appid` differs), or is too old. Callers usually
 * branch on this to tell "tampered / wrong app" apart from "corrupt".
 *
 * @example
 * ```ts
 * if (error instanceof WatermarkError) return reply(403);
 * ```
 */
export class WatermarkError extends WecomCryptoError {
  constructor(
    code: 'watermark_mismatch' | 'watermark_expired' | 'watermark_missing' | 'watermark_in_future',
    message: string,
  ) {
    super(code, message);
    this.name = 'WatermarkError';
  }
}

/**
 * The callback `msg_signature` did not match (the request was not signed with the configured Token).
 *
 * @example
 * ```ts
 * if (error instanceof SignatureMismatchError) return reply(401);
 * ```
 */
export class SignatureMismatchError extends CallbackCryptoError {
  constructor(message = 'signature does not match') {
    super('signature_mismatch', WX_BIZ_MSG_CRYPT_ERRORS.validateSignatureError, message);
    this.name = 'SignatureMismatchError';
  }
}

/**
 * The XML body could not be parsed, is too large, or lacks a required element.
 *
 * @example
 * ```ts
 * if (error instanceof InvalidXmlError) return reply(400);
 * ```
 */
export class InvalidXmlError extends CallbackCryptoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_xml', WX_BIZ_MSG_CRYPT_ERRORS.parseXmlError, message, options);
    this.name = 'InvalidXmlError';
  }
}

/**
 * Client-relayed `encryptedData` could not be read as the disclosure it claims to be. Every cause — bad base64, a
 * wrong IV length, bad padding, bad UTF-8, bad JSON, a missing or garbled watermark, a key too many or too few, a
 * malformed mobile or email — yields this same class, code and message, with no `cause`, so that whoever sends
 * the data learns nothing about which step failed (no padding oracle).
 *
 * @example
 * ```ts
 * if (error instanceof UnreadableDisclosureError) return reply(400);
 * ```
 */
export class UnreadableDisclosureError extends WecomCryptoError {
  constructor() {
    super('disclosure_unreadable', 'the encrypted data could not be read');
    this.name = 'UnreadableDisclosureError';
  }
}

/** The query parameters a WeCom callback is signed with. */
export type CallbackParameterName = 'msg_signature' | 'timestamp' | 'nonce' | 'echostr';

/**
 * A callback query parameter is missing, repeated or not in the shape WeCom sends. `parameter` names it.
 *
 * @example
 * ```ts
 * if (error instanceof InvalidCallbackParametersError) log.warn({ parameter: error.parameter });
 * ```
 */
export class InvalidCallbackParametersError extends WecomCryptoError {
  readonly parameter: CallbackParameterName;

  constructor(parameter: CallbackParameterName, message: string) {
    super('invalid_callback_parameters', message);
    this.name = 'InvalidCallbackParametersError';
    this.parameter = parameter;
  }
}

/**
 * A callback's timestamp lies outside the accepted window: older than the maximum age (`callback_expired`, a
 * captured request replayed later) or further ahead than the allowed clock skew (`callback_from_future`).
 *
 * @example
 * ```ts
 * if (error instanceof StaleCallbackError) return reply(401);
 * ```
 */
export class StaleCallbackError extends WecomCryptoError {
  constructor(code: 'callback_expired' | 'callback_from_future', message: string) {
    super(code, message);
    this.name = 'StaleCallbackError';
  }
}
