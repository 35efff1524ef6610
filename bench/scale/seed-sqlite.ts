/**
 * Seeds sessions into a SQLite store file.
 *
 * Not through HTTP: each login there costs a WeCom exchange, an ES256 signature and a durable write, a few
 * hundred per second on this machine, so a million would take about an hour; and that path is what the benchmark
 * measures afterwards, not what it needs for setting up. Not through `sessions.create` either: the adapter commits
 * each session in its own transaction with `synchronous=FULL`, one fsync per session. So the schema comes from the
 * adapter itself (opening the file migrates it), and the rows, exactly as `sessions.create` writes them, go in
 * large transactions without fsync; the file is then checkpointed, so the gateway opens it as after a clean stop.
 */
import { createSqliteStore } from '@wecom-auth/store';
import Database from 'better-sqlite3';
import { type SeedPlan, seededCreatedAt, seededSession } from './seeded-sessions.js';

const BATCH = 20_000;

/** Adds sessions `from` … `to - 1` of `plan` to the store file at `path`. */
export async function seedSqlite(path: string, plan: SeedPlan, from: number, to: number): Promise<void> {
  await createSqliteStore({ path }).close();
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    // Ids and hashes are random, so inserts land all over the indexes: a cache that holds them avoids rereads.
    db.pragma('cache_size = -262144');
    const insertSession = db.prepare(
      `INSERT INTO sessions (id, corp_id, user_id, refresh_token_hash, session_key_ciphertext, created_at,
         refreshed_at, expires_at, sweep_at, revoked_at, revoke_reason)
       VALUES (@id, @corpId, @userId, @refreshTokenHash, @sessionKeyCiphertext, @createdAt, @refreshedAt,
         @expiresAt, @expiresAt, NULL, NULL)`,
    );
    const insertHash = db.prepare(
      'INSERT INTO refresh_hashes (hash, session_id, expires_at) VALUES (?, ?, ?)',
    );
    const insertBatch = db.transaction((indexes: readonly number[]) => {
      for (const index of indexes) {
        const record = seededSession(plan, index);
        insertSession.run(record);
        insertHash.run(record.refreshTokenHash, record.id, record.expiresAt);
      }
    });
    // In the order of their logins, as the gateway's own file fills: its session ids begin with the creation time,
    // so the sessions table (clustered by id) grows at its end, its pages full.
    const order = Array.from({ length: to - from }, (_, offset) => from + offset).sort(
      (a, b) => seededCreatedAt(plan, a) - seededCreatedAt(plan, b),
    );
    for (let start = 0; start < order.length; start += BATCH) insertBatch(order.slice(start, start + BATCH));
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
