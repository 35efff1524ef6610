/**
 * Redis for the gateway's multi-instance tests: a probe that skips (visibly) when Redis is absent locally and
 * fails under CI, one logical database per test file (flushed before and after), and throwaway redis-server
 * processes on spare ports for tests that stop and restart Redis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import type { Sandbox } from '@wecom-auth/sandbox';
import { Redis } from 'ioredis';
import { probeRedis } from '../../store/test/redis-probe.js';
import { demoGatewayEnv } from './demo-env.js';
import { exchangeJson } from './json-exchange.js';

/** The Redis the tests use; `TEST_REDIS=host:port` points them elsewhere (parallel checkouts, another port). */
export const REDIS_HOST_PORT = process.env.TEST_REDIS ?? '127.0.0.1:6379';

export { probeRedis };

/**
 * Decides once per file whether its Redis tests run: skip with a warning locally, throw under `CI=true`.
 * Returns the URL of the file's own logical database.
 */
export async function redisForTests(
  suite: string,
  database: number,
): Promise<{ url: string; unreachable: string | undefined }> {
  const url = `redis://${REDIS_HOST_PORT}/${database}`;
  const unreachable = await probeRedis(url);
  if (unreachable !== undefined) {
    if (process.env.CI === 'true') {
      throw new Error(`Redis at ${REDIS_HOST_PORT} is unreachable (${unreachable}); CI requires it`);
    }
    console.warn(`Skipping ${suite}: Redis at ${REDIS_HOST_PORT} is unreachable (${unreachable})`);
  }
  return { url, unreachable };
}

/** Empties the logical database of `url`. */
export async function flushDatabase(url: string): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await admin.flushdb();
  } finally {
    admin.disconnect();
  }
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true; false when `deadlineMs` passed first. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  deadlineMs: number,
  pauseMs = 25,
): Promise<boolean> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** A redis-server of the test's own, on a fixed port so it can be stopped and started again at the same URL. */
export class ScratchRedis {
  readonly port: number;
  readonly #persistence: readonly string[];
  #process: ChildProcess | undefined;

  /** With `dir`, Redis keeps an append-only file there (fsync'd as `appendFsync` says) and reloads it on start. */
  constructor(port: number, options: { dir?: string; appendFsync?: 'always' | 'everysec' } = {}) {
    this.port = port;
    this.#persistence = options.dir
      ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', options.appendFsync ?? 'everysec']
      : ['--appendonly', 'no'];
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    if (this.#process) return;
    const child = spawn(
      'redis-server',
      // noeviction, as docs/deployment.md asks: an evicted session would be a silent logout.
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        ...this.#persistence,
      ],
      { stdio: 'ignore' },
    );
    this.#process = child;
    const up = await eventually(async () => (await probeRedis(this.url)) === undefined, 10_000, 50);
    if (!up) throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** SIGSTOP: the server hangs with its connections open, as behind a dead network path. */
  pause(): void {
    this.#process?.kill('SIGSTOP');
  }

  resume(): void {
    this.#process?.kill('SIGCONT');
  }

  /**
   * SIGKILL (default): the server vanishes as in a crash; connections see a reset, not a goodbye. SIGTERM: a
   * shutdown; Redis closes its clients and flushes its append-only file first.
   */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}

/** A gateway in this process against `sandbox` and the Redis at `redisUrl`, with its log lines captured. */
export interface InProcessGateway {
  readonly gateway: RunningGateway;
  readonly logs: string[];
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string },
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }>;
  login(userid: string): Promise<{ status: number; body: Record<string, unknown> | undefined }>;
  close(): Promise<void>;
}

export async function startRedisGateway(
  sandbox: Sandbox,
  redisUrl: string,
  env: Record<string, string> = {},
  startOptions: { keyCheckIntervalMs?: number } = {},
): Promise<InProcessGateway> {
  const logs: string[] = [];
  const config = loadConfig({
    env: {
      ...demoGatewayEnv(sandbox.url),
      REDIS_URL: redisUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
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
  const gateway = await startGateway({ config, logger, ...startOptions });
  const call: InProcessGateway['call'] = (method, path, options = {}) =>
    exchangeJson(gateway.url + path, { method, ...options, timeoutMs: 10_000 });
  return {
    gateway,
    logs,
    call,
    login: (userid) =>
      call('POST', '/v1/sessions', { body: { code: sandbox.control.login({ userid }).code } }),
    close: () => gateway.close(),
  };
}

/**
 * Carries the bytes of one relayed connection. The default pipes both ways; a test that must see the traffic (to cut
 * the link at one exact reply, say) forwards it itself.
 */
export type Forward = (client: Socket, upstream: Socket) => void;

const pipeBothWays: Forward = (client, upstream) => {
  client.pipe(upstream);
  upstream.pipe(client);
};

/**
 * A TCP relay to a Redis whose link can be cut and restored: one instance loses Redis while the others keep it,
 * as in a network partition.
 */
export class SeverableLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #severed = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async open(targetPort: number, forward: Forward = pipeBothWays): Promise<SeverableLink> {
    const server = createServer();
    const link = new SeverableLink(server);
    server.on('connection', (client) => link.#relay(client, targetPort, forward));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Drops every connection but `spared` and refuses new ones until {@link restore}. */
  sever(spared?: Socket): void {
    this.#severed = true;
    for (const socket of this.#sockets) if (socket !== spared) socket.destroy();
    this.#sockets.clear();
  }

  restore(): void {
    this.#severed = false;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket, targetPort: number, forward: Forward): void {
    if (this.#severed) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
    forward(client, upstream);
  }
}
