import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const NODE_ARGS = ['--conditions=@wecom-auth/source', '--import', 'tsx', CLI];

function run(args: string[]): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return { child, output: () => ({ stdout, stderr }) };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function waitFor(read: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(read());
    if (match !== null) return match;
    if (child.exitCode !== null) throw new Error(`exited early: ${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.concurrent('wecom-auth-sandbox CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a banner, serves the API and stops cleanly on SIGTERM', async () => {
    const { child, output } = run(['--port', '0', '--seed', '1', '--errmsg-style', 'doc']);
    try {
      const [, url] = await waitFor(() => output().stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/, child);
      const banner = output().stdout;
      for (const expected of [
        'wwdemo0000000001',
        'wxdemo0000000001',
        '1000002',
        'demo-secret-change-me',
        'curl',
      ]) {
        expect(banner).toContain(expected);
      }
      const res = await fetch(
        `${url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me`,
      );
      expect(((await res.json()) as { errcode: number }).errcode).toBe(0);
      const bad = await fetch(`${url}/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=x`);
      expect(await bad.json()).toEqual({ errcode: 40001, errmsg: 'invalid credential' });
      child.kill('SIGTERM');
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--demo-suite plays the provider platform for the demo suite', async () => {
    const { child, output } = run(['--port', '0', '--demo-suite']);
    try {
      const [, url] = await waitFor(() => output().stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/, child);
      await waitFor(() => output().stdout, /suites\/wwsuitedemo00001\/ticket/, child);
      expect(output().stdout).toContain(
        'suite id:          wwsuitedemo00001 (secret demo-suite-secret-change-me',
      );
      const res = await fetch(`${url}/__sandbox/suites`);
      const { suites } = (await res.json()) as {
        suites: { suiteId: string; installCount: { active: number } }[];
      };
      expect(suites).toEqual([
        expect.objectContaining({ suiteId: 'wwsuitedemo00001', installCount: { active: 2, cancelled: 0 } }),
      ]);
      child.kill('SIGTERM');
      expect(await exitOf(child)).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('exits 2 with every problem of a bad fixture', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ corps: [{ corpId: 'not valid!', name: 'x', departments: [] }] }));
    const { child, output } = run(['--port', '0', '--fixture', file]);
    expect((await exitOf(child)).code).toBe(2);
    expect(output().stderr).toContain(`fixture file ${file} is not a valid directory (2 problems)`);
    expect(output().stderr).toContain('corps[0].corpId: must be letters and digits');
    expect(output().stderr).toContain('corps[0].departments:');
  });

  it('exits 2 when the fixture is not JSON, and serves a good fixture', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"corps": [');
    const first = run(['--fixture', broken]);
    expect((await exitOf(first.child)).code).toBe(2);
    expect(first.output().stderr).toContain('is not valid JSON');

    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        corps: [
          {
            corpId: 'wwfile',
            name: 'File Corp',
            departments: [{ id: 1, name: 'File Corp', parentid: 0 }],
            apps: [{ agentId: 7, name: 'a', secret: 'file-secret', visibleRange: { departmentIds: [1] } }],
            users: [{ userid: 'fay', name: 'Fay', department: [1], status: 1 }],
          },
        ],
      }),
    );
    const { child, output } = run(['--port', '0', '--fixture', good]);
    try {
      const [, url] = await waitFor(() => output().stdout, /listening on (http:\/\/127\.0\.0\.1:\d+)/, child);
      expect(output().stdout).toContain('file-secret');
      const res = await fetch(`${url}/cgi-bin/gettoken?corpid=wwfile&corpsecret=file-secret`);
      expect(((await res.json()) as { errcode: number }).errcode).toBe(0);
      child.kill('SIGINT');
      expect((await exitOf(child)).code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('prints help and rejects bad options', async () => {
    const help = run(['--help']);
    expect((await exitOf(help.child)).code).toBe(0);
    expect(help.output().stdout).toContain('--errmsg-style <style>');
    const bad = run(['--errmsg-style', 'fancy']);
    expect((await exitOf(bad.child)).code).not.toBe(0);
    expect(bad.output().stderr).toContain('fancy');
  });
});
