import { createMemoryAccessTokenStore } from '@wecom-auth/api';
import { assertPositiveMs } from '../input-validation.js';
import { LocalChangeHub } from '../local-change-hub.js';
import type { Store } from '../ports.js';
import { INSTALL_TOMBSTONE_RETENTION_MS } from '../retention.js';
import { withLockTtlCheck } from './memory-access-token-store.js';
import { createMemoryCacheStore } from './memory-cache-store.js';
import { createMemoryEventInbox } from './memory-event-inbox.js';
import { createMemoryLoginRetryStore } from './memory-login-retry-store.js';
import { createMemorySecurityEventLog } from './memory-security-event-log.js';
import { createMemorySessionStore } from './memory-session-store.js';
import { createMemorySigningKeyStore } from './memory-signing-key-store.js';
import { createMemorySuiteStore } from './memory-suite-store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** The clock, in epoch milliseconds (default `Date.now`); tests inject their own. */
  readonly now?: () => number;
  /**
   * How long an uninstall's tombstone keeps older install events out (default
   * {@link INSTALL_TOMBSTONE_RETENTION_MS}, 30 days).
   */
  readonly installTombstoneRetentionMs?: number;
}

/**
 * A {@link Store} held in this process's memory: for tests and single short-lived runs. Everything is lost when
 * the process ends.
 *
 * @example
 * const store = createMemoryStore();
 * await store.cache.set('dept:1', { name: 'R&D' }, 60_000);
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const tombstoneRetentionMs = options.installTombstoneRetentionMs ?? INSTALL_TOMBSTONE_RETENTION_MS;
  assertPositiveMs('createMemoryStore: installTombstoneRetentionMs', tombstoneRetentionMs);
  const hub = new LocalChangeHub();
  return {
    kind: 'memory',
    accessTokens: withLockTtlCheck(createMemoryAccessTokenStore({ now })),
    sessions: createMemorySessionStore(now, hub),
    loginRetries: createMemoryLoginRetryStore(now),
    cache: createMemoryCacheStore(now),
    signingKeys: createMemorySigningKeyStore(),
    inbox: createMemoryEventInbox(),
    suites: createMemorySuiteStore(now, hub, tombstoneRetentionMs),
    events: createMemorySecurityEventLog(),
    async ping() {},
    async close() {},
  };
}
