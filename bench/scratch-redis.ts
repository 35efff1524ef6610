/**
 * A redis-server of the benchmark's own on a free loopback port, without persistence (`--save ""`,
 * `--appendonly no`): nothing else writes to it, so its `used_memory` is the gateway's data alone, and stopping it
 * leaves nothing behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface ScratchRedis {
  readonly url: string;
  /** `used_memory` of `INFO memory`: bytes Redis allocated for the data and its own structures. */
  usedMemory(): Promise<number>;
  /** Keys in the database. */
  keys(): Promise<number>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
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

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startScratchRedis(): Promise<ScratchRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  // redis-server says when it accepts connections; connecting before that would only log refusals.
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server on port ${port} did not start:\n${log}`)),
      10_000,
    );
    const onData = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-4_000);
      if (log.includes('Ready to accept connections')) done();
    };
    const onExit = (code: number | null): void => fail(new Error(`redis-server exited (${code}):\n${log}`));
    function done(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      resolve();
    }
    function fail(error: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
  const url = `redis://127.0.0.1:${port}/0`;
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  return {
    url,
    async usedMemory() {
      const info = await admin.info('memory');
      return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
    },
    keys: () => admin.dbsize(),
    async stop() {
      admin.disconnect();
      const gone = exited(child);
      child.kill('SIGTERM');
      await gone;
    },
  };
}
