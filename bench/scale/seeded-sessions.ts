/**
 * The sessions the scale benchmark seeds: the records a login writes (see `SessionService` in the gateway), built
 * with the gateway's own refresh-token hash and data sealer, so the gateway treats them exactly like its own.
 *
 * Everything that identifies session `index` is derived from the index, so the benchmark can present the refresh
 * token of any seeded session later without keeping a million tokens in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createDataSealer, type DataSealer, deriveDataKey, hashRefreshToken } from '@wecom-auth/gateway';
import type { SessionRecord } from '@wecom-auth/store';

const DAY_MS = 86_400_000;

export interface SeedPlan {
  readonly corpId: string;
  /** Active employees of the sandbox: a refresh looks the employee up, so each session must name a real one. */
  readonly userIds: readonly string[];
  /**
   * Session_keys sealed as the gateway seals them, with the key it derives from the same secret. A pool reused
   * round robin: sealing costs more than everything else a seeded session needs, and the store neither reads nor
   * deduplicates the ciphertext, so only its size matters here.
   */
  readonly sealedSessionKeys: readonly string[];
  /** Seeding time: every session is between 0 and 20 days old and unexpired at this time. */
  readonly now: number;
  readonly refreshTtlMs: number;
}

export function seedPlan(input: {
  corpId: string;
  secret: string;
  userIds: readonly string[];
  refreshTtlSeconds: number;
}): SeedPlan {
  if (input.userIds.length === 0) throw new Error('seedPlan: no active employees to own the sessions');
  return {
    corpId: input.corpId,
    userIds: input.userIds,
    sealedSessionKeys: sealSessionKeys(
      createDataSealer(deriveDataKey({ configuredKey: undefined, secret: input.secret })),
      4_096,
    ),
    now: Date.now(),
    refreshTtlMs: input.refreshTtlSeconds * 1000,
  };
}

function sealSessionKeys(sealer: DataSealer, count: number): string[] {
  // A WeCom session_key is 16 random bytes in base64.
  return Array.from({ length: count }, () => sealer.seal(randomBytes(16).toString('base64'), 'session_key'));
}

function digest(label: string, index: number): Buffer {
  return createHash('sha256').update(`wecom-auth scale bench ${label} ${index}`).digest();
}

/**
 * The refresh token of seeded session `index`, in the shape of the gateway's own (refresh-token.ts): the time it was
 * issued (the session's last refresh) in 9 base-36 digits, the session's id, then 32 bytes in base64url, here derived
 * from the index.
 */
export function seededRefreshToken(plan: SeedPlan, index: number): string {
  return timedRefreshToken(
    seededRefreshedAt(plan, index),
    seededSessionId(plan, index),
    digest('refresh', index),
  );
}

/** A refresh token of session `sessionId` issued at `issuedAt` with the 32 bytes `secret`, as the gateway lays one out. */
export function timedRefreshToken(issuedAt: number, sessionId: string, secret: Buffer): string {
  return issuedAt.toString(36).padStart(9, '0') + sessionId + secret.toString('base64url');
}

/**
 * The id of seeded session `index`, laid out as the gateway lays out its own (session-id.ts): the creation time in 9
 * base-36 digits, then 13 characters that are random there and derived from the index here.
 */
export function seededSessionId(plan: SeedPlan, index: number): string {
  return (
    seededCreatedAt(plan, index).toString(36).padStart(9, '0') +
    digest('session', index).subarray(0, 10).toString('base64url').slice(0, 13)
  );
}

/** When seeded session `index` was created: over the last 20 days, so ages vary as in a real population. */
export function seededCreatedAt(plan: SeedPlan, index: number): number {
  return plan.now - ((index * 7_919) % (20 * DAY_MS));
}

/**
 * When seeded session `index` was last refreshed: within the 12 hours before seeding, as the sessions that refresh are
 * those in daily use. On Redis the login (here, the seeding) extended their indexes a day past them, so their
 * refreshes write none, at every size alike: a refresh of a session left a day or more also writes its indexes
 * (docs/benchmarks.md, run I), which would make the sizes whose runs present more of the seeded tokens (the larger
 * ones) measure a dearer refresh.
 */
function seededRefreshedAt(plan: SeedPlan, index: number): number {
  return Math.max(seededCreatedAt(plan, index), plan.now - ((index * 104_729) % (DAY_MS / 2)));
}

export function seededSession(plan: SeedPlan, index: number): SessionRecord {
  const createdAt = seededCreatedAt(plan, index);
  const refreshedAt = seededRefreshedAt(plan, index);
  return {
    id: seededSessionId(plan, index),
    corpId: plan.corpId,
    userId: plan.userIds[index % plan.userIds.length] as string,
    refreshTokenHash: hashRefreshToken(seededRefreshToken(plan, index)),
    sessionKeyCiphertext: plan.sealedSessionKeys[index % plan.sealedSessionKeys.length] as string,
    createdAt,
    refreshedAt,
    expiresAt: refreshedAt + plan.refreshTtlMs,
  };
}
