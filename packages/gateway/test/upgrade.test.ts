/**
 * An upgrade from the single-corp release: its SQLite file (schema 1) opens under a gateway serving a group of corps,
 * migrates, and keeps what it held: sessions still verify and refresh, and an event recorded before the upgrade
 * (with no corp) is applied to the default corp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildChangeContactXml } from '@wecom-auth/crypto';
import { createSandbox, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import { eventually, groupGatewayEnv, startGatewayUnderTest } from '@wecom-auth/testing';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CALLBACKS = {
  [DEMO_CORP_ID]: {
    callbackToken: 'upgradeToken1',
    callbackAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  },
};

let sandbox: Sandbox;
let dataDir: string;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
  dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-upgrade-'));
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Turns the file back into what the single-corp release wrote: schema 1, an inbox without corps. */
function downgradeToSchema1(path: string, pendingEvent: string): number {
  const db = new Database(path);
  const { version } = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as {
    version: number;
  };
  // Every later schema's additions go, so that opening the file applies each migration after the first again.
  db.exec(`
    DROP INDEX IF EXISTS sessions_by_sweep;
    ALTER TABLE sessions DROP COLUMN sweep_at;
    CREATE INDEX sessions_by_expiry ON sessions (expires_at);
    CREATE TABLE session_refresh_hashes (
      hash TEXT PRIMARY KEY,
      session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE
    );
    INSERT INTO session_refresh_hashes (hash, session_id) SELECT hash, session_id FROM refresh_hashes;
    CREATE INDEX session_refresh_hashes_by_session ON session_refresh_hashes (session_id);
    DROP TABLE refresh_hashes;
    DROP INDEX IF EXISTS revocations_by_expiry;
    DROP INDEX IF EXISTS cache_by_expiry;
    DROP INDEX IF EXISTS inbox_applied;
    ALTER TABLE inbox DROP COLUMN corp_id;
    DROP TABLE IF EXISTS suite_tickets;
    DROP TABLE IF EXISTS suite_installs;
    DROP TABLE IF EXISTS login_retries;
    DROP TABLE IF EXISTS rotation_repeats;
    DROP TABLE IF EXISTS security_events;
    ALTER TABLE sessions DROP COLUMN user_agent;
    ALTER TABLE sessions DROP COLUMN client_ip;
    DELETE FROM schema_version WHERE version > 1;
  `);
  db.prepare('INSERT INTO inbox (id, payload, received_at) VALUES (?, ?, ?)').run(
    'legacy-1',
    pendingEvent,
    Date.now(),
  );
  db.close();
  return version;
}

describe('upgrading a single-corp SQLite file', () => {
  it('keeps its sessions and applies its pending events to the default corp', async () => {
    // The single-corp gateway: one corp from WECOM_CORP_ID, as the earlier release was configured.
    const before = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir,
      env: { LOG_LEVEL: 'warn' },
    });
    const kept = await before.login('zhangsan');
    const leaver = await before.login('lisi');
    await before.close();
    const currentVersion = downgradeToSchema1(
      join(dataDir, 'gateway.db'),
      buildChangeContactXml({ kind: 'delete_user', toUserName: DEMO_CORP_ID, userId: 'lisi' }),
    );

    const after = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir,
      env: { ...groupGatewayEnv(sandbox.url, CALLBACKS), LOG_LEVEL: 'warn' },
    });
    try {
      const db = new Database(join(dataDir, 'gateway.db'), { readonly: true });
      expect(db.prepare('SELECT MAX(version) AS version FROM schema_version').get()).toEqual({
        version: currentVersion,
      });
      db.close();
      const verify = await after.call('GET', '/v1/verify', { token: String(kept.accessToken) });
      expect(verify.status).toBe(204);
      expect(verify.headers.get('x-wecom-corpid')).toBe(DEMO_CORP_ID);
      const refreshed = await after.call('POST', '/v1/sessions/refresh', {
        body: { refreshToken: kept.refreshToken },
      });
      expect(refreshed.status).toBe(200);
      // The pending event of the single-corp release is the default corp's: lisi's session ends.
      const refused = async () =>
        (await after.call('GET', '/v1/verify', { token: String(leaver.accessToken) })).status === 401;
      expect(await eventually(refused, 6_000)).toBe(true);
    } finally {
      await after.close();
    }
  });
});
