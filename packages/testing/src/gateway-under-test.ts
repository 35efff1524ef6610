/**
 * A real gateway in this process against a real sandbox over HTTP, on the sandbox's demo app: the end-to-end tests'
 * and the benchmarks' gateway. It stores in SQLite in a throwaway directory, or in Redis when given a URL; its log
 * lines and the answers the test read are kept (or handed to a destination of the test's); its clock can be moved
 * forward, so expiry and backoff are tested without waiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import { createSandbox, type Sandbox, type SandboxOptions } from '@wecom-auth/sandbox';
import { demoGatewayEnv } from './demo-environment.js';
import { exchangeJson, type JsonAnswer } from './json-exchange.js';
import { demoSuiteGatewayEnv, uninstalledDemoSuite } from './suite-environment.js';

/** Where the gateway's log lines go. */
export interface LogDestination {
  write(line: string): void;
}

/** How to start a {@link GatewayUnderTest}; every field is optional. */
export interface GatewayUnderTestOptions {
  /** Settings over the demo environment (`LOG_LEVEL` defaults to `debug`, the most that can leak). */
  readonly env?: Record<string, string>;
  /** Options of the gateway's own sandbox (its frequency limits, its clock…). */
  readonly sandbox?: SandboxOptions;
  /** A running sandbox to use instead, shared with other gateways: {@link GatewayUnderTest.close} leaves it open. */
  readonly sharedSandbox?: Sandbox;
  /** Store sessions in this Redis instead of SQLite. */
  readonly redisUrl?: string;
  /** The directory of the SQLite file; kept on close. By default a fresh one, removed on close. */
  readonly dataDir?: string;
  /** Where log lines go; by default into {@link GatewayUnderTest.logs}. */
  readonly logDestination?: LogDestination;
  /** Told every answer text {@link GatewayUnderTest.call} reads; by default they go into `responses`. */
  readonly onResponse?: (text: string) => void;
  /**
   * `real` (default): the gateway's clock is the real one plus what {@link GatewayUnderTest.advanceClock} added.
   * `manual`: it stands still between moves, so whether a deadline has passed depends on the test alone.
   */
  readonly clock?: 'real' | 'manual';
  /** How often the gateway looks for signing keys rotated elsewhere. */
  readonly keyCheckIntervalMs?: number;
  /** How often the gateway tries again the callback events that failed to apply (default 5 s). */
  readonly callbackRetryIntervalMs?: number;
  /** Deadline of each {@link GatewayUnderTest.call} (default 30 s): a hung request fails the test. */
  readonly callTimeoutMs?: number;
  /**
   * `self-built` (default): the demo corp's own app. `suite`: the demo third-party app, whose sandbox (unless shared)
   * has it installed nowhere; the test connects it (`connectSuite`) when it wants a ticket and installs, and
   * {@link GatewayUnderTest.code} mints codes of the suite's mini program.
   */
  readonly app?: 'self-built' | 'suite';
}

/** A running gateway and its sandbox, with what the test needs to talk to them. */
export interface GatewayUnderTest {
  readonly gateway: RunningGateway;
  readonly sandbox: Sandbox;
  /** Every log line the gateway wrote, unless a `logDestination` took them. */
  readonly logs: string[];
  /** Every answer text read through {@link call}, unless `onResponse` took them. */
  readonly responses: string[];
  /** The SQLite file's directory; undefined in Redis mode. */
  readonly dataDir: string | undefined;
  /** One JSON exchange with the gateway (see {@link exchangeJson}). */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<JsonAnswer>;
  /** A fresh `wx.qy.login` code of a sandbox user. */
  code(userid: string, corpid?: string): string;
  /** Logs `userid` in and returns the session body; throws unless the gateway answered 201. */
  login(userid: string): Promise<Record<string, unknown>>;
  /** Logs `userid` in and returns the answer, whatever it is. */
  attemptLogin(userid: string): Promise<JsonAnswer>;
  /** Moves the gateway's clock forward (the sandbox keeps its own). */
  advanceClock(ms: number): void;
  /** The gateway's clock (epoch ms): what a test seals data for when it has moved that clock. */
  now(): number;
  /** Stops the gateway, then the sandbox unless shared, and removes the data directory it made. */
  close(): Promise<void>;
}

