/**
 * What the stored installs cost the store, per corp. Redis: `MEMORY USAGE` of the suite's keys that hold installs
 * (one hash per corp, `<prefix>suite:<suiteId>:corp:<corpId>`, and the sorted set of installed corp ids,
 * `<prefix>suite:<suiteId>:corps`; see docs/architecture.md), which counts those keys alone on a Redis others use
 * too. SQLite: how much the file (and its WAL) grew when the installs were saved into a fresh one.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore, type SuiteInstallRecord } from '@wecom-auth/store';
import { Redis } from 'ioredis';
import { saveInstalls } from './install-records.js';

/** The gateway's key prefix (it has no setting: every gateway uses the store's default). */
const keyPrefix = 'wecom-auth:';

/** Keys are measured this many per pipeline. */
const batch = 1_000;

/** Bytes Redis uses for the installs of `corpIds` under `suiteId` (the corp hashes and their share of the index). */
export async function redisInstallBytes(
  url: string,
  suiteId: string,
  corpIds: readonly string[],
): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const suitePrefix = `${keyPrefix}suite:${suiteId}:`;
  try {
    // SAMPLES 0: every element of the sorted set is counted, not an estimate from five.
    let bytes = Number(await redis.call('MEMORY', 'USAGE', `${suitePrefix}corps`, 'SAMPLES', '0'));
    for (let start = 0; start < corpIds.length; start += batch) {
      const pipeline = redis.pipeline();
      for (const corpId of corpIds.slice(start, start + batch)) {
        pipeline.call('MEMORY', 'USAGE', `${suitePrefix}corp:${corpId}`, 'SAMPLES', '0');
      }
      for (const [error, reply] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        // A key that is not there means the layout is not what this reads: better fail than under-count.
        if (reply === null) throw new Error(`no install key under ${suitePrefix}: the key layout changed`);
        bytes += Number(reply);
      }
    }
    return bytes;
  } finally {
    redis.disconnect();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** How many bytes a fresh SQLite store file (and its WAL) grew by when `records` were saved through the adapter. */
export async function sqliteInstallBytes(records: readonly SuiteInstallRecord[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-bench-tenants-'));
  const file = join(dir, 'installs.db');
  const size = (): number => fileSize(file) + fileSize(`${file}-wal`);
  try {
    // Opening migrates the schema; closing checkpoints, so both sizes are of a file at rest.
    await createSqliteStore({ path: file }).close();
    const empty = size();
    const store = createSqliteStore({ path: file });
    try {
      await saveInstalls(store.suites, records);
    } finally {
      await store.close();
    }
    return size() - empty;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
