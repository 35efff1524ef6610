/**
 * The security event log port: one record per security fact (a login, a refusal, a revocation…), durable and shared by
 * every gateway instance, read newest first with an opaque cursor. The gateway decides what the facts are and never
 * puts a token, secret, code or session_key in one; the store keeps what it is given, bounded by {@link
 * SecurityEventLog.prune}.
 */

/** One fact as the gateway records it. Times are epoch milliseconds. */
export interface SecurityEventInput {
  /** When the fact happened. */
  readonly at: number;
  /** What happened, such as `login.succeeded` (the gateway's closed set; the store keeps any short string). */
  readonly type: string;
  /** The corp concerned, when one is known. */
  readonly corpId?: string;
  /** The employee concerned (their WeCom userid), when one is known. */
  readonly userId?: string;
  /** The session concerned (the `sid` of its access tokens). */
  readonly sessionId?: string;
  /** The request that caused it (absent for facts no request caused, such as a callback applied later). */
  readonly requestId?: string;
  /** The client address as the gateway's rate limiter saw it. */
  readonly clientIp?: string;
  /** Why, for the types that have a reason: an error code, a revocation reason. */
  readonly reason?: string;
}

/** A recorded fact, with the id the store gave it: later facts of one store have greater ids in its own order. */
export interface StoredSecurityEvent extends SecurityEventInput {
  /** Opaque; a {@link SecurityEventQuery.cursor}. */
  readonly id: string;
}

/** Which facts {@link SecurityEventLog.list} answers: every filter given must match. */
export interface SecurityEventQuery {
  readonly corpId?: string;
  readonly userId?: string;
  readonly type?: string;
  /** Only facts at or after this time (epoch ms). */
  readonly since?: number;
  /** Only facts older than the one with this id: the `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** At most this many facts (1–1000). */
  readonly limit: number;
}

/** One page of facts, newest first. */
export interface SecurityEventPage {
  readonly events: readonly StoredSecurityEvent[];
  /**
   * Present when older facts may match: pass it as the next query's `cursor`. A filtered page may hold fewer than
   * `limit` facts and still have a cursor (the Redis adapter bounds how far one call reads); only its absence means
   * the end.
   */
  readonly nextCursor?: string;
}

/** How much of the log is kept. */
export interface SecurityEventRetention {
  /** Facts older than this (epoch ms) are removed. */
  readonly before: number;
  /** At most this many facts are kept, the newest (Redis trims approximately, to within a few hundred). */
  readonly maxEntries: number;
}

/**
 * The security event log of a {@link Store}.
 *
 * @example
 * ```ts
 * await store.events.append([{ at: Date.now(), type: 'login.succeeded', corpId: 'ww1', userId: 'zhangsan' }]);
 * const { events, nextCursor } = await store.events.list({ userId: 'zhangsan', limit: 50 });
 * ```
 */
export interface SecurityEventLog {
  /**
   * Records facts, in this order. Writes that arrive together share one write of the store (SQLite's group commit,
   * one Redis round trip); resolves once they are stored (on disk, for SQLite).
   */
  append(events: readonly SecurityEventInput[]): Promise<void>;
  /** Facts matching `query`, newest first. */
  list(query: SecurityEventQuery): Promise<SecurityEventPage>;
  /** Removes the facts outside `retention`; returns how many it removed (approximate for Redis). */
  prune(retention: SecurityEventRetention): Promise<number>;
}

/** The largest page {@link SecurityEventLog.list} answers. */
export const SECURITY_EVENT_PAGE_LIMIT = 1_000;
