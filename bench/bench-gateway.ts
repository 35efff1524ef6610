/**
 * Starts a sandbox and a gateway pointed at it, in this process, quiet, on a throwaway SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID, type Sandbox } from '@wecom-auth/sandbox';
import { startBenchSandbox } from './bench-sandbox.js';

export interface BenchGateway {
  readonly gateway: RunningGateway;
  readonly sandbox: Sandbox;
  close(): Promise<void>;
}

export async function startBenchGateway(env: Record<string, string> = {}): Promise<BenchGateway> {
  const sandbox = await startBenchSandbox();
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-bench-'));
  const config = loadConfig({
    env: {
      WECOM_CORP_ID: DEMO_CORP_ID,
      WECOM_SECRET: DEMO_APP.secret,
      WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
      WECOM_API_BASE: sandbox.url,
      WECOM_AUTH_DB: join(dataDir, 'bench.db'),
      PORT: '0',
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '1000000',
      ...env,
    },
  });
  const gateway = await startGateway({ config, logger: createLogger({ level: config.logLevel }) });
  return {
    gateway,
    sandbox,
    async close() {
      await gateway.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Active demo employees, to spread logins over several profiles. */
export function activeUserIds(sandbox: Sandbox): string[] {
  const corp = sandbox.control.directory().corps.find((c) => c.corpId === DEMO_CORP_ID);
  return (corp?.users ?? []).filter((u) => (u.status ?? 1) === 1).map((u) => u.userid);
}
