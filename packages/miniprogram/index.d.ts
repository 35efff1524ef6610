/**
 * Type declarations of `@wecom-auth/miniprogram` (the bundle in `miniprogram_dist/index.js`).
 *
 * @example
 * ```js
 * const { createAuth } = require('@wecom-auth/miniprogram');
 * const auth = createAuth({ baseUrl: 'https://auth.example.com' });
 * auth.login().then(({ employee }) => console.log(employee.name));
 * ```
 */

/** The gateway's stable error codes (the `error` field of its error bodies). */
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
  | 'corp_unknown'
  | 'corp_mismatch'
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

/**
 * Codes raised by the SDK itself: `not_in_wecom` (no `wx.qy`: plain WeChat), `network_error` (no HTTP answer),
 * `login_failed` (`wx.qy.login` failed), `user_cancelled` (the user declined `wx.qy.getMobile` and the like),
 * `wx_api_failed` (such a `wx.qy` API is missing or failed otherwise), `invalid_response` (a success answer that is
 * not the gateway's), `http_error` (an error answer without a known code), `logged_out` (`logout()` ran meanwhile).
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
export declare class WecomAuthError extends Error {
  readonly code: WecomAuthErrorCode;
  /** The HTTP status when the gateway answered. */
  readonly statusCode: number | undefined;
  /** The gateway's `requestId`, to find the request in its logs. */
  readonly requestId: string | undefined;
  readonly wecom: WecomCause | undefined;
  constructor(code: WecomAuthErrorCode, message: string, details?: WecomAuthErrorDetails);
}

/** The employee as the gateway describes them; later gateway versions may add fields. */
export interface Employee {
  readonly userId: string;
  readonly corpId: string;
  readonly name: string;
  readonly departments: ReadonlyArray<{ readonly id: number; readonly name?: string }>;
  readonly mainDepartment?: number;
  readonly position?: string;
  readonly status?: 'active' | 'disabled' | 'inactive' | 'left' | 'unknown';
  readonly avatar?: string;
  readonly gender?: 'male' | 'female';
  /** Present once the employee disclosed it through `decrypt('email')`. */
  readonly email?: string;
  /** Present once the employee disclosed it through `decrypt('mobile')`. */
  readonly mobile?: string;
}

/** The session as the app sees it (the refresh token stays inside the SDK). Times are epoch milliseconds. */
export interface Session {
  readonly accessToken: string;
  readonly expiresAt: number;
  readonly refreshExpiresAt: number;
  readonly employee: Employee;
}

/** Why the session ended: `logout()` was called, or the gateway refused the session and a new login failed. */
export interface LogoutEvent {
  readonly reason: 'logout' | 'session_ended';
}

export interface AuthEventMap {
  /** A new session: after a login or a refresh. */
  session: (session: Session) => void;
  logout: (event: LogoutEvent) => void;
}

export type AuthEventName = keyof AuthEventMap;

/** A synchronous key-value store; values are plain JSON-compatible objects. */
export interface AuthStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  remove(key: string): void;
}

export interface TransportRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  readonly header: Record<string, string>;
  readonly data?: unknown;
  /** Milliseconds. */
  readonly timeout: number;
}

export interface TransportResponse {
  readonly statusCode: number;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  readonly data: unknown;
  readonly header?: Record<string, string>;
}

/** Resolves with any HTTP answer (whatever its status); rejects only when no answer came. */
export type RequestFunction = (request: TransportRequest) => PromiseLike<TransportResponse>;

/** What `wx.qy.getMobile`, `getEmail` and `getEnterpriseUserInfo` hand their `success` callback. */
export interface WxEncryptedResult {
  readonly encryptedData?: string;
  readonly iv?: string;
}

export interface WxCallbacks<T> {
  success?: (result: T) => void;
  fail?: (failure: { readonly errMsg?: string; readonly errno?: number }) => void;
}

