/**
 * Every check of `wecom-auth doctor` against a real sandbox over HTTP, in a broken state and in the fixed one: the
 * verdict, WeCom's errcode and the fix text. The sandbox's control API puts the demo app into each broken state.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, DEMO_APP, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  CALLBACK_TOKEN,
  callbackEnv,
  demoGatewayEnv,
  flushDatabase,
  freePort,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { rotateDataKey } from '../src/data-key-rotation.js';
import { defaultDoctorChecks } from '../src/doctor/default-checks.js';
import type { CheckResult } from '../src/doctor/doctor-check.js';
import type { DoctorInput } from '../src/doctor/doctor-context.js';
import { type DoctorReport, runDoctor } from '../src/doctor/run-doctor.js';

const redis = await redisForTests('the doctor store checks', 7);

let sandbox: Sandbox;
let dataDir: string;

beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
  dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-doctor-'));
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await control('DELETE', '/__sandbox/app-faults');
});

async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

const breakApp = (state: string) => control('POST', '/__sandbox/app-faults', { state });

let databases = 0;
/** The demo corp on the sandbox, with a SQLite file of its own unless `env` says otherwise. */
function doctor(env: Record<string, string> = {}, input: Partial<DoctorInput> = {}): Promise<DoctorReport> {
  databases += 1;
  return runDoctor(
    {
      env: { ...demoGatewayEnv(sandbox.url), WECOM_AUTH_DB: join(dataDir, `doctor-${databases}.db`), ...env },
      ...input,
    },
    defaultDoctorChecks(),
  );
}

function resultOf(report: DoctorReport, id: string, corpId?: string): CheckResult {
  const found = report.results.find(
    (result) => result.id === id && (corpId === undefined || result.corpId === corpId),
  );
  if (found === undefined)
    throw new Error(`no result of ${id} in ${JSON.stringify(report.results.map((r) => r.id))}`);
  return found;
}

describe('configuration', () => {
  it('fails with every problem listed and the settings named, and the rest is skipped', async () => {
    const report = await doctor({ PORT: 'eighty', WECOM_CORP_ID: 'not-a-corp' });
    const result = resultOf(report, 'configuration');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe('The configuration is invalid (2 problems): serve refuses to start with it.');
    expect(result.details).toEqual([
      expect.stringMatching(/^WECOM_CORP_ID: must be a corp ID/),
      expect.stringMatching(/^PORT: must be a port number/),
    ]);
    expect(result.fix?.settings).toEqual(['WECOM_CORP_ID', 'PORT']);
    expect(report.ok).toBe(false);
    expect(
      report.results
        .filter((other) => other.id !== 'configuration')
        .every((other) => other.verdict === 'skip'),
    ).toBe(true);
  });

  it('passes with the corps, the mini program and the store named', async () => {
    const result = resultOf(await doctor(), 'configuration');
    expect(result.verdict).toBe('pass');
    expect(result.summary).toMatch(
      /^1 corp \(wwdemo0000000001\), mini program wxdemo0000000001, SQLite file /,
    );
  });
});

describe('wecom-reachable', () => {
  it('fails when nothing answers, with the cause', async () => {
    const port = await freePort();
    const result = resultOf(await doctor({ WECOM_API_BASE: `http://127.0.0.1:${port}` }), 'wecom-reachable');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain(`127.0.0.1:${port} did not answer (ECONNREFUSED`);
    expect(result.fix?.settings).toEqual(['WECOM_API_BASE']);
  });

  it('fails when the host does not resolve', async () => {
    const result = resultOf(await doctor({ WECOM_API_BASE: 'https://qyapi.invalid' }), 'wecom-reachable');
    expect(result).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/^qyapi\.invalid does not resolve/),
    });
  });

  it("fails on a clock further from WeCom's than DECRYPT_MAX_FUTURE_SKEW_SECONDS, warns on a smaller drift", async () => {
    const far = resultOf(await doctor({}, { now: () => Date.now() + 120_000 }), 'wecom-reachable');
    expect(far.verdict).toBe('fail');
    expect(far.summary).toMatch(
      /this host's clock is 1[12]\d s ahead of WeCom's: more than DECRYPT_MAX_FUTURE_SKEW_SECONDS/,
    );
    expect(far.fix?.text).toContain('Synchronise');
    const near = resultOf(await doctor({}, { now: () => Date.now() - 30_000 }), 'wecom-reachable');
    expect(near.verdict).toBe('warn');
    expect(near.summary).toMatch(/behind WeCom's/);
  });

  it('passes when WeCom answers and the clocks agree, naming the IP WeCom sees', async () => {
    const result = resultOf(await doctor(), 'wecom-reachable');
    expect(result.verdict).toBe('pass');
    expect(result.details).toContain('WeCom sees this host as 127.0.0.1.');
  });
});

