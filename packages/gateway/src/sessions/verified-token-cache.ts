/**
 * Access tokens whose signature was checked, with their claims: what lets `/v1/verify` answer a token seen before
 * without an ECDSA verification. Bounded; the token used least recently goes first.
 *
 * Entries are keyed by the token's last {@link keyLength} characters, not the whole token. A lookup hashes its key,
 * and the token arrives as a fresh string on every request (V8 caches a string's hash only on the string itself), so
 * a whole-token key meant hashing some 330 characters per request: measured, most of the lookup's cost. The tail is
 * part of the ES256 signature, which is random for every token we sign, so tails do not collide by chance; a hit is
 * then confirmed against the whole token, so a forged token that shares a tail is a miss (and goes on to the full
 * signature check), never a false hit.
 *
 * The bound is lru-cache's: a `Map` dropping its oldest key per new one walked, from its first slot, over the places
 * of every key deleted since its last rehash, which at 20,000 tokens cost each new token about 12 µs.
 */
import { LRUCache } from 'lru-cache';
import type { AccessTokenClaims } from './token-issuer.js';

/** 32 base64url characters: 192 bits of the signature. */
const keyLength = 32;

interface Entry {
  readonly token: string;
  readonly claims: AccessTokenClaims;
}

export class VerifiedTokenCache {
  readonly #entries: LRUCache<string, Entry>;

  constructor(capacity: number) {
    this.#entries = new LRUCache({ max: capacity });
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The claims of exactly this token, if it was remembered. */
  get(token: string): AccessTokenClaims | undefined {
    const entry = this.#entries.get(token.slice(-keyLength));
    return entry !== undefined && entry.token === token ? entry.claims : undefined;
  }

  /** Remembers a token whose signature and claims were checked. */
  set(token: string, claims: AccessTokenClaims): void {
    this.#entries.set(token.slice(-keyLength), { token, claims });
  }

  /** Forgets a token (it expired); a different token that shares its tail is left alone. */
  delete(token: string): void {
    const key = token.slice(-keyLength);
    if (this.#entries.peek(key)?.token === token) this.#entries.delete(key);
  }
}
