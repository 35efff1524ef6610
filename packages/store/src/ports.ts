/**
 * The storage ports of WeCom Auth. The gateway depends on these interfaces only; each adapter (memory, SQLite,
 * Redis) implements all of them and passes the same conformance suite (`test/conformance.ts`).
 *
 * Times are epoch milliseconds. Every method may reject with {@link StoreUnavailableError} when the backing
 * service cannot be reached; callers map that to `503 store_unavailable`.
 */
import type { AccessTokenStore } from '@wecom-auth/api';
import type { SecurityEventLog } from './security-event-log.js';

/** One login of one employee: the app's own session, identified by `id` (the JWT `sid`). */
export interface SessionRecord {
  readonly id: string;
  readonly corpId: string;
  readonly userId: string;
  /** SHA-256 (base64url) of the current refresh token. The token itself is never stored. */
  readonly refreshTokenHash: string;
  /** The WeCom session_key, encrypted by the gateway (AES-256-GCM). Opaque to the store. */
  readonly sessionKeyCiphertext: string;
  readonly createdAt: number;
  /** When the refresh token was last rotated (createdAt at first). */
  readonly refreshedAt: number;
  /** When the current refresh token stops working; the record may be dropped after it. */
  readonly expiresAt: number;
  readonly revokedAt?: number;
  readonly revokeReason?: RevokeReason;
  /** The `User-Agent` of the login that created the session, cut to 256 characters: shown to operators. */
  readonly userAgent?: string;
  /** The client address of that login, as the gateway's rate limiter saw it: shown to operators. */
  readonly clientIp?: string;
}

/** Why a session was revoked. `employee_renamed`: its userid was changed, and may since be someone else's. */
export type RevokeReason =
  | 'logout'
  | 'refresh_token_reuse'
  | 'employee_left'
  | 'employee_disabled'
  | 'employee_renamed'
  | 'admin';

/**
 * Which sessions of one employee a directory change reaches. A userid can be given to another person after a rename
 * or a departure, so a change that is applied late must not reach the logins made after it.
 *
 * @example
 * ```ts
 * // A deletion WeCom made at createTime (seconds) never reaches a later holder of the userid.
 * await store.sessions.revokeUser(corpId, userId, 'employee_left', Date.now(), { createdBefore: (createTime + 1) * 1000 });
 * ```
 */
export interface UserSessionsBound {
  /** Only sessions created before this time (epoch ms, exclusive). Absent: every session of the userid. */
  readonly createdBefore?: number;
}

/** What {@link SessionStore.rotate} did with a presented refresh token. */
export type RotateResult =
  /** The presented hash was current; the session now carries `next`. */
  | { readonly outcome: 'rotated'; readonly session: SessionRecord }
  /** The presented hash was an earlier one of this session: theft is assumed and the session is now revoked. */
  | { readonly outcome: 'reused'; readonly session: SessionRecord }
  /** The session was already revoked. */
  | { readonly outcome: 'revoked'; readonly session: SessionRecord }
  /** The session's refresh lifetime is over. */
  | { readonly outcome: 'expired'; readonly session: SessionRecord }
  /** No session knows this hash. */
  | { readonly outcome: 'unknown' };

/** A revocation as every instance must learn it. */
export interface RevocationEntry {
  readonly sessionId: string;
  readonly revokedAt: number;
  /** After this the session's tokens fail on their own, so mirrors may forget the entry. */
  readonly expiresAt: number;
}