describe('wecom-credentials', () => {
  it('a secret reset in the console: 40001, names WECOM_SECRET', async () => {
    await breakApp('wrong_secret');
    const result = resultOf(await doctor(), 'wecom-credentials', DEMO_CORP_ID);
    expect(result.verdict).toBe('fail');
    expect(result.wecom?.errcode).toBe(40001);
    expect(result.fix?.settings).toEqual(['WECOM_SECRET']);
    expect(result.fix?.text).toContain(
      'Set WECOM_SECRET to the Secret of the app the mini program is associated with',
    );
    expect(result.fix?.text).toContain('Not the Contacts sync secret, nor the Customer Contact secret');
    expect(result.fix?.console?.zh).toBe('应用管理 › 小程序 › （你的小程序）› Secret › 查看');
  });

  it('an unknown corp ID: 40013, names WECOM_CORP_ID and where to find it', async () => {
    const result = resultOf(await doctor({ WECOM_CORP_ID: 'ww0000000000000000' }), 'wecom-credentials');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40013 } });
    expect(result.fix?.settings).toEqual(['WECOM_CORP_ID']);
    expect(result.fix?.console?.en).toBe('My Company › Company Information › Corp ID');
  });

  it("another corp's secret: 40091", async () => {
    const result = resultOf(await doctor({ WECOM_SECRET: 'other-secret' }), 'wecom-credentials');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40091 } });
  });

  it('a secret from a file is named by WECOM_SECRET_FILE', async () => {
    await breakApp('wrong_secret');
    const file = join(dataDir, 'secret');
    writeFileSync(file, DEMO_APP.secret);
    const result = resultOf(await doctor({ WECOM_SECRET: '', WECOM_SECRET_FILE: file }), 'wecom-credentials');
    expect(result.fix?.settings).toEqual(['WECOM_SECRET_FILE']);
  });

  it('passes with the right ones', async () => {
    expect(resultOf(await doctor(), 'wecom-credentials', DEMO_CORP_ID).verdict).toBe('pass');
  });
});

describe('wecom-trusted-ip', () => {
  it('an untrusted host: 60020 with the IP WeCom sees, which is what to add', async () => {
    await breakApp('untrusted_ip');
    const report = await doctor();
    // gettoken found the app by its secret before refusing the IP: the credentials are right.
    expect(resultOf(report, 'wecom-credentials')).toMatchObject({
      verdict: 'pass',
      wecom: { errcode: 60020 },
    });
    const result = resultOf(report, 'wecom-trusted-ip');
    expect(result.verdict).toBe('fail');
    expect(result.wecom?.errcode).toBe(60020);
    expect(result.summary).toBe("WeCom refused calls from 127.0.0.1: it is not among the app's trusted IPs.");
    expect(result.fix?.text).toBe("Add 127.0.0.1 to the app's trusted IPs.");
    expect(result.fix?.console?.zh).toContain('企业可信IP');
    expect(resultOf(report, 'wecom-miniprogram').verdict).toBe('skip');
    expect(resultOf(report, 'wecom-visible-range').verdict).toBe('skip');
    // What does not depend on WeCom still runs.
    expect(resultOf(report, 'store').verdict).toBe('pass');
  });

  it('passes when the host is trusted, naming its IP', async () => {
    const result = resultOf(await doctor(), 'wecom-trusted-ip');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: 'The app accepts calls from this host, which WeCom sees as 127.0.0.1.',
    });
  });
});

