/**
 * What the Redis Cluster and Sentinel topologies of the tests share: one redis-server child process per node, its
 * configuration file and data directory, ports for it, admin connections to it, and the clean-up that keeps a crashed
 * test from leaving servers behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from './poll.js';

/** A node of a Redis topology, as clients address it: what ioredis takes for a cluster node or a sentinel. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * `host:port` (the form of the topologies' `seeds` and `sentinels` and of the `WECOM_AUTH_TEST_REDIS_*` variables)
 * as the `{ host, port }` that ioredis takes for cluster nodes and sentinels.
 *
 * @example
 * const client = new Redis({ sentinels: set.sentinels.map(redisAddressOf), name: set.name });
 */
export function redisAddressOf(hostPort: string): RedisAddress {
  const separator = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(separator + 1));
  if (separator <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new TypeError(`expected host:port, got ${JSON.stringify(hostPort)}`);
  }
  return { host: hostPort.slice(0, separator), port };
}

/** Every node listens on the loopback only. */
export const TOPOLOGY_HOST = '127.0.0.1';

/**
 * The ports the long-lived topologies of `scripts/redis-topologies.mjs` use, and the cluster bus ports beside them.
 * Free ports picked for a test's own topology stay clear of them (and of 6379), so a test never collides with CI's.
 */
const reservedPorts = new Set([
  6379, 16379, 7101, 7102, 7103, 7104, 7105, 7106, 17101, 17102, 17103, 17104, 17105, 17106, 7201, 7202,
  27201, 27202, 27203,
]);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, TOPOLOGY_HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * `count` distinct loopback ports nothing listens on, each with `port + busOffset` free too when `busOffset` is given
 * (a cluster node also listens on its port + 10000). Drawn at random from 20000–29999, below the kernel's ephemeral
 * range, so that outgoing connections do not take them between the check and the server's start, and so that two
 * test files starting topologies at once are unlikely to draw the same ones.
 */
export async function freeTopologyPorts(count: number, busOffset?: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt += 1) {
    if (attempt > 1000) throw new Error(`no ${count} free loopback ports found in 20000-29999`);
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const bus = busOffset === undefined ? undefined : port + busOffset;
    if (reservedPorts.has(port) || ports.includes(port) || (bus !== undefined && reservedPorts.has(bus)))
      continue;
    if (!(await portIsFree(port))) continue;
    if (bus !== undefined && !(await portIsFree(bus))) continue;
    ports.push(port);
  }
  return ports;
}

/** `count` consecutive ports from `basePort`, or free ones (see {@link freeTopologyPorts}). */
export function topologyPorts(
  count: number,
  basePort: number | undefined,
  busOffset?: number,
): Promise<number[]> {
  if (basePort === undefined) return freeTopologyPorts(count, busOffset);
  return Promise.resolve(Array.from({ length: count }, (_, index) => basePort + index));
}

/** Where a topology keeps its nodes: the caller's directory, or a private temporary one removed on stop. */
export function topologyDirectory(dir: string | undefined, kind: string): { path: string; owned: boolean } {
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    return { path: dir, owned: false };
  }
  return { path: mkdtempSync(join(tmpdir(), `wecom-auth-redis-${kind}-`)), owned: true };
}

/** Removes a topology's directory when the topology made it. */
export function removeTopologyDirectory(directory: { path: string; owned: boolean }): void {
  if (directory.owned) rmSync(directory.path, { recursive: true, force: true });
}

/**
 * The settings every data node (cluster node, Sentinel primary or replica) starts with. Persistence is the one the
 * deployment guide recommends (append-only file, fsync every second) so that a node killed and restarted comes back
 * with its data; no RDB snapshots, which would only slow the tests down. `repl-diskless-sync-delay 0` lets a replica
 * start its sync at once instead of waiting 5 s for others to join it.
 */
export function dataNodeSettings(port: number, dir: string): string[] {
  return [
    `port ${port}`,
    `bind ${TOPOLOGY_HOST}`,
    `dir ${dir}`,
    `logfile ${join(dir, 'redis.log')}`,
    'daemonize no',
    'save ""',
    'appendonly yes',
    'appendfsync everysec',
    'maxmemory-policy noeviction',
    'repl-diskless-sync-delay 0',
  ];
}

