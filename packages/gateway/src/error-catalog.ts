/**
 * The gateway's error catalog: the one place where an error code is defined, with its HTTP status and what the
 * client should do. {@link GatewayErrorCode}, the status of every {@link GatewayError}, the zod response schemas,
 * docs/errors.md and the mini-program SDK's code list are all derived from it.
 */

/** One entry of the catalog. */
export interface GatewayErrorEntry {
  /** The HTTP status every error of this code is answered with. */
  readonly status: number;
  /** What happened and what the client should do: the text of docs/errors.md. */
  readonly meaning: string;
}

/** Every error code with its HTTP status and what the client should do: the source of docs/errors.md. */
export const gatewayErrorCatalog = {
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
  login_budget_exhausted: {
    status: 429,
    meaning:
      "The company's logins are held back to protect its WeCom quota (LOGIN_CORP_BUDGET_PER_MINUTE, LOGIN_CORP_BUDGET_PER_HOUR): wait for Retry-After. Addresses that logged in before keep a reserve.",
  },
  code_invalid: {
    status: 401,
    meaning:
      'WeCom refused the login code (40029), or it cannot be a code and was refused before WeCom was asked: a code is single-use and lives 5 minutes. Call wx.qy.login again (not wx.login).',
  },
  corp_unknown: {
    status: 400,
    meaning:
      'The login names a corp this gateway does not serve (`corpId` of POST /v1/sessions): log in without it. The SDK forgets the corp it remembered and does so by itself.',
  },
  corp_mismatch: {
    status: 409,
    meaning:
      'The employee belongs to another corp this gateway serves, named in `corpId`: WeCom used up the code, so call wx.qy.login again and send the new code with that `corpId`. The SDK does this by itself and remembers the corp.',
  },
  not_a_member: {
    status: 403,
    meaning:
      "The user belongs to another corp, or is outside the app's visible range (60011, 50002). Nothing about them is stored.",
  },
  corp_not_authorized: {
    status: 403,
    meaning:
      "Third-party apps: the user's company has not installed the app, or has uninstalled it. An administrator of that company installs it (WeCom app marketplace or the provider's install link); nothing about the user is stored.",
  },
  employee_inactive: {
    status: 403,
    meaning:
      "The employee's WeCom account is disabled or not activated, or the employee has left the company (status 5, or user/get answering 60111 userid not found).",
  },
  unauthorized: { status: 401, meaning: 'No access token: send "Authorization: Bearer <accessToken>".' },
  token_expired: { status: 401, meaning: 'The access token has expired: refresh it with the refresh token.' },
  token_invalid: {
    status: 401,
    meaning: 'The access token is malformed, tampered with, or not ours: log in again.',
  },
  session_revoked: {
    status: 401,
    meaning:
      'The session was revoked (logout, refresh-token reuse, employee left, the company uninstalled the app, or its session_key sealed under a data key no longer configured): log in again.',
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
  watermark_expired: {
    status: 400,
    meaning:
      'The data is older than DECRYPT_MAX_AGE_SECONDS, or dated further ahead than DECRYPT_MAX_FUTURE_SKEW_SECONDS: call wx.qy.getMobile (getEmail, getEnterpriseUserInfo) again and send the new data at once.',
  },
  signature_invalid: {
    status: 400,
    meaning:
      "`rawData` and `signature` were sent but do not verify with this session's key, or `rawData` says otherwise than the decrypted data: send what wx.qy.getEnterpriseUserInfo returned, unchanged.",
  },
  disclosure_mismatch: {
    status: 403,
    meaning:
      "The decrypted data contradicts what WeCom says server to server: a mobile or email other than user/get's, or user info of another corp or userid than the session's. Nothing is stored.",
  },
  wecom_identifier_invalid: {
    status: 502,
    meaning:
      'WeCom answered a userid or corpid outside its documented format (letters, digits and _-@.): the login is refused and no token is issued. An operator should report it with the request id.',
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
  admin_unauthorized: {
    status: 401,
    meaning:
      'The admin API needs "Authorization: Bearer <token>" with a token of WECOM_AUTH_ADMIN_TOKEN; the attempt is recorded as admin.denied.',
  },
  session_not_found: {
    status: 404,
    meaning: 'The admin API knows no live session with this id (it ended, expired, or never existed).',
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
} as const satisfies Readonly<Record<string, GatewayErrorEntry>>;

/**
 * A stable, snake_case error code of the gateway, safe to branch on in the mini program: the `error` field of
 * every error body.
 */
export type GatewayErrorCode = keyof typeof gatewayErrorCatalog;

/** Every code of the catalog, in catalog order. */
export const gatewayErrorCodes = Object.keys(gatewayErrorCatalog) as readonly GatewayErrorCode[];

/** The HTTP status of `code`, from the catalog. */
export function statusOf(code: GatewayErrorCode): number {
  return gatewayErrorCatalog[code].status;
}
