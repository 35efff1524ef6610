export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { type OpenStoreConfig, openStore } from './open-store.js';
export type {
  CacheStore,
  EventInbox,
  InboxEvent,
  LoginRetryClaim,
  LoginRetryStore,
  RefreshHashHint,
  RevocationEntry,
  RevokeReason,
  RotateResult,
  RotationRepeat,
  SessionPage,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  SigningKeyStore,
  Store,
  SuiteInstallChange,
  SuiteInstallRecord,
  SuiteStore,
  SuiteTicketRecord,
  UserSessionsBound,
} from './ports.js';
export { MAX_INSTALL_PAGE, StoreUnavailableError } from './ports.js';
export type { RedisNodeAddress } from './redis/redis-connection.js';
export {
  createRedisStore,
  type RedisClusterOptions,
  type RedisReplicationWait,
  type RedisSentinelOptions,
  type RedisStoreOptions,
} from './redis/redis-store.js';
export { APPLIED_EVENT_RETENTION_MS, INSTALL_TOMBSTONE_RETENTION_MS } from './retention.js';
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
