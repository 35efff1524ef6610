/**
 * What gateway processes killed and restarted by a test share: a sandbox and a SQLite file that outlive them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '@wecom-auth/sandbox';
import { demoGatewayEnv } from './demo-environment.js';

/** A sandbox and a data directory, with the settings of a gateway on both. */
export interface SandboxAndDatabase {
  readonly sandbox: Sandbox;
  readonly dataDir: string;
  /** The demo environment on the sandbox, with `WECOM_AUTH_DB` in the data directory. */
  readonly gatewayEnv: Record<string, string>;
  /** Closes the sandbox and removes the data directory. */
  close(): Promise<void>;
}

/**
 * Starts a sandbox and makes a data directory; every gateway started with `gatewayEnv` finds the sessions of the
 * ones before it.
 *
 * @example
 * const bed = await startSandboxAndDatabase();
 * const first = await spawnGateway(bed.gatewayEnv);
 * await first.kill();
 * const second = await spawnGateway(bed.gatewayEnv); // same sessions
 */
export async function startSandboxAndDatabase(): Promise<SandboxAndDatabase> {
  const sandbox = await createSandbox({ port: 0 });
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-db-'));
  return {
    sandbox,
    dataDir,
    gatewayEnv: { ...demoGatewayEnv(sandbox.url), WECOM_AUTH_DB: join(dataDir, 'gateway.db') },
    async close() {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
