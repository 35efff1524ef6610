/**
 * Finds which recorded secrets occur in a text, in one pass over it whatever the number of secrets: the suite records
 * thousands of them (a session_key per login, every token) and tens of megabytes of evidence, and one `includes` per
 * secret and file took most of a minute. Rabin–Karp over each secret's first characters (every secret is at least
 * that long), each hit confirmed by comparing the whole secret, so the answer is exact.
 */
import type { RecordedSecret } from './evidence.js';

/** Characters hashed; `recordSecret` keeps no secret shorter than this. */
const window = 8;
const base = 257;
/** A prime near 2^30: every intermediate value stays a safe integer (65 535 × 2^30 < 2^53). */
const modulus = 1_073_741_789;

function hashOf(text: string, from: number): number {
  let hash = 0;
  for (let i = from; i < from + window; i += 1) hash = (hash * base + text.charCodeAt(i)) % modulus;
  return hash;
}

/** base^(window − 1) mod modulus: the weight of the character leaving the window. */
const leading = (() => {
  let power = 1;
  for (let i = 1; i < window; i += 1) power = (power * base) % modulus;
  return power;
})();

export class SecretMatcher {
  readonly #byHash = new Map<number, RecordedSecret[]>();

  constructor(secrets: readonly RecordedSecret[]) {
    for (const secret of secrets) {
      if (secret.value.length < window) throw new RangeError(`a secret shorter than ${window} characters`);
      const hash = hashOf(secret.value, 0);
      const bucket = this.#byHash.get(hash);
      if (bucket) bucket.push(secret);
      else this.#byHash.set(hash, [secret]);
    }
  }

  /** The secrets that occur anywhere in `text`. */
  find(text: string): RecordedSecret[] {
    const found = new Set<RecordedSecret>();
    if (text.length < window || this.#byHash.size === 0) return [];
    let hash = hashOf(text, 0);
    for (let i = 0; ; i += 1) {
      const bucket = this.#byHash.get(hash);
      if (bucket)
        for (const secret of bucket)
          if (!found.has(secret) && text.startsWith(secret.value, i)) found.add(secret);
      const next = i + window;
      if (next >= text.length) break;
      hash = (hash - ((text.charCodeAt(i) * leading) % modulus) + modulus) % modulus;
      hash = (hash * base + text.charCodeAt(next)) % modulus;
    }
    return [...found];
  }
}
