import { randomUUID } from 'node:crypto';
import type { AccessTokenRecord, AccessTokenStore } from '@wecom-auth/api';
import type { Redis, RedisOptions } from 'ioredis';
import { assertPositiveInteger, assertPositiveMs, toCacheJson } from './input-validation.js';
import type {
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
} from './ports.js';
import { StoreUnavailableError } from './ports.js';
import { closeClient, createFailFastClient, whenReady } from './redis-connection.js';
import {
  CREATE_SESSION,
  DELETE_EXPIRED,
  DELETE_IF_TOKEN,
  ENSURE_ACTIVE_KEY,
  MARK_EVENT_APPLIED,
  PRUNE_KEYS,
  PUT_IF_NEWER,
  RECORD_EVENT,
  RELEASE_LOCK,
  RENAME_USER,
  REVOKE_SESSION,
  REVOKE_USER,
  ROTATE_KEYS,
  ROTATE_SESSION,
  SET_SESSION_KEY,
} from './redis-scripts.js';
import { APPLIED_EVENT_RETENTION_MS, EXPIRED_SESSION_GRACE_MS } from './retention.js';

/** Options of {@link createRedisStore}. Set `url`, `redis`, or both (`redis` then adds to what the URL says). */
export interface RedisStoreOptions {
  /** `redis://[:password@]host:port/db` or `rediss://…`. */
  readonly url?: string;
  /** ioredis connection options; the fail-fast settings (offline queue, retries, timeouts) are the store's own. */
  readonly redis?: RedisOptions;
  /** Prepended to every key and channel, so that several deployments can share one Redis (default `wecom-auth:`). */
  readonly keyPrefix?: string;
  /** The clock, in epoch milliseconds (default `Date.now`). Redis TTLs themselves always run on Redis's clock. */
  readonly now?: () => number;
  /** How long any call may take before it rejects with {@link StoreUnavailableError} (default 2000). */
  readonly commandTimeoutMs?: number;
  /** `CLIENT SETNAME` of the connections (default `wecom-auth-store`; the subscriber adds `:sub`). */
  readonly connectionName?: string;
}

type Run = <T>(work: (client: Redis) => Promise<T>) => Promise<T>;

/** Turns a flat `[field, value, …]` reply into an object. */
function toFields(reply: unknown, from = 0): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let index = from; index + 1 < reply.length; index += 2) {
    fields[String(reply[index])] = String(reply[index + 1]);
  }
  return fields;
}

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
  };
  if (fields.revokedAt === undefined) return base;
  return { ...base, revokedAt: Number(fields.revokedAt), revokeReason: fields.revokeReason as RevokeReason };
}

/** Parses `"<revokedAt>:<expiresAt>:<sessionId>"` as published on the revocations channel. */
function parseRevocationMessage(message: string): RevocationEntry | undefined {
  const match = /^([^:]+):([^:]+):(.+)$/s.exec(message);
  if (!match?.[1] || !match[2] || match[3] === undefined) return undefined;
  const revokedAt = Number(match[1]);
  const expiresAt = Number(match[2]);
  if (Number.isNaN(revokedAt) || Number.isNaN(expiresAt)) return undefined;
  return { revokedAt, expiresAt, sessionId: match[3] };
}

/**
 * The subscriber connection of one store, shared by every `waitForChange` and `subscribeRevocations` call.
 * Opened on first use; after a reconnect it resubscribes and tells revocation subscribers to resynchronise,
 * because pub/sub messages sent while it was away are lost.
 */
class RedisSubscriber {
  readonly #open: () => Redis;
  readonly #channels: readonly [string, string];
  readonly #timeoutMs: number;
  readonly #onChange: (key: string) => void;
  readonly #onRevocation: (entry: RevocationEntry) => void;
  readonly #onResync: () => void;
  #client: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  #everSubscribed = false;

  constructor(options: {
    open: () => Redis;
    changesChannel: string;
    revocationsChannel: string;
    timeoutMs: number;
    onChange: (key: string) => void;
    onRevocation: (entry: RevocationEntry) => void;
    onResync: () => void;
  }) {
    this.#open = options.open;
    this.#channels = [options.changesChannel, options.revocationsChannel];
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange;
    this.#onRevocation = options.onRevocation;
    this.#onResync = options.onResync;
  }