describe('wecom-miniprogram', () => {
  it('an app without the mini program: 40014, says to associate it and use its secret', async () => {
    await breakApp('not_associated');
    const result = resultOf(await doctor(), 'wecom-miniprogram');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40014 } });
    expect(result.summary).toContain('The app has no mini program');
    expect(result.fix?.text).toContain('Associate mini program wxdemo0000000001 with the corp');
    expect(result.fix?.settings).toEqual(['WECOM_SECRET']);
  });

  it("another app's secret (one without a mini program, like a contacts secret): 40014 too", async () => {
    const result = resultOf(await doctor({ WECOM_SECRET: 'demo-nomp-secret' }), 'wecom-miniprogram');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40014 } });
    expect(result.summary).toContain('Contacts sync or Customer Contact secret');
  });

  it('passes when a made-up code is refused as invalid (40029), and says --login proves the rest', async () => {
    const result = resultOf(await doctor(), 'wecom-miniprogram');
    expect(result.verdict).toBe('pass');
    expect(result.summary).toContain('(40029)');
    expect(result.details?.[0]).toContain('wecom-auth doctor --login');
  });
});

describe('wecom-visible-range', () => {
  it('an empty visible range fails, with where to widen it', async () => {
    await breakApp('empty_visible_range');
    const result = resultOf(await doctor(), 'wecom-visible-range');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain("No department is in the app's visible range");
    expect(result.fix?.console?.en).toBe(
      'App Management › Mini Programs › (your mini program) › Visible to › Edit',
    );
  });

  it('passes with the departments it reaches', async () => {
    const result = resultOf(await doctor(), 'wecom-visible-range');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: "The app's visible range reaches 8 departments (with their members).",
    });
  });
});

describe('store on SQLite', () => {
  it('fails when the file cannot be created, naming WECOM_AUTH_DB', async () => {
    const blocker = join(dataDir, 'a-file');
    writeFileSync(blocker, '');
    const result = resultOf(await doctor({ WECOM_AUTH_DB: join(blocker, 'gateway.db') }), 'store');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('is a file, not a directory');
    expect(result.fix?.settings).toEqual(['WECOM_AUTH_DB']);
  });

  it('passes for a file yet to be created and for one in use', async () => {
    const fresh = join(dataDir, 'fresh', 'gateway.db');
    expect(resultOf(await doctor({ WECOM_AUTH_DB: fresh }), 'store').summary).toContain('does not exist yet');
    const gateway = await startGatewayUnderTest({ sharedSandbox: sandbox, dataDir: join(dataDir, 'in-use') });
    try {
      const result = resultOf(
        await doctor({ WECOM_AUTH_DB: join(dataDir, 'in-use', 'gateway.db') }),
        'store',
      );
      expect(result).toMatchObject({
        verdict: 'pass',
        summary: expect.stringContaining('is writable and a write goes through'),
      });
    } finally {
      await gateway.close();
    }
  });
});

