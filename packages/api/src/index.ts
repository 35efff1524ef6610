export {
  AccessTokenManager,
  type AccessTokenManagerOptions,
  type AccessTokenStatus,
  accessTokenCacheKey,
} from './access-token-manager.js';
export type { AccessTokenLock, AccessTokenRecord, AccessTokenStore } from './access-token-store.js';
export { createMemoryAccessTokenStore } from './access-token-store.js';
export {
  createWecomClient,
  defaultWecomBaseUrl,
  type WecomClient,
  type WecomClientOptions,
} from './client.js';
export { describeErrcode, type ErrcodeClass, type ErrcodeInfo, knownErrcodes } from './errcodes.js';
export {
  accessTokenErrcodes,
  fromErrcode,
  WecomAccessTokenError,
  WecomApiError,
  WecomBusyError,
  WecomConfigError,
  WecomError,
  type WecomErrorCode,
  WecomHttpStatusError,
  WecomInvalidCodeError,
  WecomMalformedResponseError,
  WecomNetworkError,
  WecomRateLimitError,
  WecomTimeoutError,
} from './errors.js';
export { silentLogger, type WecomLogger } from './logger.js';
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
  createUndiciTransport,
  type Transport,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';
export type * from './types.js';
