/**
 * A redis-server of the test's (or benchmark's) own: on a fixed port so it can be stopped and started again at the
 * same URL, and nothing else writes to it, so its memory and keys are the gateway's alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { eventually } from './poll.js';
import { probeRedis } from './redis.js';

/** How a {@link ScratchRedis} keeps its data. */
export interface ScratchRedisOptions {
  /** With a directory, Redis keeps an append-only file there and reloads it on start; without, nothing persists. */
  readonly dir?: string;
  /** How often the append-only file is fsync'd (default `everysec`). */
  readonly appendFsync?: 'always' | 'everysec';
}

/**
 * A redis-server child process.
 *
 * @example
 * const redis = new ScratchRedis(await freePort(), { dir, appendFsync: 'always' });
 * await redis.start();
 * await redis.stop('SIGKILL'); // a crash
 * await redis.start(); // same port, same data
 */
export class ScratchRedis {
  readonly port: number;
  readonly #persistence: readonly string[];
  #process: ChildProcess | undefined;
  #admin: Redis | undefined;

  constructor(port: number, options: ScratchRedisOptions = {}) {
    this.port = port;
    this.#persistence = options.dir
      ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', options.appendFsync ?? 'everysec']
      : ['--appendonly', 'no'];
  }

  /** Database 0 of this server. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server (a no-op while it runs) and waits until it answers. */
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

  /** SIGCONT: the paused server carries on. */
  resume(): void {
    this.#process?.kill('SIGCONT');
  }

  /** `used_memory` of `INFO memory`: bytes Redis allocated for the data and its own structures. */
  async usedMemory(): Promise<number> {
    const info = await this.#adminConnection().info('memory');
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  }

  /** How many keys database 0 holds. */
  keys(): Promise<number> {
    return this.#adminConnection().dbsize();
  }

  /**
   * SIGKILL (default): the server vanishes as in a crash; connections see a reset, not a goodbye. SIGTERM: a
   * shutdown; Redis closes its clients and flushes its append-only file first.
   */
  async stop(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    this.#admin?.disconnect();
    this.#admin = undefined;
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  #adminConnection(): Redis {
    this.#admin ??= new Redis(this.url, { maxRetriesPerRequest: 1 });
    return this.#admin;
  }
}

/**
 * A started {@link ScratchRedis} on a free port, without persistence.
 *
 * @example
 * const redis = await startScratchRedis();
 * try { … REDIS_URL: redis.url … } finally { await redis.stop(); }
 */
export async function startScratchRedis(): Promise<ScratchRedis> {
  const redis = new ScratchRedis(await freePort());
  await redis.start();
  return redis;
}
