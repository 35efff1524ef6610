/**
 * A real gateway over HTTP, against a real sandbox, whose clock the test can move forward: the only honest way to
 * make the gateway itself answer `token_expired` without waiting out the access-token lifetime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import {
  createSandbox,
  DEMO_APP,
  DEMO_CORP_ID,
  DEMO_MINI_PROGRAM_APP_ID,
  type Sandbox,
} from '@wecom-auth/sandbox';

export interface GatewayWithClock {
  readonly gateway: RunningGateway;
  readonly sandbox: Sandbox;
  /** Every log line the gateway wrote. */
  readonly logs: string[];
  /** Moves the gateway's clock (not the sandbox's) forward. */
  advance(seconds: number): void;
  close(): Promise<void>;
}

export async function startGatewayWithClock(): Promise<GatewayWithClock> {
  const sandbox = await createSandbox({ port: 0 });
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-mp-'));
  const logs: string[] = [];
  let offsetMs = 0;
  const config = loadConfig({
    env: {
      WECOM_CORP_ID: DEMO_CORP_ID,
      WECOM_SECRET: DEMO_APP.secret,
      WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
      WECOM_API_BASE: sandbox.url,
      WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
      WECOM_TIMEOUT_MS: '2000',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: {
      write(line: string) {
        logs.push(line);
      },
    },
  });
  const gateway = await startGateway({ config, logger, now: () => Date.now() + offsetMs });
  return {
    gateway,
    sandbox,
    logs,
    advance(seconds) {
      offsetMs += seconds * 1000;
    },
    async close() {
      await gateway.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
