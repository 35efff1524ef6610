import type { RevocationEntry, RevokeReason, RotateResult, SessionRecord, SessionStore } from '../ports.js';
import { EXPIRED_SESSION_GRACE_MS } from '../retention.js';
import type { RedisRun } from './redis-connection.js';
import { toFields } from './redis-replies.js';
import {
  CREATE_SESSION,
  DELETE_EXPIRED,
  RENAME_USER,
  REVOKE_SESSION,
  REVOKE_USER,
  ROTATE_SESSION,
  SET_SESSION_KEY,
} from './redis-scripts.js';
import type { RevocationListener } from './redis-subscriber.js';

function toSession(fields: Record<string, string>): SessionRecord | undefined {
  const { id, corpId, userId, refreshTokenHash, sessionKeyCiphertext } = fields;
  if (
    id === undefined ||
    corpId === undefined ||
    userId === undefined ||
    refreshTokenHash === undefined ||
    sessionKeyCiphertext === undefined
  ) {
    return undefined;
  }
  const base = {
    id,
    corpId,
    userId,
    refreshTokenHash,
    sessionKeyCiphertext,
    createdAt: Number(fields.createdAt),
    refreshedAt: Number(fields.refreshedAt),
    expiresAt: Number(fields.expiresAt),
    ...(fields.userAgent === undefined ? {} : { userAgent: fields.userAgent }),
    ...(fields.clientIp === undefined ? {} : { clientIp: fields.clientIp }),
  };
  if (fields.revokedAt === undefined) return base;
  return { ...base, revokedAt: Number(fields.revokedAt), revokeReason: fields.revokeReason as RevokeReason };
}

/**
 * The session port of the Redis store: every write that touches more than one key (create, rotate, revoke, rename,
 * sweep) is one Lua script, hence atomic; revocations reach `listeners` through the store's one subscriber.
 */
export function createRedisSessionStore(
  prefix: string,
  now: () => number,
  run: RedisRun,
  subscribe: () => Promise<void>,
  listeners: Set<RevocationListener>,
): SessionStore {
  const userKey = (corpId: string, userId: string): string =>
    `${prefix}u:${encodeURIComponent(corpId)}:${encodeURIComponent(userId)}`;
  // Sessions outlive their refresh lifetime by a grace period (see EXPIRED_SESSION_GRACE_MS).
  const ttlUntil = (expiresAt: number): number =>
    Math.max(1, Math.ceil(expiresAt - now())) + EXPIRED_SESSION_GRACE_MS;

  return {
    async create(record) {
      const reply = await run((redis) =>
        CREATE_SESSION.run(redis, [
          prefix,
          record.id,
          userKey(record.corpId, record.userId),
          record.corpId,
          record.userId,
          record.refreshTokenHash,
          record.sessionKeyCiphertext,
          record.createdAt,
          record.refreshedAt,
          record.expiresAt,
          ttlUntil(record.expiresAt),
          record.revokedAt ?? '',
          record.revokeReason ?? '',
          record.userAgent ?? '',
          record.clientIp ?? '',
        ]),
      );
      if (reply === 'id_taken') throw new TypeError('sessions.create: a session with this id exists already');
      if (reply === 'hash_taken')
        throw new TypeError('sessions.create: this refresh token hash is in use already');
    },
    async get(id) {
      return toSession(await run((redis) => redis.hgetall(`${prefix}s:${id}`)));
    },
    async findByRefreshHash(hash) {
      const id = await run((redis) => redis.get(`${prefix}rh:${hash}`));
      return id === null ? undefined : toSession(await run((redis) => redis.hgetall(`${prefix}s:${id}`)));
    },
    async rotate(presentedHash, next): Promise<RotateResult> {
      const reply = await run((redis) =>
        ROTATE_SESSION.run(redis, [
          prefix,
          presentedHash,
          next.refreshTokenHash,
          next.refreshedAt,
          next.expiresAt,
          now(),
          ttlUntil(next.expiresAt),
        ]),
      );
      const outcome = Array.isArray(reply) ? String(reply[0]) : '';
      if (outcome === 'hash_taken') {
        throw new TypeError('sessions.rotate: the next refresh token hash is in use already');
      }
      const session = toSession(toFields(reply, 1));
      if (!session) return { outcome: 'unknown' };
      switch (outcome) {
        case 'rotated':
        case 'reused':
        case 'revoked':
        case 'expired':
          return { outcome, session };
        default:
          return { outcome: 'unknown' };
      }
    },
    async revoke(id, reason, at) {
      return (await run((redis) => REVOKE_SESSION.run(redis, [prefix, id, reason, at]))) === 1;
    },
    async revokeUser(corpId, userId, reason, at, bound = {}) {
      const before = bound.createdBefore ?? '';
      const reply = await run((redis) =>
        REVOKE_USER.run(redis, [prefix, userKey(corpId, userId), reason, at, now(), before]),
      );
      return Array.isArray(reply) ? reply.map(String) : [];
    },
    async renameUser(corpId, fromUserId, toUserId, bound = {}) {
      const before = bound.createdBefore ?? '';
      const reply = await run((redis) =>
        RENAME_USER.run(redis, [
          prefix,
          userKey(corpId, fromUserId),
          userKey(corpId, toUserId),
          toUserId,
          before,
        ]),
      );
      return Number(reply);
    },
    async listUser(corpId, userId) {
      const records = await run(async (redis) => {
        const ids = await redis.smembers(userKey(corpId, userId));
        if (ids.length === 0) return [];
        const pipeline = redis.pipeline();
        for (const id of ids) pipeline.hgetall(`${prefix}s:${id}`);
        return ((await pipeline.exec()) ?? []).map(([error, fields]) => {
          if (error) throw error;
          return toSession(fields as Record<string, string>);
        });
      });
      const current = now();
      return records
        .filter(
          (session): session is SessionRecord =>
            session !== undefined &&
            session.corpId === corpId &&
            session.userId === userId &&
            session.revokedAt === undefined &&
            session.expiresAt > current,
        )
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    async setSessionKey(id, sessionKeyCiphertext) {
      await run((redis) => SET_SESSION_KEY.run(redis, [prefix, id, sessionKeyCiphertext]));
    },
    async listRevocations(since) {
      const reply = await run((redis) => redis.zrangebyscore(`${prefix}rev`, since, '+inf', 'WITHSCORES'));
      const current = now();
      const entries: RevocationEntry[] = [];
      for (let index = 0; index + 1 < reply.length; index += 2) {
        const member = reply[index] ?? '';
        const separator = member.indexOf(':');
        const expiresAt = Number(member.slice(0, separator));
        if (separator < 0 || !(expiresAt > current)) continue;
        entries.push({
          sessionId: member.slice(separator + 1),
          revokedAt: Number(reply[index + 1]),
          expiresAt,
        });
      }
      return entries;
    },
    async subscribeRevocations(listener, onResync) {
      await subscribe();
      const entry = { onEntry: listener, onResync };
      listeners.add(entry);
      return async () => {
        listeners.delete(entry);
      };
    },
    async deleteExpired(at) {
      return Number(await run((redis) => DELETE_EXPIRED.run(redis, [prefix, at])));
    },
  };
}
