/**
 * Seeds sessions into Redis through the store adapter itself, so the keys, TTLs and indexes are exactly those a
 * login writes (one Lua script per session). Not through HTTP, for the reason given in `seed-sqlite.ts`; many
 * creates are kept in flight at once, so ioredis pipelines them on its connection and the seeding is bounded by
 * Redis, not by round trips.
 */
import { createRedisStore, type RedisStoreOptions } from '@wecom-auth/store';
import { type SeedPlan, seededSession } from './seeded-sessions.js';

const IN_FLIGHT = 256;

/** Where the seeded Redis is: one server (`url`) or a Cluster (`cluster`). */
export type ScaleRedis = Pick<RedisStoreOptions, 'url' | 'cluster'>;

/** Adds sessions `from` … `to - 1` of `plan` to the Redis `redis` names, under the gateway's default key prefix. */
export async function seedRedis(redis: ScaleRedis, plan: SeedPlan, from: number, to: number): Promise<void> {
  // Generous: a busy Redis answering a deep pipeline must not be taken for an unreachable one.
  const store = createRedisStore({
    ...redis,
    commandTimeoutMs: 60_000,
    connectionName: 'wecom-auth-scale-seed',
  });
  try {
    // Connected before the lanes start, so none of them queues a wait on the connection.
    await store.ping();
    let next = from;
    const lane = async (): Promise<void> => {
      while (next < to) {
        const index = next++;
        await store.sessions.create(seededSession(plan, index));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  } finally {
    await store.close();
  }
}
