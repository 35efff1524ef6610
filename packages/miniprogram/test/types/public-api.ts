/**
 * What a mini program may and may not write against `@wecom-auth/miniprogram`, as compile-time assertions. Never
 * run: the root typecheck compiles it against the sources (the `@wecom-auth/source` condition) and
 * test/declarations.test.ts against the emitted miniprogram_dist/index.d.ts, so both must accept every line here
 * and reject every line marked `@ts-expect-error`.
 */
import {
  type AuthStorage,
  createAuth,
  type Employee,
  type GatewayErrorCode,
  type LogoutEvent,
  REFRESH_AHEAD_MS,
  type SdkErrorCode,
  type Session,
  type TransportResponse,
  type WecomAuth,
  WecomAuthError,
  type WecomAuthErrorCode,
  type WxLike,
} from '@wecom-auth/miniprogram';
import { expectTypeOf } from 'vitest';

declare const auth: WecomAuth;
declare const storage: AuthStorage;
declare const wx: WxLike;

// createAuth: only baseUrl is required; every option has its type; nothing else is accepted.
expectTypeOf(createAuth({ baseUrl: 'https://auth.example.com' })).toEqualTypeOf<WecomAuth>();
createAuth({
  baseUrl: 'https://auth.example.com',
  storage,
  wx,
  request: (request) => Promise.resolve({ statusCode: 200, data: request.url }),
  storageKey: 'session',
  timeoutMs: 5000,
  now: () => 0,
});
// @ts-expect-error baseUrl is required
createAuth({});
// @ts-expect-error timeoutMs is milliseconds as a number
createAuth({ baseUrl: 'https://auth.example.com', timeoutMs: '5000' });
// @ts-expect-error an option the SDK does not have
createAuth({ baseUrl: 'https://auth.example.com', corpSecret: 'x' });
// @ts-expect-error a transport must resolve with an HTTP answer
createAuth({ baseUrl: 'https://auth.example.com', request: () => Promise.resolve('ok') });

// login takes no options and resolves with the session and the employee.
expectTypeOf(auth.login()).resolves.toEqualTypeOf<{
  readonly session: Session;
  readonly employee: Employee;
}>();
// @ts-expect-error login has no options: the code comes from wx.qy.login
void auth.login({ code: 'from-elsewhere' });

// request: url required, methods of wx.request only.
expectTypeOf(
  auth.request({ url: '/v1/me', method: 'PATCH', data: { a: 1 } }),
).resolves.toEqualTypeOf<TransportResponse>();
// @ts-expect-error url is required
void auth.request({ method: 'GET' });
// @ts-expect-error wx.request has no TRACE
void auth.request({ url: '/v1/me', method: 'TRACE' });

// decrypt: three kinds, nothing else.
void auth.decrypt('mobile');
void auth.decrypt('email');
void auth.decrypt('userinfo');
// @ts-expect-error not a kind wx.qy can hand over
void auth.decrypt('phone');

// Events: two names, each with its listener.
const unsubscribe = auth.on('session', (session) => expectTypeOf(session).toEqualTypeOf<Session>());
expectTypeOf(unsubscribe).toEqualTypeOf<() => void>();
auth.on('logout', (event) => expectTypeOf(event.reason).toEqualTypeOf<'logout' | 'session_ended'>());
auth.off('logout', (_event: LogoutEvent) => undefined);
// @ts-expect-error no such event
auth.on('login', () => undefined);
// @ts-expect-error the session event hands a Session, not a LogoutEvent
auth.on('session', (event: LogoutEvent) => event.reason);

expectTypeOf(auth.getSession()).toEqualTypeOf<Session | null>();
expectTypeOf(REFRESH_AHEAD_MS).toExtend<number>();

// Error codes: a closed union of the gateway's codes and the SDK's own, narrowing in a switch.
expectTypeOf<WecomAuthErrorCode>().toEqualTypeOf<GatewayErrorCode | SdkErrorCode>();
expectTypeOf<'code_invalid' | 'rate_limited' | 'internal_error'>().toExtend<GatewayErrorCode>();
expectTypeOf<'not_in_wecom' | 'user_cancelled' | 'logged_out'>().toExtend<SdkErrorCode>();
expectTypeOf<Extract<GatewayErrorCode, SdkErrorCode>>().toBeNever();
// @ts-expect-error not a code of the gateway nor of the SDK
const unknownCode: WecomAuthErrorCode = 'no_such_code';
void unknownCode;

/** Exhaustive over every code: a code added to or removed from either list breaks this function. */
export function reaction(error: WecomAuthError): 'retry' | 'login' | 'skip' | 'report' {
  expectTypeOf(error.code).toEqualTypeOf<WecomAuthErrorCode>();
  switch (error.code) {
    case 'network_error':
    case 'rate_limited':
    case 'login_budget_exhausted':
    case 'wecom_unavailable':
    case 'store_unavailable':
    case 'request_timeout':
    case 'watermark_expired':
      return 'retry';
    case 'code_invalid':
    case 'corp_unknown':
    case 'corp_mismatch':
    case 'login_failed':
    case 'token_expired':
    case 'token_invalid':
    case 'session_revoked':
    case 'refresh_token_invalid':
    case 'refresh_token_expired':
    case 'unauthorized':
    case 'logged_out':
    case 'decrypt_failed':
      return 'login';
    case 'user_cancelled':
      return 'skip';
    case 'not_in_wecom':
    case 'wx_api_failed':
    case 'invalid_response':
    case 'http_error':
    case 'invalid_request':
    case 'invalid_json':
    case 'unsupported_media_type':
    case 'payload_too_large':
    case 'headers_too_large':
    case 'not_found':
    case 'not_a_member':
    case 'corp_not_authorized':
    case 'employee_inactive':
    case 'watermark_mismatch':
    case 'signature_invalid':
    case 'disclosure_mismatch':
    case 'wecom_identifier_invalid':
    case 'wecom_error':
    case 'callback_signature_invalid':
    case 'callback_expired':
    case 'callback_malformed':
    case 'admin_unauthorized':
    case 'session_not_found':
    case 'internal_error':
      return 'report';
    default:
      return expectTypeOf(error.code).toBeNever() as never;
  }
}

// WecomAuthError: an Error with the gateway's details.
const error = new WecomAuthError('network_error', 'offline', { statusCode: 503, requestId: 'r1' });
expectTypeOf(error).toExtend<Error>();
expectTypeOf(error.statusCode).toEqualTypeOf<number | undefined>();
expectTypeOf(error.wecom).toEqualTypeOf<{ readonly errcode: number; readonly errmsg: string } | undefined>();
// @ts-expect-error the code must be one of WecomAuthErrorCode
void new WecomAuthError('offline', 'offline');
// @ts-expect-error code is read-only
error.code = 'http_error';
