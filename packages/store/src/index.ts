export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { type OpenStoreConfig, openStore } from './open-store.js';
export type {
  CacheStore,
  EventInbox,
  InboxEvent,
  LoginRetryClaim,
  LoginRetryStore,
  RevocationEntry,
  RevokeReason,
  RotateResult,
  RotationRepeat,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  SigningKeyStore,
  Store,
  UserSessionsBound,
} from './ports.js';
export { StoreUnavailableError } from './ports.js';
export { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { APPLIED_EVENT_RETENTION_MS } from './retention.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