  /** Resolves once both channels are subscribed; rejects with {@link StoreUnavailableError} when Redis is away. */
  ensure(): Promise<void> {
    if (!this.#client) {
      const client = this.#open();
      this.#client = client;
      client.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      client.on('close', () => {
        // While the connection is away, callers must learn it (and fail fast) rather than wait on a dead one.
        if (this.#client === client) this.#subscribed = undefined;
      });
      client.on('ready', () => {
        // Until a first subscription succeeded, ensure() does the subscribing; later 'ready's are reconnects.
        if (!this.#everSubscribed || this.#client !== client) return;
        const attempt = this.#subscribe(client);
        this.#subscribed = attempt;
        attempt.then(
          () => this.#onResync(),
          () => {
            if (this.#subscribed === attempt) this.#subscribed = undefined;
          },
        );
      });
    }
    if (!this.#subscribed) {
      const attempt = this.#subscribe(this.#client);
      this.#subscribed = attempt;
      attempt.then(
        () => {
          this.#everSubscribed = true;
        },
        () => {
          if (this.#subscribed === attempt) this.#subscribed = undefined;
        },
      );
    }
    return this.#subscribed;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#subscribed = undefined;
    if (client) await closeClient(client);
  }

  async #subscribe(client: Redis): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await whenReady(client, this.#timeoutMs);
          await client.subscribe(...this.#channels);
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Redis refused the subscription', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  #dispatch(channel: string, message: string): void {
    if (channel === this.#channels[0]) {
      this.#onChange(message);
    } else if (channel === this.#channels[1]) {
      const entry = parseRevocationMessage(message);
      if (entry) this.#onRevocation(entry);
    }
  }
}

/**
 * A {@link Store} in Redis, shared by any number of gateway instances. Multi-key updates (rotation, revocation,
 * compare-and-delete) are Lua scripts, hence atomic; waits and revocations travel over pub/sub on one subscriber
 * connection. When Redis is down every call rejects within `commandTimeoutMs` with
 * {@link StoreUnavailableError}, and the connections come back by themselves.
 *
 * @example
 * const store = createRedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'wecom-auth:prod:' });
 * const lock = await store.accessTokens.tryLock(cacheKey, 10_000);
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  if (options.url === undefined && options.redis === undefined) {
    throw new TypeError('createRedisStore: set url or redis');
  }
  if (options.redis?.keyPrefix !== undefined) {
    throw new TypeError('createRedisStore: set keyPrefix, not redis.keyPrefix');
  }
  const timeoutMs = options.commandTimeoutMs ?? 2_000;
  assertPositiveMs('createRedisStore: commandTimeoutMs', timeoutMs);
  const prefix = options.keyPrefix ?? 'wecom-auth:';
  const now = options.now ?? Date.now;
  const connectionName = options.connectionName ?? 'wecom-auth-store';
  const client = createFailFastClient(options.url, options.redis ?? {}, timeoutMs, connectionName);
  let closed = false;

  const run: Run = async (work) => {
    if (closed) throw new StoreUnavailableError('The Redis store is closed');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([
        (async () => {
          await whenReady(client, timeoutMs);
          return work(client);
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StoreUnavailableError || error instanceof TypeError) throw error;
      throw new StoreUnavailableError('Redis failed', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  const waiters = new Map<string, Set<() => void>>();
  const wake = (key: string): void => {
    const set = waiters.get(key);
    if (!set) return;
    waiters.delete(key);
    for (const resolve of set) resolve();
  };
  const revocationListeners = new Set<{
    readonly onEntry: (entry: RevocationEntry) => void;
    readonly onResync: (() => void) | undefined;
  }>();
  const subscriber = new RedisSubscriber({
    open: () => createFailFastClient(options.url, options.redis ?? {}, timeoutMs, `${connectionName}:sub`),
    changesChannel: `${prefix}changes`,
    revocationsChannel: `${prefix}revocations`,
    timeoutMs,
    onChange: wake,
    onRevocation: (entry) => {
      for (const listener of [...revocationListeners]) {
        try {
          listener.onEntry(entry);
        } catch {
          // One failing listener must not keep the others from learning of the revocation.
        }
      }
    },
    onResync: () => {
      for (const listener of [...revocationListeners]) {
        try {
          listener.onResync?.();
        } catch {
          // As above: each listener's failure is its own.
        }
      }
    },
  });

  const subscribe = async (): Promise<void> => {
    if (closed) throw new StoreUnavailableError('The Redis store is closed');
    await subscriber.ensure();
  };

  return {
    kind: 'redis',
    accessTokens: createRedisAccessTokens(prefix, now, run, subscribe, waiters),
    sessions: createRedisSessions(prefix, now, run, subscribe, revocationListeners),
    cache: createRedisCache(prefix, run),
    signingKeys: createRedisSigningKeys(prefix, run),
    inbox: createRedisInbox(prefix, run),
    async ping() {
      await run((redis) => redis.ping());
      await subscribe();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const key of [...waiters.keys()]) wake(key);
      revocationListeners.clear();
      await Promise.all([closeClient(client), subscriber.close()]);
    },
  };
}

function createRedisAccessTokens(
  prefix: string,
  now: () => number,
  run: Run,
  subscribe: () => Promise<void>,
  waiters: Map<string, Set<() => void>>,
): AccessTokenStore {
  /** Keys whose lock this instance was refused last time it asked (see waitForChange). */
  const contended = new Set<string>();
  const toRecord = (fields: Record<string, string>): AccessTokenRecord | undefined =>
    fields.token === undefined
      ? undefined
      : { token: fields.token, expiresAt: Number(fields.expiresAt), obtainedAt: Number(fields.obtainedAt) };

  return {
    async get(key) {
      const record = toRecord(await run((redis) => redis.hgetall(`${prefix}at:${key}`)));
      // Redis drops the key by its TTL; the check covers the clock the caller injected.
      return record && record.expiresAt > now() ? record : undefined;
    },
    async putIfNewer(key, record) {
      const ttl = Math.max(1, Math.ceil(record.expiresAt - now()));
      const reply = await run((redis) =>
        PUT_IF_NEWER.run(redis, [prefix, key, record.token, record.expiresAt, record.obtainedAt, ttl]),
      );
      return toRecord(toFields(reply)) ?? record;
    },
    async deleteIfToken(key, token) {
      return (await run((redis) => DELETE_IF_TOKEN.run(redis, [prefix, key, token]))) === 1;
    },
    async tryLock(key, ttlMs) {
      assertPositiveMs('accessTokens.tryLock: ttlMs', ttlMs);
      const holder = randomUUID();
      const taken = await run((redis) =>
        redis.set(`${prefix}atlock:${key}`, holder, 'PX', Math.ceil(ttlMs), 'NX'),
      );
      if (taken !== 'OK') {
        contended.add(key);
        return undefined;
      }
      contended.delete(key);
      return {
        async release() {
          await run((redis) => RELEASE_LOCK.run(redis, [prefix, key, holder]));
        },
      };
    },
    async waitForChange(key, timeoutMs) {
      await subscribe();
      await new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) {
          set = new Set();
          waiters.set(key, set);
        }
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const current = waiters.get(key);
          current?.delete(done);
          if (current?.size === 0) waiters.delete(key);
          resolve();
        }, timeoutMs);
        // A pending wait alone must not keep the process alive.
        timer.unref();
        set.add(done);
        // After a refused tryLock, the holder may finish (store, publish, release) before this wait is registered
        // or even subscribed, and its messages would be missed: the caller would sit out its whole timeout. So the
        // lock is looked at once more, now that the wait is registered; gone means the holder is done (or died).
        if (contended.delete(key)) {
          run((redis) => redis.exists(`${prefix}atlock:${key}`)).then(
            (held) => {
              if (held === 0) leave();
            },
            () => leave(),
          );
        }
        function leave(): void {
          const current = waiters.get(key);
          current?.delete(done);
          if (current?.size === 0) waiters.delete(key);
          done();
        }
      });
    },
  };
}

