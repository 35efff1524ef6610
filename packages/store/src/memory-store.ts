import { type AccessTokenStore, createMemoryAccessTokenStore } from '@wecom-auth/api';
import { assertPositiveInteger, assertPositiveMs, toCacheJson } from './input-validation.js';
import { LocalChangeHub } from './local-change-hub.js';
import type {
  CacheStore,
  EventInbox,
  InboxEvent,
  RevocationEntry,
  RevokeReason,
  SessionRecord,
  SessionStore,
  SigningKeyRecord,
  SigningKeyStore,
  Store,
} from './ports.js';
import { decideRotation } from './rotation.js';

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
    cache: createMemoryCache(now),
    signingKeys: createMemorySigningKeys(),
    inbox: createMemoryInbox(),
    async ping() {},
    async close() {},
  };
}

/** The reference store takes any TTL; the adapters all refuse a TTL that would make the lock meaningless. */
function withLockTtlCheck(tokens: AccessTokenStore): AccessTokenStore {
  return {
    get: (key) => tokens.get(key),
    putIfNewer: (key, record) => tokens.putIfNewer(key, record),
    deleteIfToken: (key, token) => tokens.deleteIfToken(key, token),
    async tryLock(key, ttlMs) {
      assertPositiveMs('accessTokens.tryLock: ttlMs', ttlMs);
      return tokens.tryLock(key, ttlMs);
    },
    waitForChange: (key, timeoutMs) => tokens.waitForChange(key, timeoutMs),
  };
}

function createMemorySessionStore(now: () => number, hub: LocalChangeHub): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  // Every refresh hash a session ever had, current and earlier, so that a reuse is recognised.
  const sessionIdByHash = new Map<string, string>();
  const revocations = new Map<string, RevocationEntry>();

  const revokeRecord = (session: SessionRecord, reason: RevokeReason, at: number): SessionRecord => {
    const revoked: SessionRecord = { ...session, revokedAt: at, revokeReason: reason };
    sessions.set(session.id, revoked);
    const entry: RevocationEntry = { sessionId: session.id, revokedAt: at, expiresAt: session.expiresAt };
    revocations.set(session.id, entry);
    hub.publishRevocation(entry);
    return revoked;
  };

  return {
    async create(record) {
      if (sessions.has(record.id))
        throw new TypeError('sessions.create: a session with this id exists already');
      if (sessionIdByHash.has(record.refreshTokenHash)) {
        throw new TypeError('sessions.create: this refresh token hash is in use already');
      }
      sessions.set(record.id, { ...record });
      sessionIdByHash.set(record.refreshTokenHash, record.id);
    },
    async get(id) {
      return sessions.get(id);
    },
    async findByRefreshHash(hash) {
      const id = sessionIdByHash.get(hash);
      return id === undefined ? undefined : sessions.get(id);
    },
    async rotate(presentedHash, next) {
      const id = sessionIdByHash.get(presentedHash);
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return { outcome: 'unknown' };
      switch (decideRotation(session, presentedHash, now())) {
        case 'revoked':
          return { outcome: 'revoked', session };
        case 'expired':
          return { outcome: 'expired', session };
        case 'reuse':
          return { outcome: 'reused', session: revokeRecord(session, 'refresh_token_reuse', now()) };
        case 'rotate': {
          if (sessionIdByHash.has(next.refreshTokenHash)) {
            throw new TypeError('sessions.rotate: the next refresh token hash is in use already');
          }
          const rotated: SessionRecord = {
            ...session,
            refreshTokenHash: next.refreshTokenHash,
            refreshedAt: next.refreshedAt,
            expiresAt: next.expiresAt,
          };
          sessions.set(session.id, rotated);
          sessionIdByHash.set(next.refreshTokenHash, session.id);
          return { outcome: 'rotated', session: rotated };
        }
      }
    },
    async revoke(id, reason, at) {
      const session = sessions.get(id);
      if (!session || session.revokedAt !== undefined) return false;
      revokeRecord(session, reason, at);
      return true;
    },
    async revokeUser(corpId, userId, reason, at) {
      const ids: string[] = [];
      const current = now();
      for (const session of [...sessions.values()]) {
        if (session.corpId !== corpId || session.userId !== userId) continue;
        if (session.revokedAt !== undefined || session.expiresAt <= current) continue;
        revokeRecord(session, reason, at);
        ids.push(session.id);
      }
      return ids;
    },
    async renameUser(corpId, fromUserId, toUserId) {
      let moved = 0;
      for (const session of [...sessions.values()]) {
        if (session.corpId !== corpId || session.userId !== fromUserId) continue;
        sessions.set(session.id, { ...session, userId: toUserId });
        moved += 1;
      }
      return moved;
    },
    async setSessionKey(id, sessionKeyCiphertext) {
      const session = sessions.get(id);
      if (session) sessions.set(id, { ...session, sessionKeyCiphertext });
    },
    async listRevocations(since) {
      const current = now();
      return [...revocations.values()]
        .filter((entry) => entry.revokedAt >= since && entry.expiresAt > current)
        .sort((a, b) => a.revokedAt - b.revokedAt);
    },
    async subscribeRevocations(listener) {
      const unsubscribe = hub.subscribeRevocations(listener);
      return async () => unsubscribe();
    },
    async deleteExpired(at) {
      let dropped = 0;
      for (const session of [...sessions.values()]) {
        if (session.expiresAt >= at) continue;
        sessions.delete(session.id);
        revocations.delete(session.id);
        dropped += 1;
      }
      for (const [hash, id] of [...sessionIdByHash]) if (!sessions.has(id)) sessionIdByHash.delete(hash);
      return dropped;
    },
  };
}

