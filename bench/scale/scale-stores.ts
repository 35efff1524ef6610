/** The two stores the scale benchmark compares, each with its seeding path and its size reading. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScratchRedis } from '@wecom-auth/testing';
import { seedRedis } from './seed-redis.js';
import { seedSqlite } from './seed-sqlite.js';
import type { SeedPlan } from './seeded-sessions.js';

export type ScaleStoreKind = 'sqlite' | 'redis';

export interface ScaleStore {
  readonly kind: ScaleStoreKind;
  /** Environment that makes a gateway use this store. */
  readonly env: Readonly<Record<string, string>>;
  /** Adds seeded sessions `from … to - 1`; no gateway may have the store open meanwhile. */
  seed(from: number, to: number): Promise<void>;
  /** SQLite: the file plus its WAL. Redis: `used_memory`. */
  bytes(): Promise<number>;
  close(): Promise<void>;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export async function openScaleStore(kind: ScaleStoreKind, plan: SeedPlan): Promise<ScaleStore> {
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-scale-'));
      const file = join(dir, 'scale.db');
      return {
        kind,
        // REDIS_URL empty: an inherited one must not win over the SQLite file.
        env: { WECOM_AUTH_DB: file, REDIS_URL: '' },
        seed: (from, to) => seedSqlite(file, plan, from, to),
        bytes: async () => fileSize(file) + fileSize(`${file}-wal`),
        async close() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'redis': {
      // A scratch server of its own: its used_memory is then this benchmark's data alone, and stopping it cleans up.
      const redis = await startScratchRedis();
      return {
        kind,
        env: { REDIS_URL: redis.url },
        seed: (from, to) => seedRedis(redis.url, plan, from, to),
        bytes: () => redis.usedMemory(),
        close: () => redis.stop(),
      };
    }
  }
}
