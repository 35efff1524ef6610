/**
 * How the cost of a refresh grows with the session's own history. Every rotation keeps the earlier refresh hash, so
 * that presenting it again is recognised as theft; a session that stays in use is renewed by each refresh and never
 * expires, so its history only grows. This rotates one session many times through the store adapter (as
 * `POST /v1/sessions/refresh` does, without the HTTP and token work around it) and reports the median time of a
 * rotation at a few history lengths.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashRefreshToken } from '@wecom-auth/gateway';
import { createRedisStore, createSqliteStore, type Store } from '@wecom-auth/store';
import { startScratchRedis } from '@wecom-auth/testing';
import { median } from '../measure.js';
import type { ScaleStoreKind } from './scale-stores.js';
import { type SeedPlan, seededRefreshToken, seededSession, timedRefreshToken } from './seeded-sessions.js';

export interface HistoryPoint {
  /** Rotations the session had been through. */
  readonly rotations: number;
  /** Median duration of the rotations just before that count, in milliseconds. */
  readonly medianMs: number;
}

/** Rotations per median: enough to smooth a busy machine's jitter, few enough to stay at one history length. */
const window = 20;

async function rotateMany(store: Store, plan: SeedPlan, marks: readonly number[]): Promise<HistoryPoint[]> {
  const session = seededSession(plan, 0);
  await store.sessions.create(session);
  let presented = hashRefreshToken(seededRefreshToken(plan, 0));
  const durations: number[] = [];
  const points: HistoryPoint[] = [];
  const last = Math.max(...marks);
  for (let rotation = 1; rotation <= last; rotation++) {
    const at = Date.now();
    const next = hashRefreshToken(timedRefreshToken(at, session.id, randomBytes(32)));
    const started = performance.now();
    // With the hint the gateway reads from the token it is presented (the session it names).
    const result = await store.sessions.rotate(
      presented,
      { refreshTokenHash: next, refreshedAt: at, expiresAt: at + plan.refreshTtlMs },
      { sessionId: session.id },
    );
    durations.push(performance.now() - started);
    if (result.outcome !== 'rotated') throw new Error(`rotation ${rotation} answered ${result.outcome}`);
    presented = next;
    if (marks.includes(rotation))
      points.push({ rotations: rotation, medianMs: median(durations.slice(-window)) });
  }
  return points;
}

/**
 * On a store of its own (a fresh SQLite file or scratch Redis), so the seeded population is not disturbed; not on a
 * cluster, which the benchmark does not own.
 */
export async function measureRotationHistory(
  kind: Exclude<ScaleStoreKind, 'redis-cluster'>,
  plan: SeedPlan,
  marks: readonly number[],
): Promise<HistoryPoint[]> {
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-history-'));
      const store = createSqliteStore({ path: join(dir, 'history.db') });
      try {
        return await rotateMany(store, plan, marks);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    case 'redis': {
      const redis = await startScratchRedis();
      const store = createRedisStore({ url: redis.url, commandTimeoutMs: 10_000 });
      try {
        return await rotateMany(store, plan, marks);
      } finally {
        await store.close();
        await redis.stop();
      }
    }
  }
}