describe.skipIf(redis.unreachable)('store on Redis', () => {
  it('fails when Redis does not answer, naming REDIS_URL', async () => {
    const result = resultOf(await doctor({ REDIS_URL: 'redis://127.0.0.1:1' }), 'store');
    expect(result).toMatchObject({
      verdict: 'fail',
      summary: 'Redis at 127.0.0.1:1 does not answer (ECONNREFUSED).',
    });
    expect(result.fix?.settings).toEqual(['REDIS_URL']);
    expect(resultOf(await doctor({ REDIS_URL: 'redis://127.0.0.1:1' }), 'data-key').verdict).toBe('skip');
  });

  it('warns on an eviction policy that may drop sessions and on no persistence, passes without either', async () => {
    const admin = new Redis(redis.url);
    const before = (await admin.config('GET', 'maxmemory-policy', 'save')) as string[];
    const setting = (name: string) => before[before.indexOf(name) + 1] ?? '';
    try {
      await admin.config('SET', 'maxmemory-policy', 'volatile-lru');
      await admin.config('SET', 'save', '');
      const broken = resultOf(await doctor({ REDIS_URL: redis.url }), 'store');
      expect(broken.verdict).toBe('warn');
      expect(broken.details).toEqual([
        'maxmemory-policy volatile-lru may evict sessions (they have a TTL) under memory pressure.',
        'Neither AOF nor RDB snapshots: a Redis restart ends every session and replaces the signing keys.',
      ]);
      expect(broken.fix?.text).toContain('set maxmemory-policy noeviction; turn on persistence');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const allKeys = resultOf(await doctor({ REDIS_URL: redis.url }), 'store');
      expect(allKeys.details?.[0]).toBe(
        'maxmemory-policy allkeys-lru may evict any key under memory pressure: sessions and the signing keys.',
      );
      // A snapshot schedule that never comes due in a test: persistence without writing a file.
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'save', '86400 1000000');
      const fixed = resultOf(await doctor({ REDIS_URL: redis.url }), 'store');
      expect(fixed.verdict).toBe('pass');
      expect(fixed.summary).toMatch(
        /^Redis at .+: Redis \d+\.\d+\.\d+, RDB "86400 1000000", maxmemory-policy noeviction, 0 replicas\.$/,
      );
    } finally {
      await admin.config('SET', 'maxmemory-policy', setting('maxmemory-policy'));
      await admin.config('SET', 'save', setting('save'));
      admin.disconnect();
      await flushDatabase(redis.url);
    }
  });
});

describe('data-key', () => {
  const NEW_SECRET = 'demo-secret-rotated-for-doctor';

  /** A gateway on the demo secret with one session, in a data directory of its own; the app's secret then changes. */
  async function storeOfAnOldSecret(name: string): Promise<Record<string, string>> {
    const directory = join(dataDir, name);
    let gateway: GatewayUnderTest | undefined = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir: directory,
    });
    await gateway.login('zhangsan');
    await gateway.close();
    gateway = undefined;
    await control('PATCH', `/__sandbox/apps/${DEMO_APP.agentId}`, { secret: NEW_SECRET });
    return { WECOM_AUTH_DB: join(directory, 'gateway.db'), WECOM_SECRET: NEW_SECRET };
  }

  it('the secret changed without WECOM_AUTH_DATA_KEY: fails, and says exactly what to set', async () => {
    const env = await storeOfAnOldSecret('secret-changed');
    const result = resultOf(await doctor(env), 'data-key');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      'The active signing key (and 1 signing key, 1 session key in all) was sealed under a data key this configuration does not have.',
    );
    expect(result.fix?.settings).toEqual(['WECOM_SECRET_FALLBACKS', 'WECOM_AUTH_DATA_KEY']);
    expect(result.fix?.text).toContain('the data key is derived from the secret, and the secret changed');
    expect(result.fix?.text).toContain(
      'Set WECOM_SECRET_FALLBACKS to the secret the gateway ran with before',
    );
    expect(result.fix?.text).toContain('If that secret is lost, the gateway still starts');
  });

  it('after a gateway started without the old secret: warns of what is lost, and says how to avoid it next time', async () => {
    const env = await storeOfAnOldSecret('secret-lost');
    const restarted = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir: join(dataDir, 'secret-lost'),
      env: { WECOM_SECRET: NEW_SECRET },
    });
    await restarted.close();
    const result = resultOf(await doctor(env), 'data-key');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe(
      '1 signing key, 1 session key were sealed under a data key this configuration does not have; the active signing key opens.',
    );
    expect(result.fix?.text).toMatch(/^Only if the old key still exists: /);
    expect(result.fix?.text).toContain('Next time, set WECOM_AUTH_DATA_KEY once');
  });

  it('with the old secret as a fallback: warns until resealed, then passes and says the fallback can go', async () => {
    const env = await storeOfAnOldSecret('secret-fallback');
    const withFallback = { ...env, WECOM_SECRET_FALLBACKS: DEMO_APP.secret };
    const pending = resultOf(await doctor(withFallback), 'data-key');
    expect(pending.verdict).toBe('warn');
    expect(pending.summary).toBe(
      '1 signing key, 1 session key are still sealed under derived from WECOM_SECRET_FALLBACKS[0]: keep it until they are resealed.',
    );
    expect(pending.fix?.text).toContain('Run wecom-auth rotate-data-key');
    await rotateDataKey({ config: loadConfig({ env: { ...demoGatewayEnv(sandbox.url), ...withFallback } }) });
    const done = resultOf(await doctor(withFallback), 'data-key');
    expect(done.verdict).toBe('pass');
    expect(done.details?.[0]).toBe(
      'Nothing is sealed under derived from WECOM_SECRET_FALLBACKS[0] any more: remove it.',
    );
  });

  it('a data key replaced without its fallback names WECOM_AUTH_DATA_KEY_FALLBACKS', async () => {
    const directory = join(dataDir, 'data-key-replaced');
    const gateway = await startGatewayUnderTest({
      sharedSandbox: sandbox,
      dataDir: directory,
      env: { WECOM_AUTH_DATA_KEY: Buffer.alloc(32, 1).toString('base64') },
    });
    await gateway.close();
    const result = resultOf(
      await doctor({
        WECOM_AUTH_DB: join(directory, 'gateway.db'),
        WECOM_AUTH_DATA_KEY: Buffer.alloc(32, 2).toString('base64'),
      }),
      'data-key',
    );
    expect(result.verdict).toBe('fail');
    expect(result.fix?.settings).toEqual(['WECOM_AUTH_DATA_KEY_FALLBACKS']);
  });

  it('passes when everything opens with the current key', async () => {
    const directory = join(dataDir, 'healthy-keys');
    const gateway = await startGatewayUnderTest({ sharedSandbox: sandbox, dataDir: directory });
    await gateway.login('zhangsan');
    await gateway.close();
    const result = resultOf(await doctor({ WECOM_AUTH_DB: join(directory, 'gateway.db') }), 'data-key');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary:
        '1 signing key, 1 session key: all sealed under the current data key (derived from WECOM_SECRET).',
    });
  });
});

