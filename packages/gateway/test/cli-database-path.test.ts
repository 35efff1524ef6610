/**
 * `wecom-auth serve` with a `WECOM_AUTH_DB` it cannot use: it says why (a special filesystem, a file where a directory
 * should be, a directory where the file should be, a permission, a file that is not a database) and exits with the
 * configuration's code 2 before anything starts, promptly even under `/proc` (where a recursive mkdir spins forever).
 * A missing directory is created only for the default `./data`.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gatewayCliSource } from '@wecom-auth/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { databasePathProblems } from '../src/config/database-path.js';

// The CLI from its sources, with tsx named by path: the runs below start outside the repository.
const serveArgs = [
  '--conditions=@wecom-auth/source',
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
  gatewayCliSource,
  'serve',
];
const scratch = mkdtempSync(join(tmpdir(), 'wecom-auth-db-path-'));
afterAll(() => {
  chmodSync(join(scratch, 'read-only'), 0o755);
  rmSync(scratch, { recursive: true, force: true });
});
// Read and searched by everyone, so that the CLI can also be run as another user below.
chmodSync(scratch, 0o755);
writeFileSync(join(scratch, 'a-file'), 'not a directory');
mkdirSync(join(scratch, 'a-directory'));
writeFileSync(join(scratch, 'not-a-database.db'), 'this is text, not a SQLite database file'.repeat(4));
mkdirSync(join(scratch, 'read-only'));
chmodSync(join(scratch, 'read-only'), 0o555);

const onLinux = process.platform === 'linux' && existsSync('/proc/self');
const isRoot = process.getuid?.() === 0;

/**
 * Whether another user may use `path`: every directory on its way searchable by others, and the file itself readable
 * (`0o004`) or executable (`0o001`) by them. A Node unpacked under root's home (the CI's Node 24), or a checkout in a
 * private temporary directory, is not: the check cannot then be made as nobody.
 */
function othersMay(path: string, bit: 0o004 | 0o001): boolean {
  const parts = realpathSync(path)
    .split('/')
    .filter((part) => part.length > 0);
  for (let index = 1; index < parts.length; index += 1) {
    if ((statSync(`/${parts.slice(0, index).join('/')}`).mode & 0o001) === 0) return false;
  }
  return (statSync(realpathSync(path)).mode & bit) !== 0;
}

/** Nobody can start the CLI from its sources: the Node binary, the CLI source and tsx are all within its reach. */
const nobodyCanRunTheCli =
  othersMay(process.execPath, 0o001) &&
  othersMay(gatewayCliSource, 0o004) &&
  othersMay(createRequire(import.meta.url).resolve('tsx'), 0o004);

function serve(
  dbPath: string | undefined,
  options: { uid?: number } = {},
): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, serveArgs, {
    cwd: scratch,
    env: {
      ...process.env,
      ...(dbPath === undefined ? {} : { WECOM_AUTH_DB: dbPath }),
      PORT: '0',
      SANDBOX_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
    timeout: 30_000,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('an unusable WECOM_AUTH_DB', () => {
  it.skipIf(!onLinux).each([
    ['a missing directory under /proc', '/proc/wecom-auth/store.db'],
    ['a file in /proc', '/proc/wecom-auth.db'],
    ['/sys', '/sys/wecom-auth.db'],
  ])('%s: a special filesystem, exit 2 at once', (_name, path) => {
    const started = performance.now();
    const result = serve(path);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('WECOM_AUTH_DB:');
    expect(result.stderr).toMatch(/is on (proc|sysfs), a special filesystem/);
    expect(performance.now() - started).toBeLessThan(25_000);
  });

  it.skipIf(!onLinux)('a device: exit 2', () => {
    const result = serve('/dev/null');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/dev/null is on devtmpfs, a special filesystem');
  });

  it('a file where its directory should be: exit 2, naming the file', () => {
    const result = serve(join(scratch, 'a-file', 'store.db'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(scratch, 'a-file')} is a file, not a directory`);
  });

  it('a directory where the file should be: exit 2', () => {
    const result = serve(join(scratch, 'a-directory'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is a directory: give the path of the database file in it');
  });

  it.skipIf(isRoot && !nobodyCanRunTheCli)(
    'a directory the gateway may not write: exit 2, naming the permission',
    () => {
      // Root may write anywhere: the check is then made as an ordinary user (nobody).
      const result = serve(join(scratch, 'read-only', 'store.db'), isRoot ? { uid: 65_534 } : {});
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/permission denied: this user \(uid \d+\) cannot create the database in/);
    },
  );

  it('a configured path whose directory is missing: exit 2, and nothing created', () => {
    const missing = join(scratch, 'missing', 'deeper');
    const result = serve(join(missing, 'store.db'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`the directory ${missing} does not exist: create it first`);
    expect(existsSync(join(scratch, 'missing'))).toBe(false);
  });

  it('a file that is not a database: exit 2, with what SQLite said', () => {
    const result = serve(join(scratch, 'not-a-database.db'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('WECOM_AUTH_DB: Cannot open the SQLite store at');
    expect(result.stderr).toContain('file is not a database');
  });
});

describe('the directory of the default path', () => {
  it('is created when missing, and only that one', async () => {
    const home = join(scratch, 'fresh-checkout');
    mkdirSync(home);
    expect(databasePathProblems(join(home, 'data', 'wecom-auth.db'))).toEqual([
      `WECOM_AUTH_DB: the directory ${join(home, 'data')} does not exist: create it first (only the default ./data is created by the gateway)`,
    ]);
    const child = spawn(process.execPath, serveArgs, {
      cwd: home,
      env: { ...process.env, PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'warn', WECOM_AUTH_DB: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const started = await new Promise<boolean>((resolve) => {
        const poll = setInterval(() => {
          if (output.includes('WeCom Auth gateway')) {
            clearInterval(poll);
            resolve(true);
          }
        }, 50);
        void exited.then(() => {
          clearInterval(poll);
          resolve(false);
        });
      });
      expect(started, output).toBe(true);
      expect(existsSync(join(home, 'data', 'wecom-auth.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
