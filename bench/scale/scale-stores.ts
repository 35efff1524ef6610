/**
 * The stores the scale benchmark compares, each with its seeding path, its size reading and, for Redis, the
 * server's own readings (CPU, time per command).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAddressOf, startScratchRedis } from '@wecom-auth/testing';
import { RedisServerStats } from './redis-server-stats.js';
import { seedRedis } from './seed-redis.js';
import { seedSqlite } from './seed-sqlite.js';
import type { SeedPlan } from './seeded-sessions.js';
import { warmFile, warmRedis } from './warm-store.js';

export const scaleStoreKinds = ['sqlite', 'redis', 'redis-cluster'] as const;
export type ScaleStoreKind = (typeof scaleStoreKinds)[number];

/** The environment variable that names the nodes of the Redis Cluster to measure (`host:port,host:port,…`). */
export const clusterNodesVariable = 'WECOM_AUTH_BENCH_REDIS_CLUSTER';

export interface ScaleStore {
  readonly kind: ScaleStoreKind;
  /** Environment that makes a gateway use this store. */
  readonly env: Readonly<Record<string, string>>;
  /** Adds seeded sessions `from … to - 1`; no gateway may have the store open meanwhile. */
  seed(from: number, to: number): Promise<void>;
  /**
   * Reads the `count` seeded sessions once, so that every size is measured on memory touched alike (see warm-store.ts).
   */
  warm(count: number): Promise<void>;
  /** SQLite: the file plus its WAL. Redis: `used_memory` (summed over the nodes of a cluster). */
  bytes(): Promise<number>;
  /** The Redis server's CPU and per-command readings; none for SQLite, which runs inside the gateway. */
  readonly server?: RedisServerStats;
  close(): Promise<void>;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The cluster's nodes from {@link clusterNodesVariable}; undefined when it is unset or empty. */
export function clusterNodesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const nodes = (env[clusterNodesVariable] ?? '')
    .split(',')
    .map((node) => node.trim())
    .filter((node) => node !== '');
  if (nodes.length === 0) return undefined;
  for (const node of nodes) {
    if (!/^[^:\s]+:\d+$/.test(node)) {
      throw new Error(`${clusterNodesVariable}: "${node}" is not host:port`);
    }
  }
  return nodes;
}

export async function openScaleStore(kind: ScaleStoreKind, plan: SeedPlan): Promise<ScaleStore> {
  switch (kind) {
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-scale-'));
      const file = join(dir, 'scale.db');
      return {
        kind,
        // REDIS_URL empty: an inherited one must not win over the SQLite file.
        env: { WECOM_AUTH_DB: file, REDIS_URL: '', REDIS_CLUSTER_NODES: '' },
        seed: (from, to) => seedSqlite(file, plan, from, to),
        warm: () => warmFile(file),
        bytes: async () => fileSize(file) + fileSize(`${file}-wal`),
        async close() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'redis': {
      // A scratch server of its own: its used_memory is then this benchmark's data alone, and stopping it cleans up.
      const redis = await startScratchRedis();
      const server = new RedisServerStats([redis.url]);
      return {
        kind,
        env: { REDIS_URL: redis.url, REDIS_CLUSTER_NODES: '' },
        seed: (from, to) => seedRedis({ url: redis.url }, plan, from, to),
        warm: (count) => warmRedis({ url: redis.url }, plan, count),
        bytes: () => server.usedMemory(),
        server,
        async close() {
          server.close();
          await redis.stop();
        },
      };
    }
    case 'redis-cluster': {
      const nodes = clusterNodesFromEnv();
      if (!nodes) throw new Error(`redis-cluster: set ${clusterNodesVariable}=host:port,host:port,…`);
      // Not a scratch server: the cluster is the operator's, so nothing here flushes or stops it. Use a cluster
      // kept for benchmarks; its used_memory then counts whatever else it holds too.
      const server = new RedisServerStats(nodes.map((node) => `redis://${node}`));
      return {
        kind,
        // The gateway's own setting for a cluster; REDIS_URL empty so that an inherited one does not win.
        env: { REDIS_CLUSTER_NODES: nodes.join(','), REDIS_URL: '' },
        // Through the store adapter, as on one Redis: the keys are exactly a login's, spread over the slots.
        seed: (from, to) => seedRedis({ cluster: { nodes: nodes.map(redisAddressOf) } }, plan, from, to),
        warm: (count) => warmRedis({ cluster: { nodes: nodes.map(redisAddressOf) } }, plan, count),
        bytes: () => server.usedMemory(),
        server,
        async close() {
          server.close();
        },
      };
    }
  }
}
