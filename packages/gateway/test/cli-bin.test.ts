/**
 * `wecom-auth` as npm links it: the committed launcher in bin/, which runs the built CLI, or the TypeScript source
 * in a clone that has not been built yet. These tests spawn the linked command, as a user's `npx wecom-auth` does.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const linkedBin = join(root, 'node_modules', '.bin', 'wecom-auth');
const launcher = fileURLToPath(new URL('../bin/wecom-auth.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const scratch = mkdtempSync(join(tmpdir(), 'wecom-auth-bin-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // From a directory outside the repository, as a user's shell may be.
  const result = spawnSync(command, args, { cwd: scratch, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the linked wecom-auth command', () => {
  it('prints its help', () => {
    const result = run(linkedBin, ['--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: wecom-auth [options] [command]');
    expect(result.stdout).toContain('rotate-keys');
  });

  it('prints its version', () => {
    const result = run(linkedBin, ['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('refuses an unknown command, naming it, with a non-zero exit', () => {
    const result = run(linkedBin, ['bogus']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("unknown command 'bogus'");
  });

  it('runs `serve --config file.json` as the README writes it, and stops on SIGTERM', async () => {
    const config = join(scratch, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        PORT: '0',
        SANDBOX_PORT: '0',
        ADMIN_PORT: '0',
        WECOM_AUTH_DB: join(scratch, 'store.db'),
        LOG_LEVEL: 'warn',
      }),
    );
    const child: ChildProcess = spawn(linkedBin, ['serve', '--config', config], {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start:\n${output}`)), 45_000);
        const poll = setInterval(() => {
          const match = /WeCom Auth gateway\s+(http:\/\/\S+)/.exec(output);
          if (match?.[1]) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match[1]);
          }
        }, 50);
        void exited.then((code) => {
          clearInterval(poll);
          clearTimeout(timer);
          reject(new Error(`exited with ${code}:\n${output}`));
        });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(output).toContain('WeCom sandbox');
      // Sandbox mode makes an admin token up and prints it with the admin listener's URL; the token opens it.
      const admin = /Admin API\s+(http:\/\/\S+)/.exec(output)?.[1];
      const token = /WECOM_AUTH_ADMIN_TOKEN=(\S+)/.exec(output)?.[1];
      expect(admin).toBeDefined();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const events = await fetch(`${admin}/admin/v1/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(events.status).toBe(200);
      expect((await fetch(`${admin}/admin/v1/events`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('says to build when it has neither a build nor the sources to run', () => {
    const bare = join(scratch, 'bare-package');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(launcher, join(bare, 'bin', 'wecom-auth.js'));
    const result = run(process.execPath, [join(bare, 'bin', 'wecom-auth.js'), '--help']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dist/cli.js is missing');
    expect(result.stderr).toContain('npm run build');
  });
});
