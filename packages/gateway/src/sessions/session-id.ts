/**
 * Session ids: 22 characters, the creation time first, so that the sessions of one moment sit together in the
 * store's indexes.
 *
 * A session id is not a secret (it travels in every access token's `sid` claim; the refresh token is the secret), but
 * it must not collide and should not be guessed. It was 16 random bytes: every login then inserted its session id
 * at a random place in the SQLite `sessions` primary key and in the refresh hashes' by-session index, two B-tree
 * leaf pages written to the WAL per login (and copied again by the checkpoint) that no other login of the same
 * commit shared, and more of them the larger the store. With the time first, the logins of one commit write next
 * to each other: 5.3 WAL pages per login became 3.3 (10k sessions; 5.7 and 3.7 at 100k), measured through the store
 * adapter in batches of ten.
 *
 * Layout: the creation time as {@link sortableTime} writes it (9 base-36 digits, so ids sort by time to the
 * millisecond), then 13 base64url characters (78 random bits).
 */
import { randomToken } from './random-pool.js';
import { sortableTime } from './sortable-time.js';

const RANDOM_CHARACTERS = 13;

/** A new session id for a session created at `now` (epoch ms). */
export function newSessionId(now: number): string {
  // 10 random bytes are 14 base64url characters; the first 13 carry 78 bits.
  return sortableTime(now) + randomToken(10).slice(0, RANDOM_CHARACTERS);
}