export interface SessionStore {
  /** Stores a new session. Durable when the promise resolves (a crash afterwards loses nothing). */
  create(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /** The session that has, or had, the refresh token hash `hash`: the one {@link rotate} would find. */
  findByRefreshHash(hash: string): Promise<SessionRecord | undefined>;
  /**
   * Atomically rotates the refresh token: when `presentedHash` is the session's current hash and the session is
   * active and unexpired, replaces it with `next.refreshTokenHash`. When `presentedHash` is one the session had
   * before, revokes the session with reason `refresh_token_reuse` and answers `reused`. Of two concurrent calls with
   * the same hash, exactly one is `rotated`; the other is `reused`. An earlier hash is recognised at least until the
   * expiry its token was issued with (Redis forgets it then, so that a rotation does not grow with the session's
   * history; SQLite keeps it for the session's life); past that it may be `unknown`.
   */
  rotate(
    presentedHash: string,
    next: { readonly refreshTokenHash: string; readonly refreshedAt: number; readonly expiresAt: number },
  ): Promise<RotateResult>;
  /** Revokes one session. False when it does not exist or was already revoked. Publishes a revocation. */
  revoke(id: string, reason: RevokeReason, at: number): Promise<boolean>;
  /**
   * Revokes every active session of one employee (only those created before `bound.createdBefore` when given);
   * returns their ids. Publishes a revocation for each.
   */
  revokeUser(
    corpId: string,
    userId: string,
    reason: RevokeReason,
    at: number,
    bound?: UserSessionsBound,
  ): Promise<string[]>;
  /**
   * Moves every session of `fromUserId` (only those created before `bound.createdBefore` when given) to `toUserId`,
   * a WeCom userid rename; returns how many moved. Sessions left behind keep `fromUserId`.
   */
  renameUser(
    corpId: string,
    fromUserId: string,
    toUserId: string,
    bound?: UserSessionsBound,
  ): Promise<number>;
  /**
   * The live sessions of one employee (neither revoked nor expired at the store's clock), oldest first: what an
   * operator sees before ending them.
   */
  listUser(corpId: string, userId: string): Promise<SessionRecord[]>;
  /** Replaces the encrypted session_key (a later jscode2session for the same session). */
  setSessionKey(id: string, sessionKeyCiphertext: string): Promise<void>;
  /** Revocations with `revokedAt >= since` whose sessions have not expired yet, oldest first. */
  listRevocations(since: number): Promise<RevocationEntry[]>;
  /**
   * Calls `listener` for each revocation made by any instance from now on. Resolves once subscribed; the returned
   * function unsubscribes. Adapters that can lose messages (Redis pub/sub across a reconnect) call `onResync`
   * after reconnecting, so the caller re-reads {@link listRevocations}.
   */
  subscribeRevocations(
    listener: (entry: RevocationEntry) => void,
    onResync?: () => void,
  ): Promise<() => Promise<void>>;
  /** Drops sessions whose `expiresAt` is before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}

/** A TTL cache of JSON values (employee profiles, department names). */
export interface CacheStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** An ES256 signing key of the gateway. `privateJwk` is stored as given; the gateway encrypts what it must. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly privateJwk: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** Set when a newer key took over; the key stays published until its last token expires. */
  readonly retiredAt?: number;
}

export interface SigningKeyStore {
  /** Every key, newest first. */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Makes `candidate` the active key unless an active (unretired) key exists already, atomically; returns the active
   * key. Several instances starting at once thus agree on one key.
   */
  ensureActive(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Retires every active key at `at` and makes `next` active (key rotation). */
  rotate(next: SigningKeyRecord, at: number): Promise<void>;
  /** Removes keys retired before `before` (their tokens have all expired). */
  prune(before: number): Promise<number>;
}

/** An inbound WeCom callback event, recorded before it is acknowledged so a crash loses nothing. */
export interface InboxEvent {
  /** A stable id for deduplication (e.g. derived from the message signature or the event's own fields). */
  readonly id: string;
  /**
   * The corp whose callback delivered the event (the gateway verified it with that corp's token and key). Absent on
   * events recorded by a release that served a single corp: those belong to the gateway's default corp.
   */
  readonly corpId?: string;
  readonly payload: string;
  readonly receivedAt: number;
  readonly appliedAt?: number;
}

export interface EventInbox {
  /** Records the event; false when an event with this id was recorded before (a WeCom retry). */
  record(event: {
    readonly id: string;
    readonly corpId?: string;
    readonly payload: string;
    readonly receivedAt: number;
  }): Promise<boolean>;
  markApplied(id: string, at: number): Promise<void>;
  /** Recorded but not yet applied, oldest first. */
  pending(limit: number): Promise<InboxEvent[]>;
}

/** Everything the gateway stores, behind one handle. */
export interface Store {
  /** `memory`, `sqlite` or `redis`: shown in /readyz and logs. */
  readonly kind: string;
  readonly accessTokens: AccessTokenStore;
  readonly sessions: SessionStore;
  readonly cache: CacheStore;
  readonly signingKeys: SigningKeyStore;
  readonly inbox: EventInbox;
  /** The security event log, shared by every instance on this store. */
  readonly events: SecurityEventLog;
  /** Resolves when the backing service answers; rejects with {@link StoreUnavailableError} otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The backing service (Redis, the SQLite file) cannot be reached or failed. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
