import { assertPositiveInteger, assertRotationRepeat } from '../input-validation.js';
import type { RevocationEntry, RevokeReason, RotateResult, SessionRecord, SessionStore } from '../ports.js';
import { EXPIRED_SESSION_GRACE_MS } from '../retention.js';
import type { RedisClient } from './redis-connection.js';
import type { RedisStoreContext } from './redis-context.js';
import { toFields } from './redis-replies.js';
import {
  ANNOUNCE_REVOCATION,
  CREATE_SESSION,
  DROP_EXPIRED_SESSION,
  INDEX_ADD,
  MARK_INDEXED,
  MOVE_SESSION_OWNER,
  PRUNE_REVOCATIONS,
  REPLACE_SESSION_KEY,
  REVOKE_SESSION,
  ROTATE_SESSION,
  SET_SESSION_KEY,
} from './redis-scripts.js';
import type { RevocationListener } from './redis-subscriber.js';

/** How many expired sessions one step of the sweep takes on, so that no single reply or script holds Redis long. */
const SWEEP_BATCH = 500;

/**
 * How much longer than the session a rotation makes its employee's and corp's indexes live. A session renewed all day
 * (≈ 30 refreshes) then extends them about once a day instead of at every refresh: two scripts on up to two other
 * Cluster nodes, one of them a `SADD` into the corp's set of every session, whose cost grows with that set.
 */
const INDEX_SLACK_MS = 24 * 60 * 60 * 1000;

/**
 * How far within what the indexes were extended to a renewal must stay to write none: room for the clocks of
 * instances that disagree by seconds, and for the time between reading the clock and Redis running the command.
 */
const INDEX_MARGIN_MS = 60 * 60 * 1000;

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

/** A script reply `{ status, value? }` as strings. */
function statusOf(reply: unknown): readonly [string, string | undefined] {
  if (!Array.isArray(reply)) return ['', undefined];
  return [String(reply[0]), reply[1] === undefined ? undefined : String(reply[1])];
}

/**
 * The session port of the Redis store. Each script touches one session's own keys (its hash and its rotation
 * repeat, one slot); the indexes around a session live in keys of their own, each in the slot its name gives, and
 * are written beside the script, so that the same code runs on one Redis and on a Cluster:
 *
 * - a refresh hash (`rh:`) is claimed with `SET NX` before the session is created or rotated to it, so that a hash
 *   in use is refused before anything changed, and a stop half-way leaves only a key for a token nobody was given;
 * - the employee and corp indexes and the expiry index are written with the session, and every use of an index
 *   checks the session it names (an entry for a session that is gone, or that moved to another employee, is
 *   dropped, never acted on), so an index may run ahead of the sessions but never makes one act for another;
 * - a revocation is decided by the script on the session itself (concurrent rotations still agree: exactly one
 *   sees a hash as current) and then recorded in `rev` and announced; a client presenting a token of a revoked
 *   session has the revocation announced again, so an announcement lost to a stop is made good.
 */
