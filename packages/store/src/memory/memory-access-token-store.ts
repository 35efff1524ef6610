import type { AccessTokenStore } from '@wecom-auth/api';
import { assertPositiveMs } from '../input-validation.js';

/**
 * The access-token port of the memory store: the api package's reference store (`createMemoryAccessTokenStore`),
 * which takes any lock TTL, behind the check every adapter makes, so that a TTL making the lock meaningless is refused.
 */
export function withLockTtlCheck(tokens: AccessTokenStore): AccessTokenStore {
  return {
    get: (key) => tokens.get(key),
    putIfNewer: (key, record) => tokens.putIfNewer(key, record),
    deleteIfToken: (key, token) => tokens.deleteIfToken(key, token),
    async tryLock(key, ttlMs) {
      assertPositiveMs('accessTokens.tryLock: ttlMs', ttlMs);
      return tokens.tryLock(key, ttlMs);
    },
    waitForChange: (key, timeoutMs) => tokens.waitForChange(key, timeoutMs),
  };
}
