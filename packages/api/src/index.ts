/**
 * `@wecom-auth/api`: a typed client of the WeCom server API for one app, with an access-token manager that gets the
 * token right and errors that say what to do.
 *
 * What an application uses: {@link createWecomClient} and its options and types, the errors (narrow with
 * {@link isWecomError} and `error.code`), the errcode table, and the payload types. How a token is obtained and
 * attached is a {@link TokenGrant}, given to the client as an `auth` strategy ({@link corpSecretAuth} for an app
 * secret, the default); a new kind of credential is a new grant. The token-store port
 * ({@link AccessTokenStore} and its record and lock, {@link createMemoryAccessTokenStore}) is what
 * `@wecom-auth/store` implements with SQLite and Redis; {@link accessTokenCacheKey} finds an app's token in such a
 * store. {@link Transport} is the port a custom HTTP transport implements.
 *
 * @packageDocumentation
 */
export type { AccessTokenStatus, WecomAccessToken } from './access-token-manager.js';
export type { AccessTokenLock, AccessTokenRecord, AccessTokenStore } from './access-token-store.js';
export { createMemoryAccessTokenStore } from './access-token-store.js';
export {
  createWecomClient,
  defaultWecomBaseUrl,
  type WecomAuthCredentials,
  type WecomClient,
  type WecomClientOptions,
  type WecomClientSettings,
  type WecomSecretCredentials,
} from './client.js';
export {
  accessTokenCacheKey,
  type CorpSecretCredentials,
  corpSecretAuth,
  corpSecretGrant,
} from './corp-secret-grant.js';
export type { BatchEndpoints, DepartmentEndpoints, UserEndpoints } from './endpoints/contacts.js';
export type { MiniprogramEndpoints } from './endpoints/miniprogram.js';
export { describeErrcode, type ErrcodeClass, type ErrcodeInfo, knownErrcodes } from './errcodes.js';
export {
  type AnyWecomApiError,
  type AnyWecomError,
  fromErrcode,
  isWecomError,
  WecomAccessTokenError,
  WecomApiError,
  type WecomApiErrorCode,
  WecomBusyError,
  WecomConfigError,
  type WecomErrcodeAnswer,
  WecomError,
  type WecomErrorCode,
  WecomHttpStatusError,
  WecomInvalidCodeError,
  WecomMalformedResponseError,
  WecomNetworkError,
  WecomRateLimitError,
  WecomRequestError,
  WecomTimeoutError,
  type WecomTransportErrorCode,
  WecomVisibleRangeError,
} from './errors.js';
export type { WecomLogger } from './logger.js';
export { redactQuery, sensitiveQueryParameters } from './redaction.js';
export type {
  AccessTokenSource,
  ApiRequest,
  RetryOptions,
  WecomCall,
  WecomEnvelope,
  WecomPayload,
} from './request-core.js';
export {
  accessTokenAttachment,
  type GrantedToken,
  type TokenAttachment,
  type TokenGrant,
  type TokenGrantCore,
  type WecomAuthStrategy,
} from './token-grant.js';
export type { Transport, TransportRequest, TransportResponse } from './transport.js';
export type * from './types.js';
