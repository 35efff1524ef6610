/**
 * `wecom-auth doctor` as a user runs it: the built CLI (`node packages/gateway/dist/cli.js doctor`, so `npm run build`
 * first) against the sandbox's demo corp and as the demo third-party app, its exit code, its text and its JSON; and the
 * whole checklist of a healthy and a broken setup, and of a third-party app before and after its installs, pinned in
 * readable snapshots.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSandbox, DEMO_APP, demoSuite, type Sandbox } from '@wecom-auth/sandbox';
import {
  connectSuite,
  demoGatewayEnv,
  demoSuiteGatewayEnv,
  eventually,
  type GatewayUnderTest,
  startGatewayUnderTest,
  uninstalledDemoSuite,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDoctorChecks } from '../src/doctor/default-checks.js';
import type { DoctorInput } from '../src/doctor/doctor-context.js';
import { renderDoctorJson, renderDoctorText } from '../src/doctor/render-doctor.js';
import { type DoctorReport, runDoctor } from '../src/doctor/run-doctor.js';

const builtCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const WRONG_SECRET = 'not-the-demo-secret';

let sandbox: Sandbox;
let scratch: string;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
  scratch = mkdtempSync(join(tmpdir(), 'wecom-auth-doctor-cli-'));
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function runBuiltCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run npm run build first`);
  // From a directory of its own, with none of the caller's WeCom settings: only `env` configures it.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(WECOM_|REDIS_URL$)/.test(name)),
  );
  const child = spawn(process.execPath, [builtCli, ...args], {
    cwd: scratch,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

// Each test starts a Node.js process that loads the whole gateway: slow on a busy machine.
describe('node packages/gateway/dist/cli.js doctor', { timeout: 90_000 }, () => {
  it('exits 0 against the demo corp, with every check passed', async () => {
    const { code, stdout, stderr } = await runBuiltCli(['doctor', '--login'], demoGatewayEnv(sandbox.url));
    expect(code).toBe(0);
    expect(stdout).toContain('OK: 0 failed');
    expect(stdout).not.toContain('FAIL');
    expect(stderr).toContain(`Phone simulator: ${sandbox.url}/`);
    expect(stdout + stderr).not.toContain(DEMO_APP.secret);
  });

  it('exits 0 in sandbox mode, checking a sandbox of its own', async () => {
    const { code, stdout } = await runBuiltCli(['doctor'], {});
    expect(code).toBe(0);
    expect(stdout).toContain('WeCom Auth doctor (sandbox mode)');
  });

  it('exits 1 with a wrong secret, naming WECOM_SECRET and the errcode, and never the secret', async () => {
    const { code, stdout, stderr } = await runBuiltCli(['doctor'], {
      ...demoGatewayEnv(sandbox.url),
      WECOM_SECRET: WRONG_SECRET,
    });
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL  Corp ID and secret (gettoken)');
    expect(stdout).toContain('errcode 40001');
    expect(stdout).toContain('Settings: WECOM_SECRET');
    expect(stdout + stderr).not.toContain(WRONG_SECRET);
  });

  it('prints JSON that parses, with the same verdicts and exit code', async () => {
    const broken = await runBuiltCli(['doctor', '--json'], {
      ...demoGatewayEnv(sandbox.url),
      WECOM_SECRET: WRONG_SECRET,
    });
    expect(broken.code).toBe(1);
    const report = JSON.parse(broken.stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.results.find((result) => result.id === 'wecom-credentials')).toMatchObject({
      corpId: 'wwdemo0000000001',
      verdict: 'fail',
      wecom: { errcode: 40001 },
      fix: { settings: ['WECOM_SECRET'] },
    });
    expect(broken.stdout).not.toContain(WRONG_SECRET);
    const healthy = await runBuiltCli(['doctor', '--json'], demoGatewayEnv(sandbox.url));
    expect(healthy.code).toBe(0);
    expect((JSON.parse(healthy.stdout) as DoctorReport).counts.fail).toBe(0);
  });

  it('exits 0 in sandbox mode as the demo third-party app, and its JSON parses', async () => {
    const { code, stdout, stderr } = await runBuiltCli(['doctor', '--json'], { SANDBOX_APP: 'suite' });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report).toMatchObject({ ok: true, mode: 'sandbox' });
    expect(report.results.map((result) => [result.id, result.verdict])).toEqual([
      ['configuration', 'pass'],
      ['wecom-reachable', 'pass'],
      ['suite-credentials', 'pass'],
      ['suite-ticket', 'warn'],
      ['suite-installs', 'warn'],
      ['suite-callback', 'skip'],
      ['store', 'pass'],
      ['data-key', 'pass'],
    ]);
    expect(stdout + stderr).not.toContain(demoSuite.suiteSecret);
    const text = await runBuiltCli(['doctor'], { SANDBOX_APP: 'suite' });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('PASS  Suite ID and secret (get_suite_token)');
    expect(text.stdout).toContain('OK: 0 failed, 2 warnings');
  });

  it('refuses a public URL that is not one', async () => {
    const { code, stderr } = await runBuiltCli(['doctor', '--public-url', 'gateway.example'], {});
    expect(code).not.toBe(0);
    expect(stderr).toContain('must be an http(s) URL');
  });
});

/** The report with what changes between runs (the sandbox's port, WeCom's hint ids) replaced by names. */
function stable(report: DoctorReport): DoctorReport {
  const port = new URL(sandbox.url).port;
  return JSON.parse(
    JSON.stringify(report)
      .replaceAll(`127.0.0.1:${port}`, '127.0.0.1:<sandbox port>')
      .replace(/hint: \[\d+\]/g, 'hint: [<hint id>]'),
  ) as DoctorReport;
}

