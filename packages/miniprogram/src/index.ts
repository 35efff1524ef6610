/**
 * `@wecom-auth/miniprogram`: the WeCom Auth SDK for the WeCom mini program. It logs the employee in with
 * `wx.qy.login`, keeps and refreshes the session, and signs the app's own requests; every failure is a
 * {@link WecomAuthError} with a stable `code`.
 *
 * @example
 * ```js
 * const { createAuth } = require('@wecom-auth/miniprogram');
 * const auth = createAuth({ baseUrl: 'https://auth.example.com' });
 * auth.login().then(({ employee }) => this.setData({ employee }));
 * ```
 *
 * @packageDocumentation
 */
export type { AuthEventMap, AuthEventName, LogoutEvent, Session } from './auth-events.js';
export type { AuthOptions, AuthRequestOptions, LoginResult, WecomAuth } from './create-auth.js';
export { createAuth, REFRESH_AHEAD_MS } from './create-auth.js';
export type { Employee } from './gateway-answers.js';
export type { AuthStorage } from './session-storage.js';
export type { RequestFunction, TransportRequest, TransportResponse } from './transport.js';
export type {
  GatewayErrorCode,
  SdkErrorCode,
  WecomAuthErrorCode,
  WecomAuthErrorDetails,
  WecomCause,
} from './wecom-auth-error.js';
export { WecomAuthError } from './wecom-auth-error.js';
export type { DecryptKind } from './wx-qy.js';
export type {
  WxCallbacks,
  WxEncryptedResult,
  WxFailure,
  WxLike,
  WxQy,
  WxRequestOptions,
  WxRequestSuccess,
} from './wx-types.js';