/**
 * Starts a gateway against a sandbox.
 *
 * @example
 * const t = await startGatewayUnderTest({ env: { LOGIN_RATE_LIMIT: '3' } });
 * const session = await t.login('zhangsan');
 * expect((await t.call('GET', '/v1/me', { token: String(session.accessToken) })).status).toBe(200);
 * await t.close();
 */
export async function startGatewayUnderTest(
  options: GatewayUnderTestOptions = {},
): Promise<GatewayUnderTest> {
  const asSuite = options.app === 'suite';
  const sandbox =
    options.sharedSandbox ??
    (await createSandbox({
      port: 0,
      ...(asSuite ? { suites: [uninstalledDemoSuite] } : {}),
      ...options.sandbox,
    }));
  const ownDataDir = options.redisUrl === undefined && options.dataDir === undefined;
  const dataDir = ownDataDir ? mkdtempSync(join(tmpdir(), 'wecom-auth-gw-')) : options.dataDir;
  const logs: string[] = [];
  const responses: string[] = [];
  let offsetMs = 0;
  const startedAt = Date.now();
  const now = options.clock === 'manual' ? () => startedAt + offsetMs : () => Date.now() + offsetMs;
  const config = loadConfig({
    env: {
      ...(asSuite ? demoSuiteGatewayEnv(sandbox.url) : demoGatewayEnv(sandbox.url)),
      ...(options.redisUrl === undefined
        ? { WECOM_AUTH_DB: join(dataDir ?? '.', 'gateway.db') }
        : { REDIS_URL: options.redisUrl }),
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...options.env,
    },
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: options.logDestination ?? { write: (line: string) => void logs.push(line) },
  });
  const gateway = await startGateway({
    config,
    logger,
    now,
    ...(options.keyCheckIntervalMs === undefined ? {} : { keyCheckIntervalMs: options.keyCheckIntervalMs }),
    ...(options.callbackRetryIntervalMs === undefined
      ? {}
      : { callbackRetryIntervalMs: options.callbackRetryIntervalMs }),
  });
  const onResponse = options.onResponse ?? ((text: string) => void responses.push(text));
  const timeoutMs = options.callTimeoutMs ?? 30_000;

  const call: GatewayUnderTest['call'] = async (method, path, callOptions = {}) => {
    const answer = await exchangeJson(gateway.url + path, { method, ...callOptions, timeoutMs });
    onResponse(answer.text);
    return answer;
  };
  const code: GatewayUnderTest['code'] = (userid, corpid) =>
    sandbox.control.login({
      userid,
      ...(corpid ? { corpid } : {}),
      ...(asSuite ? { suiteId: uninstalledDemoSuite.suiteId } : {}),
    }).code;
  const attemptLogin: GatewayUnderTest['attemptLogin'] = (userid) =>
    call('POST', '/v1/sessions', { body: { code: code(userid) } });

  return {
    gateway,
    sandbox,
    logs,
    responses,
    dataDir,
    call,
    code,
    attemptLogin,
    async login(userid) {
      const answer = await attemptLogin(userid);
      if (answer.status !== 201 || !answer.body) {
        throw new Error(`login of ${userid} failed: ${answer.status} ${answer.text}`);
      }
      return answer.body;
    },
    advanceClock(ms) {
      offsetMs += ms;
    },
    now,
    async close() {
      await gateway.close();
      if (!options.sharedSandbox) await sandbox.close();
      if (ownDataDir && dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One of several gateways sharing `sandbox` and the Redis at `redisUrl`, as instances behind a load balancer are:
 * info-level logs kept, and every call aborted after 10 s, since a lost Redis must never hold a request.
 *
 * @example
 * const [a, b] = [await startRedisGateway(sandbox, redis.url), await startRedisGateway(sandbox, redis.url)];
 */
export function startRedisGateway(
  sandbox: Sandbox,
  redisUrl: string,
  env: Record<string, string> = {},
  options: Pick<GatewayUnderTestOptions, 'keyCheckIntervalMs' | 'app'> = {},
): Promise<GatewayUnderTest> {
  return startGatewayUnderTest({
    ...options,
    sharedSandbox: sandbox,
    redisUrl,
    env: { LOG_LEVEL: 'info', ...env },
    callTimeoutMs: 10_000,
  });
}