async function checklist(
  env: Record<string, string>,
  input: Partial<DoctorInput> = {},
): Promise<DoctorReport> {
  return stable(
    await runDoctor(
      {
        // A path that does not exist: the doctor never creates the store, and the snapshot names no temporary
        // directory.
        env: { ...demoGatewayEnv(sandbox.url), WECOM_AUTH_DB: 'state/doctor-snapshot/gateway.db', ...env },
        ...input,
      },
      defaultDoctorChecks(),
    ),
  );
}

describe('the whole checklist', () => {
  it('of a healthy setup', async () => {
    const report = await checklist({}, { login: true });
    expect(report.ok).toBe(true);
    await expect(renderDoctorText(report)).toMatchFileSnapshot('__snapshots__/doctor-healthy.txt');
  });

  it('of a setup with the wrong secret', async () => {
    const report = await checklist({ WECOM_SECRET: WRONG_SECRET }, { login: true });
    expect(report.ok).toBe(false);
    await expect(renderDoctorText(report)).toMatchFileSnapshot('__snapshots__/doctor-wrong-secret.txt');
    await expect(renderDoctorJson(report)).toMatchFileSnapshot('__snapshots__/doctor-wrong-secret.json');
  });
});

describe('the whole checklist of a third-party app', () => {
  let suiteSandbox: Sandbox;
  let gateway: GatewayUnderTest;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-doctor-suite-cli-'));
    suiteSandbox = await createSandbox({ port: 0, suites: [uninstalledDemoSuite] });
    gateway = await startGatewayUnderTest({ app: 'suite', sharedSandbox: suiteSandbox, dataDir });
  });
  afterAll(async () => {
    await gateway?.close();
    await suiteSandbox?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The report with the addresses and the data directory, which change between runs, replaced by names. */
  async function suiteChecklist(
    env: Record<string, string>,
    input: Partial<DoctorInput> = {},
  ): Promise<DoctorReport> {
    const report = await runDoctor(
      { env: { ...demoSuiteGatewayEnv(suiteSandbox.url), LOG_LEVEL: 'silent', ...env }, ...input },
      defaultDoctorChecks(),
    );
    return JSON.parse(
      JSON.stringify(report)
        .replaceAll(new URL(gateway.gateway.url).host, '127.0.0.1:<gateway port>')
        .replaceAll(new URL(suiteSandbox.url).host, '127.0.0.1:<sandbox port>')
        .replaceAll(dataDir, '<data-dir>'),
    ) as DoctorReport;
  }

  it('before WeCom pushed a ticket and any corp installed it', async () => {
    const report = await suiteChecklist({ WECOM_AUTH_DB: 'state/doctor-snapshot/gateway.db' });
    expect(report.ok).toBe(true);
    await expect(renderDoctorText(report)).toMatchFileSnapshot('__snapshots__/doctor-suite-fresh.txt');
  });

  it('once installed in two corps through the instruction callback', async () => {
    await connectSuite(suiteSandbox, gateway.gateway.url);
    const installed = await eventually(async () => {
      const ready = await gateway.call('GET', '/readyz');
      return (ready.body as { suite?: { installedCorps?: number } }).suite?.installedCorps === 2;
    }, 10_000);
    expect(installed).toBe(true);
    const report = await suiteChecklist(
      { WECOM_AUTH_DB: join(dataDir, 'gateway.db') },
      { publicUrl: gateway.gateway.url },
    );
    expect(report.ok).toBe(true);
    await expect(renderDoctorText(report)).toMatchFileSnapshot('__snapshots__/doctor-suite-installed.txt');
  });
});
