/**
 * The SDK's one error class. `code` is either the gateway's stable `error` code or one of the SDK's own codes, so a
 * mini program can branch on it without parsing messages.
 */

/** The gateway's stable error codes (the `error` field of its error bodies), kept in step with its catalog. */
const GATEWAY_CODES = [
  'invalid_request',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'not_found',
  'rate_limited',
  'code_invalid',
  'corp_unknown',
  'corp_mismatch',
  'not_a_member',
  'employee_inactive',
  'unauthorized',
  'token_expired',
  'token_invalid',
  'session_revoked',
  'refresh_token_invalid',
  'refresh_token_expired',
  'decrypt_failed',
  'watermark_mismatch',
  'wecom_error',
  'wecom_unavailable',
  'store_unavailable',
  'callback_signature_invalid',
  'callback_expired',
  'callback_malformed',
  'internal_error',
] as const;

export type GatewayErrorCode = (typeof GATEWAY_CODES)[number];

/**
 * Codes raised by the SDK itself:
 * - `not_in_wecom`: `wx.qy` is missing, the mini program runs in plain WeChat;
 * - `network_error`: the request never got an HTTP answer (offline, DNS, timeout, illegal domain);
 * - `login_failed`: `wx.qy.login` failed or gave no code;
 * - `user_cancelled`: the user declined `wx.qy.getMobile` / `getEmail` / `getEnterpriseUserInfo`;
 * - `wx_api_failed`: one of those `wx.qy` APIs is missing or failed for another reason;
 * - `invalid_response`: a success answer whose body is not what the gateway sends;
 * - `http_error`: an error answer without a recognisable gateway error code;
 * - `logged_out`: `logout()` ran while this call was in flight.
 */
export type SdkErrorCode =
  | 'not_in_wecom'
  | 'network_error'
  | 'login_failed'
  | 'user_cancelled'
  | 'wx_api_failed'
  | 'invalid_response'
  | 'http_error'
  | 'logged_out';

export type WecomAuthErrorCode = GatewayErrorCode | SdkErrorCode;

/** True for the codes the gateway documents; anything else from a server becomes `http_error`. */
export function isGatewayErrorCode(value: unknown): value is GatewayErrorCode {
  return typeof value === 'string' && (GATEWAY_CODES as readonly string[]).indexOf(value) !== -1;
}

/** What WeCom said, when the gateway reports that WeCom caused the error. */
export interface WecomCause {
  readonly errcode: number;
  readonly errmsg: string;
}

export interface WecomAuthErrorDetails {
  readonly statusCode?: number;
  readonly requestId?: string;
  readonly wecom?: WecomCause;
}

/**
 * Every failure of the SDK's promises is a `WecomAuthError`.
 *
 * @example
 * ```js
 * auth.decrypt('mobile').catch((error) => {
 *   if (error.code === 'user_cancelled') return null;
 *   throw error;
 * });
 * ```
 */
export class WecomAuthError extends Error {
  // `declare`: assigned in the constructor, so the ES2015 bundle needs no class-field helper.
  declare readonly code: WecomAuthErrorCode;
  /** The HTTP status when the gateway answered. */
  declare readonly statusCode: number | undefined;
  /** The gateway's `requestId`, to find the request in its logs. */
  declare readonly requestId: string | undefined;
  declare readonly wecom: WecomCause | undefined;

  constructor(code: WecomAuthErrorCode, message: string, details: WecomAuthErrorDetails = {}) {
    super(message);
    // Transpiled to ES5 (the DevTools' "ES6 to ES5" option) a subclass of Error loses its prototype; restore it so
    // `instanceof WecomAuthError` keeps working there.
    Object.setPrototypeOf(this, WecomAuthError.prototype);
    this.name = 'WecomAuthError';
    this.code = code;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
    this.wecom = details.wecom;
  }
}
