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
 * A third-party (suite) app uses {@link createSuiteClient}: its calls carry the suite token (from
 * {@link suiteTokenGrant}, with the newest ticket of a {@link SuiteTicketSource}), and `corpClient` gives the ordinary
 * client of each installed corp ({@link suiteCorpAuth}). {@link WecomSuiteTicketMissingError} and
 * {@link WecomAuthorizationGoneError} are its own errors.
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
export type { ServiceEndpoints, SuiteSessionInfo } from './endpoints/service.js';
export type { SuiteMiniprogramEndpoints } from './endpoints/suite-miniprogram.js';
export { describeErrcode, type ErrcodeClass, type ErrcodeInfo, knownErrcodes } from './errcodes.js';
export {
  type AnyWecomApiError,
  type AnyWecomError,
  fromErrcode,
  isWecomError,
  WecomAccessTokenError,
  WecomApiError,
  type WecomApiErrorCode,
  WecomAuthorizationGoneError,
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
  type WecomSuiteErrorCode,
  WecomSuiteTicketMissingError,
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
  createSuiteClient,
  type SuiteTokenFetch,
  type WecomSuiteClient,
  type WecomSuiteClientOptions,
  type WecomSuiteClientSettings,
  type WecomSuiteCredentials,
} from './suite-client.js';
export {
  type SuiteCaller,
  type SuiteCorpCredentials,
  suiteCorpAuth,
  suiteCorpGrant,
  suiteCorpTokenCacheKey,
} from './suite-corp-grant.js';
export {
  type SuiteCredentials,
  suiteAccessTokenAttachment,
  suiteTokenCacheKey,
  suiteTokenGrant,
} from './suite-grant.js';
export type { SuiteTicketSource } from './suite-ticket.js';
export type * from './suite-types.js';
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
