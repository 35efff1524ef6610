/**
 * An in-process mirror of revoked session ids, so every verify checks revocation without a store round trip.
 * It is filled from the store at start, kept current by the store's revocation feed, and re-read after the feed
 * reports a gap (a Redis reconnect). While the store is out of reach (`markStale`) or a re-read is under way, it is
 * not `ready` and verifies answer 503: revocations made elsewhere in the meantime may be missing from it.
 */
import type { RevocationEntry, SessionStore } from '@wecom-auth/store';

export interface RevocationMirrorOptions {
  readonly sessions: SessionStore;
  readonly now: () => number;
  /** Revocations older than this can no longer matter: every access token issued before them has expired. */
  readonly horizonMs: number;
  readonly onError: (error: unknown) => void;
}

export class RevocationMirror {
  readonly #options: RevocationMirrorOptions;
  /** session id → when the entry may be forgotten (epoch ms). */
  readonly #revoked = new Map<string, number>();
  #ready = false;
  /**
   * Bumped by every event that makes the mirror doubtful. A re-read only makes the mirror ready if no such event
   * happened while it ran, so a re-read that began before an outage cannot vouch for the time after it.
   */
  #generation = 0;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(options: RevocationMirrorOptions) {
    this.#options = options;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get size(): number {
    return this.#revoked.size;
  }

  /** Subscribes to the store's feed (once), then reads every recent revocation. Safe to call again after a failure. */
  async start(): Promise<void> {
    this.#unsubscribe ??= await this.#options.sessions.subscribeRevocations(
      (entry) => this.add(entry),
      () => {
        this.markStale();
        this.resync().catch(this.#options.onError);
      },
    );
    await this.resync();
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#ready = false;
  }

  /** The store went out of reach: the feed may be missing messages until the next {@link resync}. */
  markStale(): void {
    this.#generation += 1;
    this.#ready = false;
  }

  /** Re-reads every revocation inside the horizon. */
  async resync(): Promise<void> {
    const generation = this.#generation;
    const entries = await this.#options.sessions.listRevocations(
      this.#options.now() - this.#options.horizonMs,
    );
    for (const entry of entries) this.add(entry);
    if (generation === this.#generation) this.#ready = true;
  }

  add(entry: RevocationEntry): void {
    this.#revoked.set(entry.sessionId, Math.min(entry.expiresAt, entry.revokedAt + this.#options.horizonMs));
  }

  isRevoked(sessionId: string): boolean {
    const forgetAt = this.#revoked.get(sessionId);
    if (forgetAt === undefined) return false;
    if (forgetAt < this.#options.now()) {
      this.#revoked.delete(sessionId);
      return false;
    }
    return true;
  }

  /** Drops entries past their horizon. */
  prune(): void {
    const now = this.#options.now();
    for (const [sessionId, forgetAt] of this.#revoked) if (forgetAt < now) this.#revoked.delete(sessionId);
  }
}
