import { assertPositiveInteger, assertRotationRepeat } from '../input-validation.js';
import type { LocalChangeHub } from '../local-change-hub.js';
import type {
  RevocationEntry,
  RevokeReason,
  SessionRecord,
  SessionStore,
  UserSessionsBound,
} from '../ports.js';
import { decideRotation, type KeptRepeat } from '../rotation.js';

/** Whether a change of `corpId`'s `userId` bounded by `bound` reaches `session`. */
function reaches(session: SessionRecord, corpId: string, userId: string, bound: UserSessionsBound): boolean {
  if (session.corpId !== corpId || session.userId !== userId) return false;
  return bound.createdBefore === undefined || session.createdAt < bound.createdBefore;
}

/** The session port of the memory store: revocations are published on the store's `hub`. */
export function createMemorySessionStore(now: () => number, hub: LocalChangeHub): SessionStore {
  const sessions = new Map<string, SessionRecord>();
  // Every refresh hash a session ever had, current and earlier, so that a reuse is recognised.
  const sessionIdByHash = new Map<string, string>();
  const revocations = new Map<string, RevocationEntry>();
  // The repeat kept by each session's latest rotation, with its sealed answer.
  const repeats = new Map<string, KeptRepeat & { readonly answer: string }>();

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
    // A refresh's hint (RefreshHashHint) is not used: a hash is one map lookup from its session.
    async findByRefreshHash(hash) {
      const id = sessionIdByHash.get(hash);
      return id === undefined ? undefined : sessions.get(id);
    },
    async rotate(presentedHash, next) {
      assertRotationRepeat(next.repeat);
      const id = sessionIdByHash.get(presentedHash);
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session) return { outcome: 'unknown' };
      const at = now();
      const repeat = repeats.get(session.id);
      if (repeat && repeat.until <= at) repeats.delete(session.id);
      switch (decideRotation(session, presentedHash, at, repeat)) {
        case 'repeat':
          return { outcome: 'repeated', session, answer: repeat?.answer ?? '' };
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
          if (next.repeat) repeats.set(session.id, { replacedHash: presentedHash, ...next.repeat });
          else repeats.delete(session.id);
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
    async revokeUser(corpId, userId, reason, at, bound = {}) {
      const ids: string[] = [];
      const current = now();
      for (const session of [...sessions.values()]) {
        if (!reaches(session, corpId, userId, bound)) continue;
        if (session.revokedAt !== undefined || session.expiresAt <= current) continue;
        revokeRecord(session, reason, at);
        ids.push(session.id);
      }
      return ids;
    },
    async revokeCorp(corpId, reason, at) {
      let revoked = 0;
      const current = now();
      for (const session of [...sessions.values()]) {
        if (session.corpId !== corpId || session.revokedAt !== undefined || session.expiresAt <= current)
          continue;
        revokeRecord(session, reason, at);
        revoked += 1;
      }
      return revoked;
    },
    async renameUser(corpId, fromUserId, toUserId, bound = {}) {
      let moved = 0;
      for (const session of [...sessions.values()]) {
        if (!reaches(session, corpId, fromUserId, bound)) continue;
        sessions.set(session.id, { ...session, userId: toUserId });
        moved += 1;
      }
      return moved;
    },
    async listUser(corpId, userId) {
      const current = now();
      return [...sessions.values()]
        .filter(
          (session) =>
            session.corpId === corpId &&
            session.userId === userId &&
            session.revokedAt === undefined &&
            session.expiresAt > current,
        )
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    async setSessionKey(id, sessionKeyCiphertext) {
      const session = sessions.get(id);
      if (session) sessions.set(id, { ...session, sessionKeyCiphertext });
    },
    async replaceSessionKey(id, expected, next) {
      const session = sessions.get(id);
      if (session?.sessionKeyCiphertext !== expected) return false;
      sessions.set(id, { ...session, sessionKeyCiphertext: next });
      return true;
    },
    async scan(cursor, limit) {
      assertPositiveInteger('sessions.scan: limit', limit);
      // By id, so that a cursor (the last id returned) stays meaningful while sessions come and go.
      const ids = [...sessions.keys()].filter((id) => cursor === undefined || id > cursor).sort();
      const page = ids.slice(0, limit).flatMap((id) => {
        const session = sessions.get(id);
        return session ? [session] : [];
      });
      return { sessions: page, cursor: ids.length > limit ? page[page.length - 1]?.id : undefined };
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
        repeats.delete(session.id);
        dropped += 1;
      }
      for (const [hash, id] of [...sessionIdByHash]) if (!sessions.has(id)) sessionIdByHash.delete(hash);
      for (const [id, repeat] of [...repeats]) if (repeat.until <= at) repeats.delete(id);
      return dropped;
    },
  };
}