function createRedisSessions(
  prefix: string,
  now: () => number,
  run: Run,
  subscribe: () => Promise<void>,
  listeners: Set<{
    readonly onEntry: (entry: RevocationEntry) => void;
    readonly onResync: (() => void) | undefined;
  }>,
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
    async revokeUser(corpId, userId, reason, at) {
      const reply = await run((redis) =>
        REVOKE_USER.run(redis, [prefix, userKey(corpId, userId), reason, at, now()]),
      );
      return Array.isArray(reply) ? reply.map(String) : [];
    },
    async renameUser(corpId, fromUserId, toUserId) {
      const reply = await run((redis) =>
        RENAME_USER.run(redis, [prefix, userKey(corpId, fromUserId), userKey(corpId, toUserId), toUserId]),
      );
      return Number(reply);
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

function createRedisCache(prefix: string, run: Run): CacheStore {
  return {
    async get<T>(key: string) {
      const json = await run((redis) => redis.get(`${prefix}c:${key}`));
      return json === null ? undefined : (JSON.parse(json) as T);
    },
    async set(key, value, ttlMs) {
      assertPositiveMs('cache.set: ttlMs', ttlMs);
      const json = toCacheJson(value);
      await run((redis) => redis.set(`${prefix}c:${key}`, json, 'PX', Math.ceil(ttlMs)));
    },
    async delete(key) {
      await run((redis) => redis.del(`${prefix}c:${key}`));
    },
  };
}

function createRedisSigningKeys(prefix: string, run: Run): SigningKeyStore {
  const toJson = (key: SigningKeyRecord): string => {
    const { retiredAt: _retiredAt, ...active } = key;
    return JSON.stringify(active);
  };
  return {
    async list() {
      // One MULTI, so that a concurrent rotation is seen entirely or not at all.
      const replies = await run((redis) =>
        redis.multi().hgetall(`${prefix}sk`).hgetall(`${prefix}sk:retired`).exec(),
      );
      const [records, retired] = (replies ?? []).map(([error, fields]) => {
        if (error) throw error;
        return fields as Record<string, string>;
      });
      if (!records || !retired) throw new StoreUnavailableError('Redis aborted the transaction');
      return Object.entries(records)
        .map(([kid, json]): SigningKeyRecord => {
          const record = JSON.parse(json) as SigningKeyRecord;
          const retiredAt = retired[kid];
          return retiredAt === undefined ? record : { ...record, retiredAt: Number(retiredAt) };
        })
        .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0));
    },
    async ensureActive(candidate) {
      const json = await run((redis) =>
        ENSURE_ACTIVE_KEY.run(redis, [prefix, candidate.kid, toJson(candidate)]),
      );
      return JSON.parse(String(json)) as SigningKeyRecord;
    },
    async rotate(next, at) {
      await run((redis) => ROTATE_KEYS.run(redis, [prefix, next.kid, toJson(next), at]));
    },
    async prune(before) {
      return Number(await run((redis) => PRUNE_KEYS.run(redis, [prefix, before])));
    },
  };
}

function createRedisInbox(prefix: string, run: Run): EventInbox {
  return {
    async record(event) {
      const json = JSON.stringify({ id: event.id, payload: event.payload, receivedAt: event.receivedAt });
      return (
        (await run((redis) => RECORD_EVENT.run(redis, [prefix, event.id, json, event.receivedAt]))) === 1
      );
    },
    async markApplied(id) {
      await run((redis) => MARK_EVENT_APPLIED.run(redis, [prefix, id, APPLIED_EVENT_RETENTION_MS]));
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return run(async (redis) => {
        const ids = await redis.zrange(`${prefix}ibpending`, 0, limit - 1);
        if (ids.length === 0) return [];
        const values = await redis.mget(ids.map((id) => `${prefix}ib:${id}`));
        return values.flatMap((json): InboxEvent[] =>
          json === null ? [] : [JSON.parse(json) as InboxEvent],
        );
      });
    },
  };
}
