/**
 * The gateway's own errors. Every HTTP error body is `{ error, message, requestId, wecom? }` where `error` is one of
 * {@link GatewayErrorCode}: stable, snake_case, safe to branch on in the mini program.
 */

export type GatewayErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'not_found'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'code_invalid'
  | 'not_a_member'
  | 'employee_inactive'
  | 'unauthorized'
  | 'token_expired'
  | 'token_invalid'
  | 'session_revoked'
  | 'refresh_token_invalid'
  | 'refresh_token_expired'
  | 'decrypt_failed'
  | 'watermark_mismatch'
  | 'wecom_error'
  | 'wecom_unavailable'
  | 'store_unavailable'
  | 'internal_error';

/** What WeCom said, when WeCom caused the error. */
export interface WecomCause {
  readonly errcode: number;
  readonly errmsg: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly statusCode: number;
  readonly wecom: WecomCause | undefined;
  /** Sent as `Retry-After` when set. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: GatewayErrorCode,
    statusCode: number,
    message: string,
    options: { wecom?: WecomCause; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = statusCode;
    this.wecom = options.wecom;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: GatewayErrorCode;
  readonly message: string;
  readonly requestId: string;
  readonly wecom?: WecomCause;
}
