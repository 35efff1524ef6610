/**
 * The access-token manager. Gets a WeCom token right where the copied recipe does not, whatever the grant that
 * fetches it (`gettoken` with a corp secret, `service/get_suite_token`, …):
 *
 * - one fetch for any number of concurrent callers (single flight in-process, a store lock across processes);
 * - refresh ahead of expiry without blocking callers that still hold a valid token;
 * - a sequence guard: a record never replaces one whose fetch started later (`obtainedAt`), so a slow, older fetch
 *   cannot overwrite a newer token;
 * - invalidation by value: a refused token is dropped only if it is still the current one, never a newer token
 *   another caller already fetched;
 * - failed fetches are not cached and back off exponentially (WeCom blocks an IP for an hour after many bad-secret
 *   calls).
 */
import type { AccessTokenRecord, AccessTokenStore } from './access-token-store.js';
import type { WecomLogger } from './logger.js';
import type { AccessTokenSource } from './request-core.js';
import type { TokenAttachment, TokenGrant, TokenGrantCore } from './token-grant.js';

/** The options of {@link AccessTokenManager}; `createWecomClient` fills them from its own. */
export interface AccessTokenManagerOptions {
  /** How the token is obtained, cached and attached. */
  readonly grant: TokenGrant;
  readonly store: AccessTokenStore;
  /** What the grant fetches with. */
  readonly core: TokenGrantCore;
  readonly logger: WecomLogger;
  readonly now: () => number;
  /** Refresh this long before expiry. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Longest a caller waits for another process's fetch before fetching itself. Default: the request timeout. */
  readonly lockWaitMs: number;
  /** Lifetime of the cross-process refresh lock; a dead holder's lock expires by itself. Default 2 × lockWaitMs. */
  readonly lockTtlMs?: number;
  /** Backoff after failed fetches: base × 2^(n−1), capped. Defaults 1 s and 60 s. */
  readonly failureBackoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** Called after each fetch of the grant, for metrics. */
  readonly onFetch?: (outcome: { readonly ok: boolean; readonly durationMs: number }) => void;
}

/** What {@link WecomAccessToken.status} reports. Never the token itself. */
export interface AccessTokenStatus {
  /** A token that has not expired is held in memory. */
  readonly fresh: boolean;
  /** When the held token expires (epoch ms), if one is held. */
  readonly expiresAt: number | undefined;
  /** A token fetch is under way. */
  readonly refreshing: boolean;
  /** Consecutive failed fetches (0 after a success). */
  readonly consecutiveFailures: number;
}

type RefreshReason = 'cold' | 'expired' | 'ahead';

/** Tokens WeCom refused recently, so that a copy still in the store is not adopted again. */
const refusedMemory = 8;

/**
 * The access token of a client's app, as `client.accessToken` offers it: the token the client's calls use, the way
 * to drop one WeCom refused, and its state for readiness checks.
 *
 * @example
 * const token = await wecom.accessToken.getToken(); // for an API this client does not wrap
 * wecom.accessToken.status(); // { fresh: true, expiresAt: 1700007200000, refreshing: false, consecutiveFailures: 0 }
 */
export interface WecomAccessToken extends AccessTokenSource {
  /** The store key of this token: its grant's `cacheKey` (for a corp secret, `accessTokenCacheKey`). */
  readonly cacheKey: string;
  /** The token state, without the token. */
  status(): AccessTokenStatus;
}

/** Keeps the token of one {@link TokenGrant}: the one place the caching guarantees live, whatever the grant. */
export class AccessTokenManager implements WecomAccessToken {
  /** The store key of this token. */
  readonly cacheKey: string;
  /** How calls carry this token, from the grant. */
  readonly attachment: TokenAttachment;
  readonly #options: AccessTokenManagerOptions;
  readonly #marginMs: number;
  readonly #lockTtlMs: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  #current: AccessTokenRecord | undefined;
  #inflight: Promise<AccessTokenRecord> | undefined;
  /** The token the in-flight refresh set out to replace (undefined for a cold fetch). */
  #inflightBasis: string | undefined;
  #aheadTriedFor: string | undefined;
  readonly #refused: string[] = [];
  #lastObtainedAt = 0;
  #failures = 0;
  #retryAt = 0;
  #lastError: unknown;

  constructor(options: AccessTokenManagerOptions) {
    this.#options = options;
    this.cacheKey = options.grant.cacheKey;
    this.attachment = options.grant.attachment;
    this.#marginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.#lockTtlMs = options.lockTtlMs ?? 2 * options.lockWaitMs;
    this.#backoffBaseMs = options.failureBackoff?.baseMs ?? 1_000;
    this.#backoffMaxMs = options.failureBackoff?.maxMs ?? 60_000;
  }

