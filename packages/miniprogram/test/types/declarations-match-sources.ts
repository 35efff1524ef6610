/**
 * The emitted declarations say exactly what the sources say: every export has the same type on both sides, and the
 * gateway error codes are the gateway catalog's. Compiled by the root typecheck (where both sides are the sources)
 * and by test/declarations.test.ts (where `@wecom-auth/miniprogram` is miniprogram_dist/index.d.ts).
 */
import type * as Declared from '@wecom-auth/miniprogram';
import { expectTypeOf } from 'vitest';
import type { GatewayErrorCode as CatalogCode } from '../../../gateway/src/error-catalog.js';
import type * as Source from '../../src/index.js';

// The values: createAuth, WecomAuthError, REFRESH_AHEAD_MS, and no other. The bundle is CommonJS, so an ES module
// importing it also sees `module.exports` as `default`; the sources, an ES module, have none.
expectTypeOf<Omit<typeof Declared, 'default'>>().toEqualTypeOf<typeof Source>();

// The types, one by one (test/declarations.test.ts checks that this list names every export).
expectTypeOf<Declared.AuthEventMap>().toEqualTypeOf<Source.AuthEventMap>();
expectTypeOf<Declared.AuthEventName>().toEqualTypeOf<Source.AuthEventName>();
expectTypeOf<Declared.AuthOptions>().toEqualTypeOf<Source.AuthOptions>();
expectTypeOf<Declared.AuthRequestOptions>().toEqualTypeOf<Source.AuthRequestOptions>();
expectTypeOf<Declared.AuthStorage>().toEqualTypeOf<Source.AuthStorage>();
expectTypeOf<Declared.DecryptKind>().toEqualTypeOf<Source.DecryptKind>();
expectTypeOf<Declared.Employee>().toEqualTypeOf<Source.Employee>();
expectTypeOf<Declared.GatewayErrorCode>().toEqualTypeOf<Source.GatewayErrorCode>();
expectTypeOf<Declared.LoginResult>().toEqualTypeOf<Source.LoginResult>();
expectTypeOf<Declared.LogoutEvent>().toEqualTypeOf<Source.LogoutEvent>();
expectTypeOf<Declared.RequestFunction>().toEqualTypeOf<Source.RequestFunction>();
expectTypeOf<Declared.SdkErrorCode>().toEqualTypeOf<Source.SdkErrorCode>();
expectTypeOf<Declared.Session>().toEqualTypeOf<Source.Session>();
expectTypeOf<Declared.TransportRequest>().toEqualTypeOf<Source.TransportRequest>();
expectTypeOf<Declared.TransportResponse>().toEqualTypeOf<Source.TransportResponse>();
expectTypeOf<Declared.WecomAuth>().toEqualTypeOf<Source.WecomAuth>();
expectTypeOf<Declared.WecomAuthError>().toEqualTypeOf<Source.WecomAuthError>();
expectTypeOf<Declared.WecomAuthErrorCode>().toEqualTypeOf<Source.WecomAuthErrorCode>();
expectTypeOf<Declared.WecomAuthErrorDetails>().toEqualTypeOf<Source.WecomAuthErrorDetails>();
expectTypeOf<Declared.WecomCause>().toEqualTypeOf<Source.WecomCause>();
expectTypeOf<Declared.WxCallbacks<string>>().toEqualTypeOf<Source.WxCallbacks<string>>();
expectTypeOf<Declared.WxEncryptedResult>().toEqualTypeOf<Source.WxEncryptedResult>();
expectTypeOf<Declared.WxFailure>().toEqualTypeOf<Source.WxFailure>();
expectTypeOf<Declared.WxLike>().toEqualTypeOf<Source.WxLike>();
expectTypeOf<Declared.WxQy>().toEqualTypeOf<Source.WxQy>();
expectTypeOf<Declared.WxRequestOptions>().toEqualTypeOf<Source.WxRequestOptions>();
expectTypeOf<Declared.WxRequestSuccess>().toEqualTypeOf<Source.WxRequestSuccess>();

// The gateway's codes are the catalog's, no more and no fewer.
expectTypeOf<Declared.GatewayErrorCode>().toEqualTypeOf<CatalogCode>();