describe('callback-url', () => {
  let gateway: GatewayUnderTest;
  beforeAll(async () => {
    gateway = await startGatewayUnderTest({ sharedSandbox: sandbox, env: callbackEnv });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is left out without a callback, and waits for --public-url with one', async () => {
    expect((await doctor()).results.some((result) => result.id === 'callback-url')).toBe(false);
    expect(resultOf(await doctor(callbackEnv), 'callback-url')).toMatchObject({
      verdict: 'skip',
      summary: expect.stringContaining('Give --public-url'),
    });
  });

  it('fails when the gateway there has another Token', async () => {
    const result = resultOf(
      await doctor(
        { ...callbackEnv, WECOM_CALLBACK_TOKEN: `${CALLBACK_TOKEN}x` },
        { publicUrl: gateway.gateway.url },
      ),
      'callback-url',
    );
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain(
      '(callback_signature_invalid): the gateway there has another Token or EncodingAESKey',
    );
    expect(result.fix?.settings).toEqual(['WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY']);
    expect(result.fix?.console?.zh).toBe('应用管理 › 小程序 › （你的小程序）› 接收消息 › 设置API接收');
  });

  it('fails when nothing answers at the public URL', async () => {
    const result = resultOf(
      await doctor(callbackEnv, { publicUrl: `http://127.0.0.1:${await freePort()}` }),
      'callback-url',
    );
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('is not reachable from this host (ECONNREFUSED');
  });

  it('passes when the gateway answers the verification with the decrypted echostr', async () => {
    const result = resultOf(await doctor(callbackEnv, { publicUrl: gateway.gateway.url }), 'callback-url');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: `${gateway.gateway.url}/v1/callback/${DEMO_CORP_ID} answers WeCom's verification with the decrypted echostr.`,
    });
  });
});