/** The slice of the `wx` global the SDK uses. */
export interface WxLike {
  qy?: {
    login(options: WxCallbacks<{ readonly code?: string }>): void;
    getMobile?(options: WxCallbacks<WxEncryptedResult>): void;
    getEmail?(options: WxCallbacks<WxEncryptedResult>): void;
    getEnterpriseUserInfo?(options: WxCallbacks<WxEncryptedResult>): void;
  };
  request?(
    options: WxCallbacks<{
      readonly statusCode: number;
      readonly data: unknown;
      readonly header?: Record<string, string>;
    }> & {
      url: string;
      method: string;
      header: Record<string, string>;
      data?: unknown;
      timeout?: number;
      dataType?: string;
    },
  ): unknown;
  getStorageSync?(key: string): unknown;
  setStorageSync?(key: string, value: unknown): void;
  removeStorageSync?(key: string): void;
}

export interface AuthOptions {
  /** The gateway, e.g. `https://auth.example.com` (its domain must be in the mini program's request domains). */
  baseUrl: string;
  /** Where the session survives restarts; defaults to `wx.setStorageSync` and friends. */
  storage?: AuthStorage;
  /** The HTTP transport; defaults to `wx.request`. */
  request?: RequestFunction;
  /** The `wx` object; defaults to the global `wx`. */
  wx?: WxLike;
  /** The storage key of the session; default `wecom-auth:session`. */
  storageKey?: string;
  /** The corp to log in to when none is remembered yet; see the sources. */
  corpId?: string;
  /** Per-request timeout in milliseconds; default 10000. */
  timeoutMs?: number;
  /** The clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

export interface LoginResult {
  readonly session: Session;
  readonly employee: Employee;
}

export interface AuthRequestOptions {
  /** An absolute URL, or a path starting with `/` that is resolved against `baseUrl`. */
  url: string;
  method?: TransportRequest['method'];
  data?: unknown;
  header?: Record<string, string>;
  timeout?: number;
}

/** What `decrypt` can ask WeCom for: `wx.qy.getMobile`, `wx.qy.getEmail`, `wx.qy.getEnterpriseUserInfo`. */
export type DecryptKind = 'mobile' | 'email' | 'userinfo';

export interface WecomAuth {
  /**
   * Logs in with `wx.qy.login` and `POST /v1/sessions`; concurrent calls share one login, and a code the gateway
   * calls `code_invalid` is retried once with a fresh one.
   */
  login(): Promise<LoginResult>;
  /**
   * An HTTP request carrying `Authorization: Bearer <access token>`. Logs in first when there is no session,
   * refreshes a token with less than 30 s left, and on a 401 `token_expired` refreshes and replays once (logging in
   * again when the refresh is refused). Resolves with any HTTP status; rejects with a {@link WecomAuthError}.
   */
  request(options: AuthRequestOptions): Promise<TransportResponse>;
  /** The employee from `GET /v1/me` (mobile and email once disclosed). */
  getEmployee(): Promise<Employee>;
  /** Forgets the session at once and revokes it on the gateway; resolves even when the gateway is unreachable. */
  logout(): Promise<void>;
  /** Asks WeCom for the mobile, email or enterprise user info and has the gateway decrypt it. */
  decrypt(kind: DecryptKind): Promise<Record<string, unknown>>;
  /** The current session without touching the network, or `null`. */
  getSession(): Session | null;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): () => void;
  off<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): void;
}

/** An access token with less than this many milliseconds left is refreshed before use. */
export declare const REFRESH_AHEAD_MS: number;

/**
 * Creates the SDK for one gateway; the session saved by an earlier run is restored at once.
 *
 * @example
 * ```js
 * const auth = createAuth({ baseUrl: 'https://auth.example.com' });
 * auth.request({ url: '/v1/me' }).then((response) => response.data);
 * ```
 */
export declare function createAuth(options: AuthOptions): WecomAuth;
