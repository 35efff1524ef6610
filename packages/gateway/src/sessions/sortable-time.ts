/**
 * A moment written so that text order is time order: epoch milliseconds as 9 base-36 digits (`0-9a-z`, whose ASCII
 * order is their numeric order), until the year 5138. What the gateway writes at the front of a key that a store
 * indexes (a session id, a refresh token's digest) so that the keys of one moment sit together and a store's B-tree
 * grows at its end instead of at random places.
 */

/** How many characters {@link sortableTime} writes. */
export const SORTABLE_TIME_LENGTH = 9;

/** `now` (epoch ms) as {@link SORTABLE_TIME_LENGTH} base-36 digits; a time before 1970 is written as 1970. */
export function sortableTime(now: number): string {
  return Math.max(0, Math.floor(now)).toString(36).padStart(SORTABLE_TIME_LENGTH, '0');
}
