/**
 * Reads every seeded session once, right before a size is measured.
 *
 * The machine these benchmarks run on is a virtual machine whose memory is reclaimed beneath it when left idle: a
 * page not touched for a minute or two costs several times more on its next touch, with no page fault the guest can
 * see (docs/benchmarks.md, "Scale"). Seeding a million sessions takes about a minute, so without this step the
 * largest size was measured on mostly cold memory and the smaller sizes, seeded seconds before, on warm memory: the
 * comparison measured the machine, not the store. Reading everything once gives every size the same start.
 */
import { open } from 'node:fs/promises';
import { hashRefreshToken } from '@wecom-auth/gateway';
import { createRedisStore } from '@wecom-auth/store';
import type { ScaleRedis } from './seed-redis.js';
import { type SeedPlan, seededRefreshToken } from './seeded-sessions.js';

const IN_FLIGHT = 256;

/**
 * Redis: finds each of sessions `0 … count - 1` by its refresh hash through the store adapter, which reads the two
 * keys a refresh reads (the hash's key and the session).
 */
export async function warmRedis(redis: ScaleRedis, plan: SeedPlan, count: number): Promise<void> {
  const store = createRedisStore({
    ...redis,
    commandTimeoutMs: 60_000,
    connectionName: 'wecom-auth-scale-warm',
  });
  try {
    await store.ping();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const found = await store.sessions.findByRefreshHash(
          hashRefreshToken(seededRefreshToken(plan, index)),
        );
        if (!found) throw new Error(`seeded session ${index} is not in the store`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  } finally {
    await store.close();
  }
}

/** SQLite: reads the whole file once, which brings it into the OS page cache the gateway's reads go through. */
export async function warmFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    while ((await file.read(buffer, 0, buffer.length, null)).bytesRead > 0) {
      // Nothing to keep: the read itself is the point.
    }
  } finally {
    await file.close();
  }
}
