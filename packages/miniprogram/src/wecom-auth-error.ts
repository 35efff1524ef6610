/**
 * The SDK's one error class. `code` is either the gateway's stable `error` code or one of the SDK's own codes, so a
 * mini program can branch on it without parsing messages.
 */
import { GATEWAY_ERROR_CODES, type GatewayErrorCode } from './gateway-error-codes.js';

export type { GatewayErrorCode } from './gateway-error-codes.js';

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

/**
 * The `code` of every {@link WecomAuthError}: the gateway's code when it answered with one, the SDK's own otherwise.
 * A closed union, so a `switch` on it can be checked for exhaustiveness.
 */
export type WecomAuthErrorCode = GatewayErrorCode | SdkErrorCode;

/** True for the codes the gateway documents; anything else from a server becomes `http_error`. */
export function isGatewayErrorCode(value: unknown): value is GatewayErrorCode {
  return typeof value === 'string' && (GATEWAY_ERROR_CODES as readonly string[]).indexOf(value) !== -1;
}

/** What WeCom said, when the gateway reports that WeCom caused the error. */
export interface WecomCause {
  /** WeCom's `errcode`, e.g. `40029` for a spent login code. */
  readonly errcode: number;
  /** WeCom's `errmsg`, cut to 300 characters. */
  readonly errmsg: string;
}

/** What a {@link WecomAuthError} may carry besides its code and message. */
export interface WecomAuthErrorDetails {
  /** The HTTP status, when the gateway answered. */
  readonly statusCode?: number;
  /** The gateway's `requestId`, to find the request in its logs. */
  readonly requestId?: string;
  /** What WeCom said, when WeCom caused the error. */
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
  /** What went wrong, stable across versions: branch on it rather than on `message`. */
  declare readonly code: WecomAuthErrorCode;
  /** The HTTP status when the gateway answered. */
  declare readonly statusCode: number | undefined;
  /** The gateway's `requestId`, to find the request in its logs. */
  declare readonly requestId: string | undefined;
  /** What WeCom said, when the gateway reports that WeCom caused the error. */
  declare readonly wecom: WecomCause | undefined;

  /**
   * @param code - what went wrong
   * @param message - a sentence for logs and developers, not for branching
   * @param details - the HTTP status, request id and WeCom cause, when known
   */
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
