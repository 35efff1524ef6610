import type { SessionRecord } from './ports.js';

/** What a presented refresh token means for the session that once held it. */
export type RotationDecision = 'rotate' | 'repeat' | 'reuse' | 'revoked' | 'expired';

/** The repeat kept by a session's latest rotation: the hash it replaced, and when its window closes. */
export interface KeptRepeat {
  readonly replacedHash: string;
  readonly until: number;
}

/**
 * The rotation rule shared by the in-process adapters (the Redis adapter runs the same rule in Lua): a revoked
 * session stays revoked, an expired one is reported as such (revoking it would achieve nothing), the current hash
 * rotates, the hash the latest rotation replaced is a repeat while that rotation's window is open, and any other
 * earlier hash is a reuse.
 */
export function decideRotation(
  session: SessionRecord,
  presentedHash: string,
  now: number,
  repeat?: KeptRepeat,
): RotationDecision {
  if (session.revokedAt !== undefined) return 'revoked';
  if (session.expiresAt <= now) return 'expired';
  if (session.refreshTokenHash === presentedHash) return 'rotate';
  return repeat?.replacedHash === presentedHash && now < repeat.until ? 'repeat' : 'reuse';
}
