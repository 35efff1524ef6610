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

/**
 * Why a session was revoked. `employee_renamed`: its userid was changed, and may since be someone else's.
 * `corp_uninstalled`: the corp uninstalled the third-party (suite) app the session was made through.
 * `data_key_lost`: its session_key was sealed under a data key that is no longer configured, so it can decrypt
 * nothing; a new login gets a session that can.
 */
export type RevokeReason =
  | 'logout'
  | 'refresh_token_reuse'
  | 'employee_left'
  | 'employee_disabled'
  | 'employee_renamed'
  | 'corp_uninstalled'
  | 'data_key_lost'
  | 'admin';

/**
 * Which sessions of one employee a directory change reaches. A userid can be given to another person after a rename
 * or a departure, so a change that is applied late must not reach the logins made after it.
 *
 * @example
 * ```ts
 * // A deletion WeCom made at createTime (seconds) never reaches a later holder of the userid.
 * await store.sessions.revokeUser(corpId, userId, 'employee_left', Date.now(), {
 *   createdBefore: (createTime + 1) * 1000,
 * });
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
  /**
   * The presented hash is the one the latest rotation replaced, presented again within that rotation's repeat window
   * (see {@link RotationRepeat}): nothing changed, and `answer` is what the rotation stored for such a repeat.
   */
  | { readonly outcome: 'repeated'; readonly session: SessionRecord; readonly answer: string }
  /** No session knows this hash. */
  | { readonly outcome: 'unknown' };

/**
 * What a rotation keeps for a repeat of the token it replaced: two tabs refreshing at once, or a client retrying a
 * refresh whose answer it lost, present the replaced token again moments later, and are then given `answer` (the
 * rotation's own answer, sealed by the caller: the store cannot read it) instead of being taken for a thief. Kept
 * until `until` (epoch ms) and only while the rotation is the session's latest; a repeat after it is a reuse.
 *
 * @example
 * ```ts
 * const repeat: RotationRepeat = {
 *   answer: sealer.seal(JSON.stringify(issued), 'refresh_answer'),
 *   until: now + 30_000,
 * };
 * await store.sessions.rotate(presentedHash, { ...next, repeat });
 * ```
 */
export interface RotationRepeat {
  readonly answer: string;
  readonly until: number;
}

/**
 * What a presented refresh token says of itself, beside its hash: the session it was issued to. A hint only. A store
 * may use it to reach the session without its index of hashes (the SQLite store reads the session by id and compares
 * its current hash, one B-tree instead of two), and must answer exactly as it would without it: a hint that names
 * another session, no session or nothing sensible changes nothing, because only the hash decides. A store that finds
 * hashes as cheaply without it (Redis, memory) ignores it.
 *
 * @example
 * ```ts
 * const hint: RefreshHashHint = { sessionId };
 * const session = await store.sessions.findByRefreshHash(presentedHash, hint);
 * ```
 */
export interface RefreshHashHint {
  /** The id of the session the token claims to belong to, as the client presented it: not to be trusted. */
  readonly sessionId?: string;
}

/** A revocation as every instance must learn it. */
export interface RevocationEntry {
  readonly sessionId: string;
  readonly revokedAt: number;
  /** After this the session's tokens fail on their own, so mirrors may forget the entry. */
  readonly expiresAt: number;
}

/** One page of {@link SessionStore.scan}. */
export interface SessionPage {
  /** The sessions of this page (possibly none, even before the end). */
  readonly sessions: readonly SessionRecord[];
  /** Where the next page starts: pass it to the next call. Undefined once every session has been seen. */
  readonly cursor: string | undefined;
}

