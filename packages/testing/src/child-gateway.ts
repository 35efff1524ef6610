/**
 * The gateway's CLI in a child process, run from the TypeScript sources: for tests that must kill a gateway, and
 * for benchmarks that run several.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The directory of an installed package. The gateway's `exports` name no CLI (and should not: it is a bin), so its
 * directory is found the way Node finds packages, through the `node_modules` folders above this one.
 */
function installedPackageDir(name: string): string {
  const require = createRequire(import.meta.url);
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed`);
}

/** The gateway CLI's TypeScript source. */
export const gatewayCliSource = join(installedPackageDir('@wecom-auth/gateway'), 'src', 'cli.ts');

/**
 * The arguments to `node` that run the gateway CLI from its sources with `args`.
 *
 * @example
 * spawn(process.execPath, gatewayCliArgs('rotate-keys'), { env });
 */
export function gatewayCliArgs(...args: string[]): string[] {
  return ['--conditions=@wecom-auth/source', '--import', 'tsx', gatewayCliSource, ...args];
}

/** What a one-shot gateway CLI command left behind: its exit code and everything it wrote. */
export interface GatewayCliResult {
  readonly code: number | null;
  /** stdout and stderr, interleaved as they came. */
  readonly output: string;
}

/**
 * Runs a one-shot gateway CLI command (`rotate-keys`, `rotate-data-key`, …) from its sources with `env` alone as its
 * configuration, and resolves once it exits. The caller's own WeCom and Redis settings are left out, so that a
 * developer's shell (or CI's Redis topology) cannot change what the command is given.
 *
 * @example
 * const { code, output } = await runGatewayCli(['rotate-keys'], { ...demoGatewayEnv(), REDIS_URL: redis.url });
 */
export function runGatewayCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<GatewayCliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(WECOM_|REDIS_)/.test(name)),
  );
  const child = spawn(process.execPath, gatewayCliArgs(...args), {
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': the output is whole only once both pipes are drained.
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** A gateway CLI process that announced its URL. */
export interface ChildGateway {
  readonly url: string;
  readonly process: ChildProcess;
  /** What the process wrote to stdout and stderr so far. */
  readonly output: () => string;
  /** Signals the process (SIGKILL by default: a crash) and resolves with its exit code once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `wecom-auth serve` with `env` over this process's environment (`LOG_LEVEL=warn` and `PORT=0` unless given),
 * and resolves once it announced its URL; rejects if it exits or stays silent for 20 s.
 *
 * @example
 * const child = await spawnGateway({ ...demoGatewayEnv(sandbox.url), WECOM_AUTH_DB: join(dir, 'gateway.db') });
 * await child.kill();
 */
export function spawnGateway(env: Record<string, string>): Promise<ChildGateway> {
  const child = spawn(process.execPath, gatewayCliArgs('serve'), {
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /WeCom Auth gateway\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          process: child,
          output: () => output,
          kill(signal = 'SIGKILL') {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
}
