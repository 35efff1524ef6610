/**
 * A real gateway in this process against a real sandbox over HTTP, for the reliability files: every log line goes to
 * the secret scan's evidence (at debug level, the most verbose), every response body the test reads is recorded, and
 * the gateway runs on a clock the test can move forward (WeCom token lifetimes, the gettoken failure backoff, JWT
 * expiry all follow it) without waiting in real time. A `manual` clock stands still between moves, so whether a
 * backoff has passed depends on the test alone, never on how fast the machine is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import { createSandbox, DEMO_APP, type Sandbox, type SandboxOptions } from '@wecom-auth/sandbox';
import { decodeJwt } from 'jose';
import { createDataSealer, deriveDataKey } from '../../../packages/gateway/src/sessions/data-sealer.js';
import { demoGatewayEnv } from '../../../packages/gateway/test/demo-env.js';
import { evidenceLogDestination, recordEvidence, recordSecret } from './evidence.js';

export interface GatewayAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

export interface EvidenceGateway {
  readonly gateway: RunningGateway;
  readonly sandbox: Sandbox;
  /** Moves the gateway's clock forward (the sandbox keeps its own clock). */
  advanceClock(ms: number): void;
  /** One request over HTTP; the body is recorded as evidence. */
  call(method: string, path: string, options?: CallOptions): Promise<GatewayAnswer>;
  /** A fresh `wx.qy.login` code of a sandbox member. */
  code(userid: string): string;
  /** Logs `userid` in (201 expected) and records the session's secrets. */
  login(userid: string): Promise<{ accessToken: string; refreshToken: string }>;
  /** Records the WeCom access_token in use, and the session_key and tokens of a session, for the scan. */
  recordSessionSecrets(session: { accessToken: string; refreshToken?: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * @param source names this gateway's evidence (one log file per source).
 * @param env overrides of the demo environment (the WeCom timeout, the login limit…).
 */
export async function startEvidenceGateway(
  source: string,
  options: { env?: Record<string, string>; sandbox?: SandboxOptions; clock?: 'real' | 'manual' } = {},
): Promise<EvidenceGateway> {
  const sandbox = await createSandbox({ port: 0, ...options.sandbox });
  const dataDir = mkdtempSync(join(tmpdir(), `wecom-auth-${source}-`));
  let offsetMs = 0;
  const startedAt = Date.now();
  const now =
    options.clock === 'manual' ? (): number => startedAt + offsetMs : (): number => Date.now() + offsetMs;
  const config = loadConfig({
    env: {
      ...demoGatewayEnv(sandbox.url),
      WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...options.env,
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: evidenceLogDestination(`${source}-gateway`),
  });
  const gateway = await startGateway({ config, logger, now });
  recordSecret('corpsecret', DEMO_APP.secret);
  // The same key the gateway derives from the secret (no WECOM_AUTH_DATA_KEY is set), to read session_keys back.
  const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: DEMO_APP.secret }));

  const call: EvidenceGateway['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
    if (callOptions.token !== undefined) headers.authorization = `Bearer ${callOptions.token}`;
    const response = await fetch(gateway.url + path, {
      method,
      headers,
      ...(callOptions.body === undefined ? {} : { body: JSON.stringify(callOptions.body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    recordEvidence('response', source, text);
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
  };

  const recordSessionSecrets: EvidenceGateway['recordSessionSecrets'] = async (session) => {
    recordSecret('access_token', session.accessToken, 'not-in-logs');
    recordSecret('refresh_token', session.refreshToken, 'not-in-logs');
    const { sid } = decodeJwt(session.accessToken) as { sid?: string };
    const record = sid === undefined ? undefined : await gateway.services.store.sessions.get(sid);
    if (record) recordSecret('session_key', sealer.open(record.sessionKeyCiphertext, 'session_key'));
    const status = gateway.services.wecom.status();
    if (status.fresh) recordSecret('wecom_access_token', await gateway.services.wecom.accessToken.getToken());
  };

  return {
    gateway,
    sandbox,
    advanceClock(ms) {
      offsetMs += ms;
    },
    call,
    code: (userid) => sandbox.control.login({ userid }).code,
    async login(userid) {
      const answer = await call('POST', '/v1/sessions', {
        body: { code: sandbox.control.login({ userid }).code },
      });
      if (answer.status !== 201)
        throw new Error(`login of ${userid} failed: ${answer.status} ${answer.text}`);
      const session = {
        accessToken: String(answer.body?.accessToken),
        refreshToken: String(answer.body?.refreshToken),
      };
      await recordSessionSecrets(session);
      return session;
    },
    recordSessionSecrets,
    async close() {
      await gateway.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