export function createRedisSessionStore(
  context: RedisStoreContext,
  subscribe: () => Promise<void>,
  listeners: Set<RevocationListener>,
): SessionStore {
  const { keys, run, now, replicate } = context;
  // Sessions outlive their refresh lifetime by a grace period (see EXPIRED_SESSION_GRACE_MS).
  const ttlUntil = (expiresAt: number): number =>
    Math.max(1, Math.ceil(expiresAt - now())) + EXPIRED_SESSION_GRACE_MS;
  const sessionKeys = (id: string): string[] => [keys.session(id), keys.rotationRepeat(id)];

  const announce = (redis: RedisClient, id: string, revokedAt: number | string, expiresAt: number | string) =>
    ANNOUNCE_REVOCATION.run(
      redis,
      [keys.revocations, keys.revocationExpiry],
      [keys.revocationsChannel, revokedAt, expiresAt, id],
    );

  /** Revokes the sessions `ids` lists (each checked against `owner`), announces them, and returns what each became. */
  const revokeListed = async (
    ids: readonly string[],
    reason: string,
    at: number,
    owner: readonly [field: string, value: string],
    options: { readonly onlyLive: boolean; readonly createdBefore: number | '' },
  ): Promise<{ revoked: string[]; gone: string[]; foreign: string[] }> => {
    const revoked: string[] = [];
    const gone: string[] = [];
    const foreign: string[] = [];
    await run(async (redis) => {
      await Promise.all(
        ids.map(async (id) => {
          const [status, expiresAt] = statusOf(
            await REVOKE_SESSION.run(
              redis,
              [keys.session(id)],
              [reason, at, owner[0], owner[1], options.onlyLive ? now() : '', options.createdBefore],
            ),
          );
          if (status === 'revoked' && expiresAt !== undefined) {
            await announce(redis, id, at, expiresAt);
            revoked.push(id);
          } else if (status === 'gone') {
            gone.push(id);
          } else if (status === 'foreign') {
            foreign.push(id);
          }
        }),
      );
    });
    if (revoked.length > 0) {
      await replicate();
    }
    return { revoked, gone, foreign };
  };

  /**
   * Revocations recorded by a release that kept no expiry index are indexed once per store (a ZSCAN in batches,
   * outside any script), so that the sweep finds them too; later ones are indexed as they are recorded.
   */
  let revocationExpiriesIndexed = false;
  const indexRevocationExpiries = async (): Promise<void> => {
    if (revocationExpiriesIndexed) return;
    const [recorded, indexed] = await run((redis) =>
      Promise.all([redis.zcard(keys.revocations), redis.zcard(keys.revocationExpiry)]),
    );
    let cursor = '0';
    while (recorded > indexed) {
      const [next, page] = await run((redis) => redis.zscan(keys.revocations, cursor, 'COUNT', SWEEP_BATCH));
      const scored: (string | number)[] = [];
      for (let index = 0; index < page.length; index += 2) {
        const member = page[index] ?? '';
        const expiresAt = Number(member.slice(0, member.indexOf(':')));
        if (Number.isFinite(expiresAt)) scored.push(expiresAt, member);
      }
      if (scored.length > 0) await run((redis) => redis.zadd(keys.revocationExpiry, ...scored));
      cursor = next;
      if (cursor === '0') break;
    }
    revocationExpiriesIndexed = true;
  };

  const readSessions = (ids: readonly string[]): Promise<(SessionRecord | undefined)[]> =>
    ids.length === 0
      ? Promise.resolve([])
      : run((redis) => Promise.all(ids.map(async (id) => toSession(await redis.hgetall(keys.session(id))))));

  return {
    async create(record) {
      const sessionKey = keys.session(record.id);
      const hashKey = keys.refreshHash(record.refreshTokenHash);
      const employeeKey = keys.employeeSessions(record.corpId, record.userId);
      const corpKey = keys.corpSessions(record.corpId);
      const ttl = ttlUntil(record.expiresAt);
      // One round trip: the session, its refresh hash and its indexes are written side by side. The indexes are
      // extended a day past the session, as a rotation does: should one of them fail, the login fails, and nobody
      // holds the new session's refresh token.
      const [created, claimed] = await run((redis) =>
        Promise.all([
          CREATE_SESSION.run(
            redis,
            [sessionKey],
            [
              record.id,
              employeeKey,
              record.corpId,
              record.userId,
              record.refreshTokenHash,
              record.sessionKeyCiphertext,
              record.createdAt,
              record.refreshedAt,
              record.expiresAt,
              ttl,
              record.revokedAt ?? '',
              record.revokeReason ?? '',
              record.userAgent ?? '',
              record.clientIp ?? '',
              record.expiresAt + INDEX_SLACK_MS,
            ],
          ),
          redis.set(hashKey, record.id, 'PX', ttl, 'NX'),
          INDEX_ADD.run(redis, [employeeKey], [record.id, ttl + INDEX_SLACK_MS]),
          INDEX_ADD.run(redis, [corpKey], [record.id, ttl + INDEX_SLACK_MS]),
          redis.zadd(keys.sessionExpiry, record.expiresAt, record.id),
        ]),
      );
      if (created === 'id_taken') {
        // The hash was claimed for an id that is another session's: left, it would be taken for that session's.
        if (claimed === 'OK') await run((redis) => redis.del(hashKey));
        throw new TypeError('sessions.create: a session with this id exists already');
      }
      if (claimed !== 'OK') {
        await run((redis) => redis.del(sessionKey));
        throw new TypeError('sessions.create: this refresh token hash is in use already');
      }
      await replicate();
    },
    async get(id) {
      return toSession(await run((redis) => redis.hgetall(keys.session(id))));
    },
    // A refresh's hint (RefreshHashHint) is not used. The hash's key is one GET of memory, at a million sessions as
    // at ten thousand, and the rotation script must reach the session through the presented hash, never through
    // the session a client names (the script takes any earlier hash of that session for a reuse, and revokes it).
    async findByRefreshHash(hash) {
      const id = await run((redis) => redis.get(keys.refreshHash(hash)));
      return id === null ? undefined : toSession(await run((redis) => redis.hgetall(keys.session(id))));
    },
    async rotate(presentedHash, next): Promise<RotateResult> {
      assertRotationRepeat(next.repeat);
      const at = now();
      const id = await run((redis) => redis.get(keys.refreshHash(presentedHash)));
      if (id === null) return { outcome: 'unknown' };
      const nextKey = keys.refreshHash(next.refreshTokenHash);
      const ttl = ttlUntil(next.expiresAt);
      if ((await run((redis) => redis.set(nextKey, id, 'PX', ttl, 'NX'))) !== 'OK') {
        throw new TypeError('sessions.rotate: the next refresh token hash is in use already');
      }
      const { repeat } = next;
      // Redis drops the repeat itself once its window has closed.
      const repeatArgs = repeat
        ? [repeat.answer, repeat.until, Math.max(1, Math.ceil(repeat.until - at))]
        : ['', 0, 0];
      const reply = await run((redis) =>
        ROTATE_SESSION.run(redis, sessionKeys(id), [
          presentedHash,
          next.refreshTokenHash,
          next.refreshedAt,
          next.expiresAt,
          at,
          ttl,
          ...repeatArgs,
        ]),
      );
      const outcome = Array.isArray(reply) ? String(reply[0]) : '';
      const fields = toFields(reply, 1);
      const session = toSession(fields);
      if (outcome !== 'rotated') {
        // The claimed hash belongs to a token that is never handed out; dropping it is tidiness, not safety.
        await run((redis) => redis.del(nextKey)).catch(() => {});
      }
      if (!session) return { outcome: 'unknown' };
      switch (outcome) {
        case 'rotated': {
          // The indexes must outlive the session they list. They are extended with a day to spare, and the session
          // records until when (`indexedUntil`: written with the session, or once both were extended, and cleared
          // when a rename moves it): a renewal that stays within that time writes no index. SADD also indexes a
          // session created by a release that kept no per-corp index (it has no `indexedUntil`). The expiry index
          // keeps the score of the session's creation: the sweep, finding it still live then, re-scores it; so a
          // rotation writes no sorted set either, whose cost grows with its size.
          const indexedUntil = Number(fields.indexedUntil);
          if (!(indexedUntil >= next.expiresAt + INDEX_MARGIN_MS)) {
            const corpKey = keys.corpSessions(session.corpId);
            const employeeKey = fields.userKey;
            const indexTtl = ttl + INDEX_SLACK_MS;
            await run((redis) =>
              Promise.all([
                employeeKey === undefined ? undefined : INDEX_ADD.run(redis, [employeeKey], [id, indexTtl]),
                INDEX_ADD.run(redis, [corpKey], [id, indexTtl]),
              ]),
            );
            if (employeeKey !== undefined) {
              await run((redis) =>
                MARK_INDEXED.run(redis, [keys.session(id)], [employeeKey, next.expiresAt + INDEX_SLACK_MS]),
              );
            }
          }
          await replicate();
          return { outcome, session };
        }
        case 'reused':
        case 'revoked':
          // A reuse revoked the session just now; a revoked one is announced again, in case its announcement was
          // lost (a stop between the revocation and it): announcing twice changes nothing.
          if (session.revokedAt !== undefined) {
            await run((redis) => announce(redis, id, session.revokedAt ?? at, session.expiresAt));
            if (outcome === 'reused') await replicate();
          }
          return { outcome, session };
        case 'repeated':
          return { outcome, session, answer: fields.repeatAnswer ?? '' };
        case 'expired':
          return { outcome, session };
        default:
          return { outcome: 'unknown' };
      }
    },
    async revoke(id, reason, at) {
      const { revoked } = await revokeListed([id], reason, at, ['', ''], {
        onlyLive: false,
        createdBefore: '',
      });
      return revoked.length === 1;
    },
    async revokeUser(corpId, userId, reason, at, bound = {}) {
      const employeeKey = keys.employeeSessions(corpId, userId);
      const ids = await run((redis) => redis.smembers(employeeKey));
      const { revoked, gone, foreign } = await revokeListed(ids, reason, at, ['userKey', employeeKey], {
        onlyLive: true,
        createdBefore: bound.createdBefore ?? '',
      });
      const stale = [...gone, ...foreign];
      if (stale.length > 0) await run((redis) => redis.srem(employeeKey, ...stale));
      return revoked;
    },
    async revokeCorp(corpId, reason, at) {
      const corpKey = keys.corpSessions(corpId);
      const ids = await run((redis) => redis.smembers(corpKey));
      const { revoked } = await revokeListed(ids, reason, at, ['corpId', corpId], {
        onlyLive: true,
        createdBefore: '',
      });
      // Every member leaves the corp's index: each is gone, expired, revoked before, or revoked now, and none of
      // these can be revoked (again) later. Only the members read are removed: one added meanwhile stays.
      if (ids.length > 0) await run((redis) => redis.srem(corpKey, ...ids));
      return revoked.length;
    },
    async renameUser(corpId, fromUserId, toUserId, bound = {}) {
      const fromKey = keys.employeeSessions(corpId, fromUserId);
      const toKey = keys.employeeSessions(corpId, toUserId);
      const before = bound.createdBefore ?? '';
      const ids = await run((redis) => redis.smembers(fromKey));
      let moved = 0;
      await run((redis) =>
        Promise.all(
          ids.map(async (id) => {
            const [status, ttl] = statusOf(
              await MOVE_SESSION_OWNER.run(redis, [keys.session(id)], [fromKey, toKey, toUserId, before]),
            );
            if (status === 'moved' && ttl !== undefined) {
              // Into the new index before out of the old one: a stop in between leaves it in both, and the old
              // index's entry is then seen as another employee's and dropped.
              await INDEX_ADD.run(redis, [toKey], [id, ttl]);
              if (fromKey !== toKey) await redis.srem(fromKey, id);
              moved += 1;
            } else if (status === 'gone' || status === 'foreign') {
              await redis.srem(fromKey, id);
            }
          }),
        ),
      );
      if (moved > 0) await replicate();
      return moved;
    },
    async listUser(corpId, userId) {
      const ids = await run((redis) => redis.smembers(keys.employeeSessions(corpId, userId)));
      const records = await readSessions(ids);
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
      await run((redis) => SET_SESSION_KEY.run(redis, [keys.session(id)], [sessionKeyCiphertext]));
    },
    async replaceSessionKey(id, expected, next) {
      return (
        (await run((redis) => REPLACE_SESSION_KEY.run(redis, [keys.session(id)], [expected, next]))) === 1
      );
    },
    async scan(cursor, limit) {
      assertPositiveInteger('sessions.scan: limit', limit);
      // Every session is in `sexp` until it is dropped; ZSCAN walks it without blocking Redis, at the price of
      // returning a member twice when the set is rehashed meanwhile.
      const [next, members] = await run((redis) =>
        redis.zscan(keys.sessionExpiry, cursor ?? '0', 'COUNT', limit),
      );
      const ids = members.filter((_, index) => index % 2 === 0);
      const sessions = (await readSessions(ids)).filter(
        (session): session is SessionRecord => session !== undefined,
      );
      return { sessions, cursor: next === '0' ? undefined : next };
    },
    async listRevocations(since) {
      const reply = await run((redis) => redis.zrangebyscore(keys.revocations, since, '+inf', 'WITHSCORES'));
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
      let dropped = 0;
      // The expiry index may list a session later than it is (a renewal whose index update is still on its way):
      // each one is looked at, and re-scored instead of dropped while it lives.
      for (;;) {
        const ids = await run((redis) =>
          redis.zrangebyscore(keys.sessionExpiry, '-inf', `(${at}`, 'LIMIT', 0, SWEEP_BATCH),
        );
        if (ids.length === 0) break;
        await run((redis) =>
          Promise.all(
            ids.map(async (id) => {
              const reply = await DROP_EXPIRED_SESSION.run(
                redis,
                [keys.session(id), keys.rotationRepeat(id), keys.legacyRefreshHashes(id)],
                [at],
              );
              const values = Array.isArray(reply) ? reply.map(String) : [];
              if (values[0] === 'live') {
                await redis.zadd(keys.sessionExpiry, Number(values[1]), id);
                return;
              }
              const [, employeeKey = '', corpId = '', ...legacyHashes] = values;
              await Promise.all([
                employeeKey === '' ? undefined : redis.srem(employeeKey, id),
                corpId === '' ? undefined : redis.srem(keys.corpSessions(corpId), id),
                ...legacyHashes.map((hash) => redis.del(keys.refreshHash(hash))),
              ]);
              await redis.zrem(keys.sessionExpiry, id);
              dropped += 1;
            }),
          ),
        );
        if (ids.length < SWEEP_BATCH) break;
      }
      await indexRevocationExpiries();
      const revocationKeys = [keys.revocations, keys.revocationExpiry];
      for (;;) {
        const pruned = Number(
          await run((redis) => PRUNE_REVOCATIONS.run(redis, revocationKeys, [at, SWEEP_BATCH])),
        );
        if (pruned < SWEEP_BATCH) break;
      }
      return dropped;
    },
  };
}
