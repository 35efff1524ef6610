/**
 * Starts a real gateway against a real sandbox over HTTP, with every log line captured, for end-to-end tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import { createSandbox, type Sandbox, type SandboxOptions } from '@wecom-auth/sandbox';
import { demoGatewayEnv } from './demo-env.js';
import { exchangeJson } from './json-exchange.js';

export interface TestGateway {
  readonly gateway: RunningGateway;
  readonly sandbox: Sandbox;
  /** Every log line the gateway wrote. */
  readonly logs: string[];
  /** Every response body the tests read through {@link call}. */
  readonly responses: string[];
  readonly dataDir: string;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> | undefined; text: string }>;
  /** A fresh wx.qy.login code for a sandbox user. */
  code(userid: string, corpid?: string): string;
  login(userid: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startTestGateway(
  options: { env?: Record<string, string>; sandbox?: SandboxOptions; dataDir?: string } = {},
): Promise<TestGateway> {
  const sandbox = await createSandbox({ port: 0, ...options.sandbox });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wecom-auth-gw-'));
  const logs: string[] = [];
  const responses: string[] = [];
  const config = loadConfig({
    env: {
      ...demoGatewayEnv(sandbox.url),
      WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
      WECOM_TIMEOUT_MS: '1000',
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...options.env,
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
  const gateway = await startGateway({ config, logger });

  const call: TestGateway['call'] = async (method, path, callOptions = {}) => {
    const answer = await exchangeJson(gateway.url + path, { method, ...callOptions });
    responses.push(answer.text);
    return answer;
  };

  return {
    gateway,
    sandbox,
    logs,
    responses,
    dataDir,
    call,
    code: (userid, corpid) => sandbox.control.login({ userid, ...(corpid ? { corpid } : {}) }).code,
    async login(userid) {
      const response = await call('POST', '/v1/sessions', {
        body: { code: sandbox.control.login({ userid }).code },
      });
      if (response.status !== 201 || !response.body) throw new Error(`login failed: ${response.text}`);
      return response.body;
    },
    async close() {
      await gateway.close();
      await sandbox.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