/** The last lines of a node's log, for an error message that says why the node did not come up. */
function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'redis.log'), 'utf8').trimEnd().split('\n').slice(-8).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Children still running, killed when this process exits however it exits. Detached nodes are not in it. */
const running = new Set<ChildProcess>();
let cleanupInstalled = false;

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Kills the children on exit, and on the signals that end a test run (Ctrl-C, a runner stopping its workers). A
 * signal handler replaces the default action, so once the children are gone the signal is raised again, unless
 * someone else handles it too, in which case that handler decides.
 */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killRunning);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killRunning();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * One redis-server of a topology, in data-node or Sentinel mode, started from a configuration file in its own
 * directory so that a restart finds its data, its `nodes.conf` and whatever Sentinel rewrote into the file.
 */
export class TopologyNode {
  readonly port: number;
  readonly dir: string;
  readonly #configFile: string;
  readonly #sentinel: boolean;
  readonly #detached: boolean;
  #process: ChildProcess | undefined;

  constructor(
    port: number,
    dir: string,
    settings: readonly string[],
    options: { sentinel: boolean; detached: boolean },
  ) {
    this.port = port;
    this.dir = dir;
    this.#sentinel = options.sentinel;
    this.#detached = options.detached;
    mkdirSync(dir, { recursive: true });
    this.#configFile = join(dir, options.sentinel ? 'sentinel.conf' : 'redis.conf');
    writeFileSync(this.#configFile, `${settings.join('\n')}\n`);
  }

  /** The process id while the node runs. */
  get pid(): number | undefined {
    return this.running ? this.#process?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /**
   * Spawns the server (not daemonized: it is this process's child, so it can be killed with SIGKILL) and waits until
   * it answers PING; a node loading its append-only file answers LOADING until it is done, and is waited for too.
   */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const args = this.#sentinel ? [this.#configFile, '--sentinel'] : [this.#configFile];
    const child = spawn('redis-server', args, { stdio: 'ignore', detached: this.#detached });
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    this.#process = child;
    if (this.#detached) {
      child.unref();
    } else {
      installCleanup();
      running.add(child);
      child.once('exit', () => running.delete(child));
    }
    const up = await eventually(
      async () => spawnError !== undefined || !this.running || (await answersPing(this.port)),
      timeoutMs,
      50,
    );
    if (spawnError)
      throw new Error(`redis-server could not be started (${spawnError.message}); is it installed?`);
    if (!up || !this.running) {
      await this.kill();
      throw new Error(`redis-server on port ${this.port} did not come up:\n${logTail(this.dir)}`);
    }
  }

  /** SIGKILL, as a crash: no goodbye to clients, no last fsync. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}

/** Opens a connection to one node for one admin conversation, and always closes it: a dead node must not retry. */
export async function onNode<T>(port: number, talk: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: TOPOLOGY_HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    // MIGRATE of a batch may take a while on a busy machine; everything else answers in milliseconds.
    commandTimeout: 15_000,
  });
  // A failed connect rejects connect(); the error event would otherwise be reported as unhandled.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await talk(redis);
  } finally {
    redis.disconnect();
  }
}

/** Whether the node answers PING with PONG (not LOADING, not refused). */
export async function answersPing(port: number): Promise<boolean> {
  try {
    return (await onNode(port, (redis) => redis.ping())) === 'PONG';
  } catch {
    return false;
  }
}

/**
 * Polls `check` until it returns undefined (all is well) and throws with the last problem it named when `timeoutMs`
 * passes first: a timeout that only says "timed out" leaves the reader guessing which node was behind.
 */
export async function waitUntilSettled(
  what: string,
  check: () => Promise<string | undefined>,
  timeoutMs: number,
  pauseMs = 100,
): Promise<void> {
  let problem: string | undefined = 'not checked yet';
  const settled = await eventually(
    async () => {
      try {
        problem = await check();
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      return problem === undefined;
    },
    timeoutMs,
    pauseMs,
  );
  if (!settled) throw new Error(`${what} not reached within ${timeoutMs} ms: ${problem}`);
}
