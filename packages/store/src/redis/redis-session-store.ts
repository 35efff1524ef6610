import { assertPositiveInteger, assertRotationRepeat } from '../input-validation.js';
import type { RevocationEntry, RevokeReason, RotateResult, SessionRecord, SessionStore } from '../ports.js';
import { EXPIRED_SESSION_GRACE_MS } from '../retention.js';
import type { RedisRun } from './redis-connection.js';
import { toFields } from './redis-replies.js';
import {
  CREATE_SESSION,
  DELETE_EXPIRED,
  RENAME_USER,
  REPLACE_SESSION_KEY,
  REVOKE_CORP,
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
 * sweep) is one Lua script, hence atomic. Sessions are indexed per employee (`u:`) and per corp (`cs:`, for
 * revokeCorp: one SADD more at create and rotate); revocations reach `listeners` through the store's one subscriber.
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
      assertRotationRepeat(next.repeat);
      const at = now();
      const { repeat } = next;
      // Redis drops the repeat itself once its window has closed.
      const repeatArgs = repeat
        ? [repeat.answer, repeat.until, Math.max(1, Math.ceil(repeat.until - at))]
        : ['', 0, 0];
      const reply = await run((redis) =>
        ROTATE_SESSION.run(redis, [
          prefix,
          presentedHash,
          next.refreshTokenHash,
          next.refreshedAt,
          next.expiresAt,
          at,
          ttlUntil(next.expiresAt),
          ...repeatArgs,
        ]),
      );
      const outcome = Array.isArray(reply) ? String(reply[0]) : '';
      if (outcome === 'hash_taken') {
        throw new TypeError('sessions.rotate: the next refresh token hash is in use already');
      }
      const fields = toFields(reply, 1);
      const session = toSession(fields);
      if (!session) return { outcome: 'unknown' };
      switch (outcome) {
        case 'repeated':
          return { outcome, session, answer: fields.repeatAnswer ?? '' };
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
    async revokeCorp(corpId, reason, at) {
      return Number(await run((redis) => REVOKE_CORP.run(redis, [prefix, corpId, reason, at, now()])));
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
    async replaceSessionKey(id, expected, next) {
      return (await run((redis) => REPLACE_SESSION_KEY.run(redis, [prefix, id, expected, next]))) === 1;
    },
    async scan(cursor, limit) {
      assertPositiveInteger('sessions.scan: limit', limit);
      // Every session is in `sexp` until it is dropped; ZSCAN walks it without blocking Redis, at the price of
      // returning a member twice when the set is rehashed meanwhile.
      const [next, members] = await run((redis) =>
        redis.zscan(`${prefix}sexp`, cursor ?? '0', 'COUNT', limit),
      );
      const ids = members.filter((_, index) => index % 2 === 0);
      const replies =
        ids.length === 0
          ? []
          : await run(async (redis) => {
              const pipeline = redis.pipeline();
              for (const id of ids) pipeline.hgetall(`${prefix}s:${id}`);
              return (await pipeline.exec()) ?? [];
            });
      const sessions = replies.flatMap(([error, fields]) => {
        if (error) throw error;
        const session = toSession(fields as Record<string, string>);
        return session ? [session] : [];
      });
      return { sessions, cursor: next === '0' ? undefined : next };
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
