/**
 * Refresh tokens, and the digest of one that a store keeps in its place.
 *
 * A refresh token is its holder's secret: 256 random bits, of which the store keeps only a SHA-256 digest, so that a
 * copy of the store logs nobody in. A token of this release begins with the time it was issued ({@link sortableTime},
 * 9 characters), and its digest begins with the same 9 characters. The reason is the SQLite store: it keeps every
 * digest in a table clustered by digest, and each login and each refresh inserts one. A bare SHA-256 is uniformly
 * random, so every insert landed on a leaf page of its own, read from the OS and written to the WAL (and copied again
 * by the checkpoint) once the file outgrew its page cache: one page per refresh that no other refresh shared, and
 * the larger the store, the more of them missed the cache. With the issue time first, the digests of one moment sit
 * together: the table grows at its end, whose pages the concurrent writes of one commit share. (Redis and the memory
 * store look digests up in hash tables, where their order changes nothing.)
 *
 * The time is not secret: the holder learns when its token was issued, nothing more. The digest covers the whole
 * token, the time included, so no token can be made to share another's digest by borrowing its time. A token of an
 * earlier release (43 base64url characters, no time) keeps its bare digest, so it still refreshes, and its session
 * is then given a token of this form.
 */
import { createHash } from 'node:crypto';
import { randomToken } from './random-pool.js';
import { SORTABLE_TIME_LENGTH, sortableTime } from './sortable-time.js';

/** Random bytes after the issue time: 32, as a token of an earlier release was made of alone. */
const SECRET_BYTES = 32;

/** A token of this release: the issue time, then 32 bytes in base64url (43 characters). */
const TIMED_TOKEN = /^[0-9a-z]{9}[A-Za-z0-9_-]{43}$/;

/** A new refresh token, issued at `now` (epoch ms). */
export function newRefreshToken(now: number): string {
  return sortableTime(now) + randomToken(SECRET_BYTES);
}

/**
 * What a store keeps of `refreshToken`, and looks it up by: the SHA-256 digest in base64url, after the token's issue
 * time when it has one. Any string has a digest; one no store holds is simply an unknown token.
 */
export function hashRefreshToken(refreshToken: string): string {
  const digest = createHash('sha256').update(refreshToken).digest('base64url');
  return TIMED_TOKEN.test(refreshToken) ? refreshToken.slice(0, SORTABLE_TIME_LENGTH) + digest : digest;
}