  /** A valid token: from memory when it has one, else from the store, else from WeCom. */
  async getToken(): Promise<string> {
    const now = this.#options.now();
    const current = this.#current;
    if (current && current.expiresAt > now) {
      if (
        current.expiresAt - now <= this.#marginMs &&
        this.#aheadTriedFor !== current.token &&
        !this.#inflight
      ) {
        // Once per token: WeCom may hand back the same token until it expires, and asking again would not help.
        this.#aheadTriedFor = current.token;
        this.#refresh('ahead', current.token).catch((error: unknown) => {
          this.#options.logger.warn(
            { code: (error as { code?: unknown }).code },
            'refresh ahead of expiry failed',
          );
        });
      }
      return current.token;
    }
    return (await this.#refresh(current ? 'expired' : 'cold', current?.token)).token;
  }

  /** Drops `token` if it is still the current one, here and in the store; a newer token is left alone. */
  async invalidate(token: string): Promise<void> {
    this.#refused.push(token);
    if (this.#refused.length > refusedMemory) this.#refused.shift();
    if (this.#current?.token === token) this.#current = undefined;
    // A refresh that set out from the refused token may bring it back; later callers start their own.
    if (this.#inflight && this.#inflightBasis === token) this.#inflight = undefined;
    const removed = await this.#options.store.deleteIfToken(this.cacheKey, token);
    this.#options.logger.info(
      { apiPath: this.#options.grant.apiPath, removedFromStore: removed },
      'token invalidated',
    );
  }

  status(): AccessTokenStatus {
    const current = this.#current;
    const fresh = current !== undefined && current.expiresAt > this.#options.now();
    return {
      fresh,
      expiresAt: current?.expiresAt,
      refreshing: this.#inflight !== undefined,
      consecutiveFailures: this.#failures,
    };
  }

  #refresh(reason: RefreshReason, basis: string | undefined): Promise<AccessTokenRecord> {
    if (this.#inflight) return this.#inflight;
    const run = this.#acquire(reason).finally(() => {
      if (this.#inflight === run) {
        this.#inflight = undefined;
        this.#inflightBasis = undefined;
      }
    });
    this.#inflight = run;
    this.#inflightBasis = basis;
    return run;
  }

  /** Whether a stored record can serve this refresh instead of a new fetch. */
  #usable(record: AccessTokenRecord | undefined, reason: RefreshReason): record is AccessTokenRecord {
    if (!record || this.#refused.includes(record.token)) return false;
    const now = this.#options.now();
    if (reason === 'ahead') return record.expiresAt - now > this.#marginMs;
    return record.expiresAt > now;
  }

  #adopt(record: AccessTokenRecord): AccessTokenRecord {
    // The sequence guard, in memory: an older fetch never replaces a newer token.
    if (!this.#current || record.obtainedAt >= this.#current.obtainedAt) this.#current = record;
    return this.#current;
  }

  async #acquire(reason: RefreshReason): Promise<AccessTokenRecord> {
    const { store, now, lockWaitMs } = this.#options;
    if (this.#failures > 0 && now() < this.#retryAt) throw this.#lastError;
    // Waiting is measured in real time, whatever clock the tokens' lifetimes use.
    const deadline = performance.now() + lockWaitMs;
    for (;;) {
      const stored = await store.get(this.cacheKey);
      if (this.#usable(stored, reason)) return this.#adopt(stored);
      const lock = await store.tryLock(this.cacheKey, this.#lockTtlMs);
      if (lock) {
        try {
          // Double-check under the lock: another process may have stored a token since the read above.
          const again = await store.get(this.cacheKey);
          if (this.#usable(again, reason)) return this.#adopt(again);
          return this.#adopt(await store.putIfNewer(this.cacheKey, await this.#fetch()));
        } finally {
          await lock.release();
        }
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        // The lock holder is slow or dead; its lock expires by itself, but no caller waits longer than this.
        this.#options.logger.warn({}, 'refresh lock held too long; fetching without it');
        return this.#adopt(await store.putIfNewer(this.cacheKey, await this.#fetch()));
      }
      await store.waitForChange(this.cacheKey, remaining);
    }
  }

  async #fetch(): Promise<AccessTokenRecord> {
    const { grant, core, now, logger, onFetch } = this.#options;
    // Strictly increasing within the process, so two fetches in the same millisecond still have an order.
    const obtainedAt = Math.max(now(), this.#lastObtainedAt + 1);
    this.#lastObtainedAt = obtainedAt;
    const started = performance.now();
    try {
      const { token, expiresInSeconds } = await grant.fetch(core);
      this.#failures = 0;
      onFetch?.({ ok: true, durationMs: performance.now() - started });
      logger.info({ apiPath: grant.apiPath, expiresInSeconds }, 'token fetched');
      return { token, obtainedAt, expiresAt: obtainedAt + expiresInSeconds * 1000 };
    } catch (error) {
      onFetch?.({ ok: false, durationMs: performance.now() - started });
      // A grant that refused before calling WeCom (a third-party app without a suite_ticket yet) cost WeCom
      // nothing: no backoff, so the first call after the missing input arrives succeeds at once.
      if ((error as { wecomCalled?: unknown }).wecomCalled === false) {
        logger.debug(
          { apiPath: grant.apiPath, code: (error as { code?: unknown }).code },
          'token fetch not possible yet',
        );
        throw error;
      }
      this.#failures += 1;
      this.#lastError = error;
      const backoff = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** (this.#failures - 1));
      this.#retryAt = now() + backoff;
      logger.warn(
        {
          apiPath: grant.apiPath,
          code: (error as { code?: unknown }).code,
          failures: this.#failures,
          backoffMs: backoff,
        },
        'token fetch failed',
      );
      throw error;
    }
  }
}
