/**
 * Refresh tokens for the refresh runs. A refresh token works once, so each one is handed out once: first those of
 * seeded sessions never presented before, drawn at random over the whole population (so the lookups touch the
 * whole index, not a hot corner of it); when those run short, the tokens the gateway handed back in earlier
 * refreshes of this run, oldest first, so that the session refreshed longest ago is the next one refreshed again.
 */
import { type SeedPlan, seededRefreshToken } from './seeded-sessions.js';

export class RefreshTokens {
  readonly #plan: SeedPlan;
  /** Indexes of seeded sessions whose token was presented already, over the whole run (all sizes). */
  readonly #presented = new Set<number>();
  /**
   * Tokens the gateway issued in answers to earlier refreshes, in the order issued; those before #nextRotated were
   * used.
   */
  #rotated: string[] = [];
  #nextRotated = 0;
  #seeded = 0;

  /** Tokens of the sessions seeded by `plan`. */
  constructor(plan: SeedPlan) {
    this.#plan = plan;
  }

  /** The store now holds seeded sessions `0 … count - 1`. */
  seededUpTo(count: number): void {
    this.#seeded = count;
  }

  next(): string {
    // Rejection sampling stays cheap while most seeded tokens are unused; past a few misses, take a rotated one.
    for (let attempt = 0; attempt < 8 && this.#presented.size < this.#seeded; attempt++) {
      const index = Math.floor(Math.random() * this.#seeded);
      if (this.#presented.has(index)) continue;
      this.#presented.add(index);
      return seededRefreshToken(this.#plan, index);
    }
    const rotated = this.#rotated[this.#nextRotated];
    if (rotated !== undefined) {
      this.#nextRotated++;
      // Drops the used ones now and then, so the queue holds only what is still to be handed out.
      if (this.#nextRotated >= 65_536) {
        this.#rotated = this.#rotated.slice(this.#nextRotated);
        this.#nextRotated = 0;
      }
      return rotated;
    }
    for (let index = 0; index < this.#seeded; index++) {
      if (this.#presented.has(index)) continue;
      this.#presented.add(index);
      return seededRefreshToken(this.#plan, index);
    }
    throw new Error('no unused refresh token left: seed more sessions or shorten the refresh run');
  }

  /** Keeps the refresh token of a successful refresh's answer for a later request. */
  keep(answer: string): void {
    const { refreshToken } = JSON.parse(answer) as { refreshToken?: unknown };
    if (typeof refreshToken === 'string') this.#rotated.push(refreshToken);
  }
}
