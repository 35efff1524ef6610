import { createMemoryAccessTokenStore } from '@wecom-auth/api';
import { LocalChangeHub } from '../local-change-hub.js';
import type { Store } from '../ports.js';
import { withLockTtlCheck } from './memory-access-token-store.js';
import { createMemoryCacheStore } from './memory-cache-store.js';
import { createMemoryEventInbox } from './memory-event-inbox.js';
import { createMemorySecurityEventLog } from './memory-security-event-log.js';
import { createMemorySessionStore } from './memory-session-store.js';
import { createMemorySigningKeyStore } from './memory-signing-key-store.js';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** The clock, in epoch milliseconds (default `Date.now`); tests inject their own. */
  readonly now?: () => number;
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
  const hub = new LocalChangeHub();
  return {
    kind: 'memory',
    accessTokens: withLockTtlCheck(createMemoryAccessTokenStore({ now })),
    sessions: createMemorySessionStore(now, hub),
    cache: createMemoryCacheStore(now),
    signingKeys: createMemorySigningKeyStore(),
    inbox: createMemoryEventInbox(),
    events: createMemorySecurityEventLog(),
    async ping() {},
    async close() {},
  };
}
