export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { type OpenStoreConfig, openStore } from './open-store.js';
export type {
  CacheStore,
  EventInbox,
  InboxEvent,
  RevocationEntry,
  RevokeReason,
  RotateResult,
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
export {
  SECURITY_EVENT_PAGE_LIMIT,
  type SecurityEventInput,
  type SecurityEventLog,
  type SecurityEventPage,
  type SecurityEventQuery,
  type SecurityEventRetention,
  type StoredSecurityEvent,
} from './security-event-log.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
