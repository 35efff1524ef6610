import type { SessionRecord } from './ports.js';

/** What a presented refresh token means for the session that once held it. */
export type RotationDecision = 'rotate' | 'reuse' | 'revoked' | 'expired';

/**
 * The rotation rule shared by the in-process adapters (the Redis adapter runs the same rule in Lua): a revoked
 * session stays revoked, an expired one is reported as such (revoking it would achieve nothing), the current hash
 * rotates, and any earlier hash of the session is a reuse.
 */
export function decideRotation(session: SessionRecord, presentedHash: string, now: number): RotationDecision {
  if (session.revokedAt !== undefined) return 'revoked';
  if (session.expiresAt <= now) return 'expired';
  return session.refreshTokenHash === presentedHash ? 'rotate' : 'reuse';
}
