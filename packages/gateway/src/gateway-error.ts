/**
 * The gateway's own errors. Every HTTP error body is `{ error, message, requestId, wecom? }` where `error` is one of
 * {@link GatewayErrorCode}: stable, snake_case, safe to branch on in the mini program.
 */

export type GatewayErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'not_found'
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
  | 'callback_signature_invalid'
  | 'callback_expired'
  | 'callback_malformed'
  | 'internal_error';

/** Every error code with its HTTP status and what the client should do: the source of docs/errors.md. */
export const gatewayErrorCatalog: Readonly<
  Record<GatewayErrorCode, { readonly status: number; readonly meaning: string }>
> = {
  invalid_request: {
    status: 400,
    meaning: 'The request does not match the API (a field missing, too long, of the wrong type).',
  },
  invalid_json: { status: 400, meaning: 'The body is not valid JSON.' },
  unsupported_media_type: { status: 415, meaning: 'Send bodies as application/json.' },
  payload_too_large: { status: 413, meaning: 'The body exceeds the limit (128 KiB).' },
  headers_too_large: { status: 431, meaning: 'The request headers exceed 16 KiB; the connection is closed.' },
  request_timeout: {
    status: 408,
    meaning: 'The request did not arrive completely in time; the connection is closed.',
  },
  not_found: { status: 404, meaning: 'No such endpoint.' },
  rate_limited: { status: 429, meaning: 'Too many logins from this address; wait for Retry-After.' },
  code_invalid: {
    status: 401,
    meaning:
      'WeCom refused the login code (40029): it is single-use and lives 5 minutes. Call wx.qy.login again (not wx.login).',
  },
  not_a_member: {
    status: 403,
    meaning:
      "The user belongs to another corp, or is outside the app's visible range. Nothing about them is stored.",
  },
  employee_inactive: {
    status: 403,
    meaning: "The employee's WeCom account is disabled, not activated, or has left.",
  },
  unauthorized: { status: 401, meaning: 'No access token: send "Authorization: Bearer <accessToken>".' },
  token_expired: { status: 401, meaning: 'The access token has expired: refresh it with the refresh token.' },
  token_invalid: {
    status: 401,
    meaning: 'The access token is malformed, tampered with, or not ours: log in again.',
  },
  session_revoked: {
    status: 401,
    meaning: 'The session was revoked (logout, refresh-token reuse, employee left): log in again.',
  },
  refresh_token_invalid: { status: 401, meaning: 'The refresh token is unknown: log in again.' },
  refresh_token_expired: { status: 401, meaning: 'The session has expired: log in again.' },
  decrypt_failed: {
    status: 400,
    meaning:
      "The data could not be decrypted with this session's key: call wx.qy.login, then wx.qy.getMobile again.",
  },
  watermark_mismatch: {
    status: 400,
    meaning: 'The data was encrypted for another mini program (watermark.appid ≠ WECOM_MINIPROGRAM_APPID).',
  },
  wecom_error: {
    status: 502,
    meaning:
      'WeCom refused the request for a reason an operator must fix; `wecom.errcode` and the message say what.',
  },
  wecom_unavailable: {
    status: 503,
    meaning: 'WeCom is busy, rate-limiting, slow or unreachable; retry after Retry-After.',
  },
  store_unavailable: {
    status: 503,
    meaning: 'The session store (SQLite file or Redis) is unavailable; retry shortly.',
  },
  callback_signature_invalid: {
    status: 401,
    meaning:
      'A WeCom callback whose msg_signature does not match, or that was sealed for another corp: check WECOM_CALLBACK_TOKEN.',
  },
  callback_expired: {
    status: 401,
    meaning: 'A WeCom callback whose timestamp is older than CALLBACK_MAX_AGE_SECONDS (a replay): ignored.',
  },
  callback_malformed: {
    status: 400,
    meaning: 'A WeCom callback with missing parameters, malformed XML or an undecryptable payload.',
  },
  internal_error: { status: 500, meaning: 'A bug: it is logged with the request id.' },
};

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
