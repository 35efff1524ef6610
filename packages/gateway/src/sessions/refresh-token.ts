/**
 * Refresh tokens, the digest of one that a store keeps in its place, and the session a token names.
 *
 * A refresh token is its holder's secret: 256 random bits, of which the store keeps only a SHA-256 digest, so that a
 * copy of the store logs nobody in. A token of this release is laid out for the SQLite store, which keeps every
 * digest in a table clustered by digest, and reaches a session through it on every refresh:
 *
 * - It begins with the time it was issued ({@link sortableTime}, 9 characters), and its digest begins with the same 9
 *   characters. A bare SHA-256 is uniformly random, so each login's and refresh's insert landed on a leaf page of its
 *   own, read from the OS and written to the WAL (and copied again by the checkpoint) once the file outgrew its page
 *   cache. With the issue time first, the digests of one moment sit together and the table grows at its end.
 * - Then it names its session (the 22-character session id), which the store may use to read the session by id and
 *   compare its current digest, instead of finding the session through the digest's own leaf, cold at a million
 *   sessions ({@link refreshTokenSessionId}). That is a hint, not a claim: the store answers as it would without it,
 *   and the digest covers the whole token, so a token whose session id was changed is simply unknown.
 * - Then 32 random bytes in base64url (43 characters): the secret.
 *
 * Neither the time nor the session id is secret: the session id travels in every access token's `sid` claim, and the
 * holder learns when its token was issued, nothing more. The digest stays 52 characters, the issue time and the
 * SHA-256 of the whole token, so that the session id is not kept twice. Tokens of earlier releases still refresh,
 * and their sessions are then given a token of this form: one of 52 characters (issue time and secret) has the same
 * digest as before and no hint; one of 43 (the secret alone) keeps its bare digest.
 */
import { createHash } from 'node:crypto';
import { randomToken } from './random-pool.js';
import { SORTABLE_TIME_LENGTH, sortableTime } from './sortable-time.js';

/** Random bytes at the end of a token: 32, as a token of the first release was made of alone. */
const SECRET_BYTES = 32;

/** The session ids a token can name: 22 base64url characters, as the gateway makes them (session-id.ts). */
const NAMEABLE_SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** A token of this release, or of the one before (no session id): the issue time first, the secret last. */
const TIMED_TOKEN = /^[0-9a-z]{9}(?:[A-Za-z0-9_-]{22})?[A-Za-z0-9_-]{43}$/;

const SESSION_ID_START = SORTABLE_TIME_LENGTH;
const SESSION_ID_END = SESSION_ID_START + 22;
const NAMING_TOKEN_LENGTH = SESSION_ID_END + 43;

/**
 * A new refresh token for session `sessionId`, issued at `now` (epoch ms). A session id the token cannot carry (not
 * 22 base64url characters: none the gateway makes) leaves it out, and the token is then found by its digest alone.
 */
export function newRefreshToken(now: number, sessionId: string): string {
  const named = NAMEABLE_SESSION_ID.test(sessionId) ? sessionId : '';
  return sortableTime(now) + named + randomToken(SECRET_BYTES);
}

/**
 * What a store keeps of `refreshToken`, and looks it up by: the SHA-256 digest in base64url, after the token's issue
 * time when it has one. Any string has a digest; one no store holds is simply an unknown token.
 */
export function hashRefreshToken(refreshToken: string): string {
  const digest = createHash('sha256').update(refreshToken).digest('base64url');
  return TIMED_TOKEN.test(refreshToken) ? refreshToken.slice(0, SORTABLE_TIME_LENGTH) + digest : digest;
}

/**
 * The session `refreshToken` names, if it has the layout of a token that names one: what the client presented, so a
 * hint for the store's lookup (`RefreshHashHint`) and nothing more. Never a reason to trust the token.
 */
export function refreshTokenSessionId(refreshToken: string): string | undefined {
  return refreshToken.length === NAMING_TOKEN_LENGTH && TIMED_TOKEN.test(refreshToken)
    ? refreshToken.slice(SESSION_ID_START, SESSION_ID_END)
    : undefined;
}