describe('login', () => {
  it('is left out unless asked for', async () => {
    expect((await doctor()).results.some((result) => result.id === 'login')).toBe(false);
  });

  it("another app's mini program: a real code is refused with 48002, naming WECOM_MINIPROGRAM_APPID", async () => {
    await breakApp('other_mini_program');
    const report = await doctor({}, { login: true });
    // A made-up code cannot tell: only the real one can.
    expect(resultOf(report, 'wecom-miniprogram').verdict).toBe('pass');
    const result = resultOf(report, 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 48002 } });
    expect(result.fix?.settings).toEqual(['WECOM_MINIPROGRAM_APPID', 'WECOM_SECRET']);
  });

  it('an employee outside the visible range: 60011 at user/get', async () => {
    await breakApp('empty_visible_range');
    const result = resultOf(await doctor({}, { login: true }), 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 60011 } });
    expect(result.fix?.console?.en).toContain('Visible to');
  });

  it('a spent or made-up code: 40029', async () => {
    const result = resultOf(await doctor({}, { code: 'not-a-code' }), 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40029 } });
    expect(result.fix?.text).toContain('wx.qy.login (not wx.login)');
  });

  it('against a sandbox: points at the phone simulator and logs in with a code it mints', async () => {
    const said: string[] = [];
    const result = resultOf(await doctor({}, { login: true, say: (line) => said.push(line) }), 'login');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: `Logged in end to end as wangzong of ${DEMO_CORP_ID}: code → jscode2session → user/get.`,
    });
    expect(said[0]).toContain(`Phone simulator: ${sandbox.url}/`);
  });

  it('against WeCom: asks for a code to paste, and skips when none comes', async () => {
    // A proxy that forwards WeCom's API and hides the sandbox's control API, as WeCom itself has none.
    const proxy: Server = createServer((request, response) => {
      if (!request.url?.startsWith('/cgi-bin/')) {
        response.writeHead(404).end();
        return;
      }
      void fetch(`${sandbox.url}${request.url}`).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const apiBase = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const prompts: string[] = [];
      const code = sandbox.control.login({ userid: 'lisi' }).code;
      const pasted = resultOf(
        await doctor(
          { WECOM_API_BASE: apiBase },
          {
            login: true,
            askForCode: async (prompt) => {
              prompts.push(prompt);
              return `  ${code}\n`;
            },
          },
        ),
        'login',
      );
      expect(prompts).toEqual([
        `Paste a wx.qy.login code of mini program wxdemo0000000001 (an employee of ${DEMO_CORP_ID}), then Enter: `,
      ]);
      expect(pasted).toMatchObject({ verdict: 'pass', summary: expect.stringContaining('as lisi of') });
      const none = resultOf(
        await doctor({ WECOM_API_BASE: apiBase }, { login: true, askForCode: async () => undefined }),
        'login',
      );
      expect(none).toMatchObject({ verdict: 'skip', summary: 'No login code was given.' });
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('the whole run', () => {
  it('runs each corp of a group, and never puts a secret in the report', async () => {
    const report = await doctor({
      WECOM_CORP_ID: '',
      WECOM_SECRET: '',
      WECOM_CORPS: JSON.stringify([
        { corpId: DEMO_CORP_ID, secret: DEMO_APP.secret },
        { corpId: 'wwsub00000000003', secret: 'wrong-subsidiary-secret' },
      ]),
    });
    expect(resultOf(report, 'wecom-credentials', DEMO_CORP_ID).verdict).toBe('pass');
    const subsidiary = resultOf(report, 'wecom-credentials', 'wwsub00000000003');
    expect(subsidiary).toMatchObject({ verdict: 'fail', wecom: { errcode: 40001 } });
    expect(subsidiary.fix?.settings).toEqual(['WECOM_CORPS[1].secret']);
    expect(resultOf(report, 'wecom-trusted-ip', 'wwsub00000000003').verdict).toBe('skip');
    expect(resultOf(report, 'wecom-trusted-ip', DEMO_CORP_ID).verdict).toBe('pass');
    const text = JSON.stringify(report);
    expect(text).not.toContain(DEMO_APP.secret);
    expect(text).not.toContain('wrong-subsidiary-secret');
    expect(text).not.toMatch(/access_token=/);
  });
});