function createMemoryCache(now: () => number): CacheStore {
  // Values are kept as JSON so that callers get a copy, exactly as from the other adapters.
  const entries = new Map<string, { readonly json: string; readonly expiresAt: number }>();
  return {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return JSON.parse(entry.json) as T;
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      entries.set(key, { json: toCacheJson(value), expiresAt: now() + ttlMs });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

function createMemorySigningKeys(): SigningKeyStore {
  const keys = new Map<string, SigningKeyRecord>();
  const newestFirst = (): SigningKeyRecord[] => [...keys.values()].sort((a, b) => b.createdAt - a.createdAt);
  return {
    async list() {
      return newestFirst();
    },
    async ensureActive(candidate) {
      const active = newestFirst().find((key) => key.retiredAt === undefined);
      if (active) return active;
      keys.set(candidate.kid, candidate);
      return candidate;
    },
    async rotate(next, at) {
      for (const key of [...keys.values()]) {
        if (key.retiredAt === undefined) keys.set(key.kid, { ...key, retiredAt: at });
      }
      keys.set(next.kid, next);
    },
    async prune(before) {
      let removed = 0;
      for (const key of [...keys.values()]) {
        if (key.retiredAt !== undefined && key.retiredAt < before) {
          keys.delete(key.kid);
          removed += 1;
        }
      }
      return removed;
    },
  };
}

function createMemoryInbox(): EventInbox {
  // A Map keeps insertion order, which breaks ties between events received in the same millisecond.
  const events = new Map<string, InboxEvent>();
  return {
    async record(event) {
      if (events.has(event.id)) return false;
      events.set(event.id, { id: event.id, payload: event.payload, receivedAt: event.receivedAt });
      return true;
    },
    async markApplied(id, at) {
      const event = events.get(id);
      if (event && event.appliedAt === undefined) events.set(id, { ...event, appliedAt: at });
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return [...events.values()]
        .filter((event) => event.appliedAt === undefined)
        .sort((a, b) => a.receivedAt - b.receivedAt)
        .slice(0, limit);
    },
  };
}