export interface SessionStore {
  /** Stores a new session. Durable when the promise resolves (a crash afterwards loses nothing). */
  create(record: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * The session that has, or had, the refresh token hash `hash`: the one {@link rotate} would find. `hint` may make
   * the lookup cheaper and never changes its answer ({@link RefreshHashHint}).
   */
  findByRefreshHash(hash: string, hint?: RefreshHashHint): Promise<SessionRecord | undefined>;
  /**
   * Atomically rotates the refresh token: when `presentedHash` is the session's current hash and the session is
   * active and unexpired, replaces it with `next.refreshTokenHash`, keeping `next.repeat` (or forgetting the repeat of
   * the rotation before when it has none). When `presentedHash` is the hash the latest rotation replaced and its
   * repeat window is still open, answers `repeated` with that rotation's repeat answer and changes nothing. When
   * `presentedHash` is any other hash the session had before (or the replaced one after its window), revokes the
   * session with reason `refresh_token_reuse` and answers `reused`. Of two concurrent calls with the same hash,
   * exactly one is `rotated`; the other is `repeated` when the winner kept a repeat, else `reused`. An earlier hash is
   * recognised at least until the expiry its token was issued with (Redis and SQLite forget it then, so that what a
   * rotation writes does not grow with the session's history; the memory store keeps it while the session lives);
   * past that it may be `unknown`. `hint` may make finding the session cheaper and never changes the outcome
   * ({@link RefreshHashHint}).
   */
  rotate(
    presentedHash: string,
    next: {
      readonly refreshTokenHash: string;
      readonly refreshedAt: number;
      readonly expiresAt: number;
      readonly repeat?: RotationRepeat;
    },
    hint?: RefreshHashHint,
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
   * Revokes every active (unrevoked, unexpired) session of one corp, whoever's it is; returns how many. Publishes a
   * revocation for each, as {@link SessionStore.revokeUser} does. Corp ids are compared exactly (case-sensitive).
   *
   * The Redis adapter finds a corp's sessions through a per-corp index that `create` and `rotate` maintain; a
   * session created by a release without that index joins it at its next rotation.
   *
   * @example
   * ```ts
   * // The corp uninstalled the suite app: none of its logins may go on.
   * const revoked = await store.sessions.revokeCorp(corpId, 'corp_uninstalled', Date.now());
   * ```
   */
  revokeCorp(corpId: string, reason: RevokeReason, at: number): Promise<number>;
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
  /**
   * Replaces the encrypted session_key only while it is still `expected`, atomically: false when it changed meanwhile
   * or the session is gone. Resealing under a new data key must not overwrite a session_key a new login just stored.
   */
  replaceSessionKey(id: string, expected: string, next: string): Promise<boolean>;
  /**
   * Every stored session (revoked ones too), a page of about `limit` at a time: begin without a cursor and call
   * again with the one returned until it is undefined. A session stored throughout the scan is returned at least
   * once (possibly twice, on Redis); one created or dropped meanwhile may be missed. For passes over the whole
   * store, such as resealing every session_key under a new data key, never for a request.
   *
   * @example
   * ```ts
   * let cursor: string | undefined;
   * do {
   *   const page = await store.sessions.scan(cursor, 500);
   *   for (const session of page.sessions) reseal(session);
   *   cursor = page.cursor;
   * } while (cursor !== undefined);
   * ```
   */
  scan(cursor: string | undefined, limit: number): Promise<SessionPage>;
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

/**
 * What {@link LoginRetryStore.claim} found under a key: the key is now the caller's (`claimed`: exchange the code,
 * then {@link LoginRetryStore.fulfil} or {@link LoginRetryStore.release}), another exchange holds it (`pending`:
 * ask again shortly), or the answer of an earlier exchange was waiting (`answered`: it is handed out this once and
 * gone from the store).
 */
export type LoginRetryClaim =
  | { readonly state: 'claimed' }
  | { readonly state: 'pending' }
  | { readonly state: 'answered'; readonly answer: string };

/**
 * The answers of logins, kept for a short while so that a client that lost one can retry its request and be given
 * the same answer instead of a spent code's error. Keys are chosen by the caller (the gateway binds them to the code
 * and the client); answers are opaque to the store (the gateway seals them). Each operation is atomic across every
 * instance sharing the backend.
 *
 * @example
 * ```ts
 * const claim = await store.loginRetries.claim(key, holder, 20_000);
 * if (claim.state === 'claimed') await store.loginRetries.fulfil(key, holder, sealedAnswer, 60_000);
 * ```
 */
export interface LoginRetryStore {
  /**
   * True when the answers stay in this process's memory and no other process or store reads them (the memory and
   * SQLite stores: one SQLite file serves one process). The gateway seals an answer against whoever reads the store;
   * here nobody but the process does, and the process holds the data key anyway, so such answers are kept unsealed.
   */
  readonly keepsInProcess?: boolean;
  /**
   * When `key` holds an answer, removes it and answers `answered` with it; when another holder's claim on it has not
   * expired, answers `pending`; else makes `holder` its claimant for `ttlMs` and answers `claimed`.
   */
  claim(key: string, holder: string, ttlMs: number): Promise<LoginRetryClaim>;
  /**
   * Replaces `holder`'s claim on `key` by `answer`, kept for `ttlMs`. False (and nothing stored) when the claim was
   * lost.
   */
  fulfil(key: string, holder: string, answer: string, ttlMs: number): Promise<boolean>;
  /** Drops `holder`'s claim on `key` (its exchange failed); leaves anything else under `key` alone. */
  release(key: string, holder: string): Promise<void>;
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
  /**
   * Replaces the `privateJwk` of key `kid` only while it is still `expected` (compared as JSON), atomically: false
   * when it changed meanwhile or the key is gone. The rest of the record (its public key, `retiredAt`) is kept: this
   * reseals a key under a new data key, it does not make another key.
   */
  replacePrivateJwk(
    kid: string,
    expected: Readonly<Record<string, unknown>>,
    next: Readonly<Record<string, unknown>>,
  ): Promise<boolean>;
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

/**
 * The newest suite_ticket WeCom pushed for one suite (every ten minutes; valid for thirty). The ticket is a
 * credential: never logged.
 */
export interface SuiteTicketRecord {
  /** The suite (third-party app) the ticket is for: its SuiteId. */
  readonly suiteId: string;
  /** The SuiteTicket itself (at most 512 bytes), stored as given. */
  readonly ticket: string;
  /** WeCom's TimeStamp of the push, epoch seconds: what orders tickets. */
  readonly timestamp: number;
  /** When this gateway received it, epoch ms. */
  readonly receivedAt: number;
}

/** One corp that installed a suite. */
export interface SuiteInstallRecord {
  /** The suite the corp installed. */
  readonly suiteId: string;
  /** The (encrypted) corpid WeCom gave: case-sensitive, never case-folded. */
  readonly corpId: string;
  /** auth_corp_info.corp_name, for display. */
  readonly corpName: string;
  /** The permanent code, sealed by the gateway (AES-256-GCM). Opaque to the store. */
  readonly permanentCodeCiphertext: string;
  /** auth_corp_info / auth_info as JSON text, opaque to the store. */
  readonly authInfo: string;
  /**
   * Epoch ms of the first install of this installation. While the corp stays installed the stored value is kept
   * (a later {@link SuiteStore.saveInstall} cannot move it); an install after an uninstall takes the record's.
   */
  readonly installedAt: number;
  /** Epoch ms of the last change. */
  readonly updatedAt: number;
  /** WeCom TimeStamp (epoch seconds) of the newest event applied to this corp: what orders install events. */
  readonly eventTimestamp: number;
}

/**
 * A change of one suite's installs, as every instance learns it. `at`: the record's `updatedAt` for `installed`
 * (a new corp, or one that had uninstalled) and `updated`, the removal's time for `uninstalled`.
 */
export type SuiteInstallChange = {
  readonly suiteId: string;
  readonly corpId: string;
  readonly kind: 'installed' | 'updated' | 'uninstalled';
  readonly at: number;
};

/**
 * What a third-party (suite) app must keep across restarts and share between instances: the newest suite_ticket of
 * each suite, and the corps that installed it with their sealed permanent codes. Every suite has its own namespace:
 * two suites never see each other's ticket or corps.
 *
 * Ordering: WeCom delivers callbacks late, twice, or out of order, so every write carries WeCom's TimeStamp and the
 * store applies it only when nothing newer was applied before, atomically across instances. A ticket needs a strictly
 * newer timestamp than the stored one (an equal one is a replay). An install event applies unless the corp's stored
 * event is strictly newer (of two events of one second, the later call wins). An uninstall leaves a tombstone, so
 * that a late, older create or change cannot bring the corp back; tombstones are forgotten after a horizon (the
 * adapters' `installTombstoneRetentionMs`, default {@link INSTALL_TOMBSTONE_RETENTION_MS}: 30 days), long after any
 * such event could still arrive or be acted on (an AuthCode lives 10 minutes).
 *
 * @example
 * ```ts
 * // suite_ticket callback
 * await store.suites.offerTicket({ suiteId, ticket, timestamp: Number(xml.TimeStamp), receivedAt: Date.now() });
 * // create_auth, once get_permanent_code answered
 * await store.suites.saveInstall({ suiteId, corpId, corpName, permanentCodeCiphertext: seal(permanentCode),
 *   authInfo: JSON.stringify(answer.auth_info), installedAt: Date.now(), updatedAt: Date.now(), eventTimestamp });
 * // cancel_auth
 * if ((await store.suites.removeInstall(suiteId, corpId, eventTimestamp, Date.now())) === 'removed') {
 *   await store.sessions.revokeCorp(corpId, 'corp_uninstalled', Date.now());
 * }
 * ```
 */
export interface SuiteStore {
  /**
   * Stores the ticket unless a ticket with a newer or equal timestamp is stored: `'stored'`, or `'stale'` (older,
   * or a replay). Atomic across instances: of concurrent offers the newest survives. Durable when it resolves.
   */
  offerTicket(record: SuiteTicketRecord): Promise<'stored' | 'stale'>;
  /** The newest ticket of the suite, however old (its `receivedAt` says whether it is still valid). */
  ticket(suiteId: string): Promise<SuiteTicketRecord | undefined>;
  /**
   * Upserts an install unless an event with a newer `eventTimestamp` (an install or an uninstall tombstone) was
   * applied to that corp: `'stored'` or `'stale'`. Publishes `installed` (a new corp, or one after an uninstall) or
   * `updated`. Keeps the stored `installedAt` while the corp stays installed. Durable when it resolves.
   */
  saveInstall(record: SuiteInstallRecord): Promise<'stored' | 'stale'>;
  /** The corp's install, undefined when it never installed the suite or uninstalled it. */
  install(suiteId: string, corpId: string): Promise<SuiteInstallRecord | undefined>;
  /**
   * Removes the install (the permanent code is deleted, not kept) and leaves a tombstone `{ eventTimestamp,
   * uninstalledAt: at }` so that a late, older event cannot bring it back: `'removed'`, `'stale'` (a newer event
   * was applied to the corp) or `'absent'` (not installed; the tombstone is left all the same, so that an install
   * event overtaken by this uninstall stays out). Publishes `uninstalled` when it removed. Durable when it resolves.
   */
  removeInstall(
    suiteId: string,
    corpId: string,
    eventTimestamp: number,
    at: number,
  ): Promise<'removed' | 'stale' | 'absent'>;
  /**
   * Installs ordered by corpId (by code point, exactly: `'Ab' < 'a'`), after `page.after` (exclusive), at most
   * `page.limit` (1 to {@link MAX_INSTALL_PAGE}): pages through 10,000+ corps. An empty page is the end.
   */
  listInstalls(
    suiteId: string,
    page: { readonly after?: string; readonly limit: number },
  ): Promise<SuiteInstallRecord[]>;
  /** How many corps have the suite installed. */
  countInstalls(suiteId: string): Promise<number>;
  /**
   * Calls `listener` for every install change made by any instance from now on (of every suite). Resolves once
   * subscribed; the returned function unsubscribes. Adapters that can lose messages (Redis pub/sub across a
   * reconnect) call `onResync` after reconnecting, so the caller re-reads what it keeps.
   */
  subscribeInstalls(
    listener: (change: SuiteInstallChange) => void,
    onResync?: () => void,
  ): Promise<() => Promise<void>>;
}

/** The most installs {@link SuiteStore.listInstalls} returns in one page. */
export const MAX_INSTALL_PAGE = 1_000;

/** Everything the gateway stores, behind one handle. */
export interface Store {
  /** `memory`, `sqlite` or `redis`: shown in /readyz and logs. */
  readonly kind: string;
  readonly accessTokens: AccessTokenStore;
  readonly sessions: SessionStore;
  /** Login answers kept for a retry of the same request. */
  readonly loginRetries: LoginRetryStore;
  readonly cache: CacheStore;
  readonly signingKeys: SigningKeyStore;
  readonly inbox: EventInbox;
  /** Third-party (suite) apps: their tickets and the corps that installed them. */
  readonly suites: SuiteStore;
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
