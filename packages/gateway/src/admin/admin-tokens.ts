/**
 * The admin API's bearer tokens: any configured one is accepted (several while one is rotated), compared in constant
 * time, so that how long a refusal takes says nothing about how close a guess was.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a request's `Authorization` header amounts to. */
export type AdminAuthorization = 'granted' | 'missing' | 'wrong';

/** Digests of equal length whatever the token's length, so `timingSafeEqual` always compares the same size. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Checks `Authorization: Bearer <token>` headers against `tokens`: every configured token is compared, whichever
 * matches, and the comparison takes the same time for any wrong token.
 *
 * @example
 * const authorize = adminAuthorizer(config.adminTokens);
 * authorize(request.headers.authorization); // 'granted' | 'missing' | 'wrong'
 */
export function adminAuthorizer(
  tokens: readonly string[],
): (authorization: string | undefined) => AdminAuthorization {
  if (tokens.length === 0) throw new TypeError('adminAuthorizer: at least one token is required');
  const expected = tokens.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return 'missing';
    const presented = digest(match[1]);
    let granted = false;
    for (const candidate of expected) granted = timingSafeEqual(candidate, presented) || granted;
    return granted ? 'granted' : 'wrong';
  };
}

/**
 * A fresh admin token (32 random bytes, base64url): what sandbox mode starts with when none is configured, and what
 * the documentation suggests making.
 *
 * @example
 * const token = generateAdminToken(); // 43 characters
 */
export function generateAdminToken(): string {
  return randomBytes(32).toString('base64url');
}
