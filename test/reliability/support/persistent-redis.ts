/**
 * A throwaway redis-server that persists as a production one would (append-only file, fsync on every write, in a
 * directory of its own) and can be stopped either way a production one stops: SIGTERM (a shutdown: Redis closes
 * its clients and flushes the file) or SIGKILL (a crash). Restarted on the same port and directory, it reloads what
 * it had acknowledged. `ScratchRedis` of the gateway tests only crashes, hence this one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { eventually, probeRedis } from '../../../packages/gateway/test/redis-fixtures.js';

export class PersistentRedis {
  readonly port: number;
  readonly #dir: string;
  #process: ChildProcess | undefined;

  constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts redis-server and resolves once it answers a PING (after reloading its file). */
  async start(): Promise<void> {
    if (this.#process) return;
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.#dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        // The append-only file is the persistence under test; no snapshots on the side.
        '--save',
        '',
        // As docs/deployment.md asks: an evicted session would be a silent logout.
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    this.#process = child;
    const up = await eventually(async () => (await probeRedis(this.url)) === undefined, 10_000, 20);
    if (!up) throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops redis-server with `signal` and resolves when the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}
