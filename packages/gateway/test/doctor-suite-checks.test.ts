/**
 * `wecom-auth doctor` for a gateway running as a third-party (suite) app, against a real sandbox over HTTP: each suite
 * check in a broken state and in the fixed one, and the checks of self-built apps left out or adapted. The store the
 * doctor reads is a real gateway's, to which the sandbox pushed a ticket and whose instruction callback two demo corps
 * installed the app through; broken stores are written beside it.
 */

import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSandbox,
  DEMO_CORP_ID,
  demoSuite,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';
import { createSqliteStore, type Store } from '@wecom-auth/store';
import {
  connectSuite,
  demoSuiteGatewayEnv,
  eventually,
  flushDatabase,
  freePort,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
  uninstalledDemoSuite,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeyCommand } from '../src/doctor/data-key-recovery.js';
import { defaultDoctorChecks } from '../src/doctor/default-checks.js';
import type { CheckResult } from '../src/doctor/doctor-check.js';
import type { DoctorInput } from '../src/doctor/doctor-context.js';
import { type DoctorReport, runDoctor } from '../src/doctor/run-doctor.js';
import { createDataSealer } from '../src/sessions/data-sealer.js';

const WRONG_SECRET = 'not-the-demo-suite-secret';
const redis = await redisForTests('the doctor checks of a third-party app on Redis', 1);

let sandbox: Sandbox;
let dataDir: string;
/** A gateway running as the demo suite: ticket received, installed in the demo corp and its subsidiary. */
let gateway: GatewayUnderTest;
let liveDb: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-doctor-suite-'));
  sandbox = await createSandbox({ port: 0, suites: [uninstalledDemoSuite] });
  gateway = await startGatewayUnderTest({
    app: 'suite',
    sharedSandbox: sandbox,
    dataDir: join(dataDir, 'live'),
  });
  liveDb = join(dataDir, 'live', 'gateway.db');
  await connectAndInstall(sandbox, gateway);
});
afterAll(async () => {
  await gateway?.close();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  sandbox.control.clearFaults();
});

/** Connects the demo suite of `to` to `gateway` and waits until both demo corps are installed there. */
async function connectAndInstall(to: Sandbox, gatewayUnderTest: GatewayUnderTest): Promise<void> {
  await connectSuite(to, gatewayUnderTest.gateway.url);
  const installed = await eventually(async () => {
    const ready = await gatewayUnderTest.call('GET', '/readyz');
    return (ready.body as { suite?: { installedCorps?: number } }).suite?.installedCorps === 2;
  }, 10_000);
  if (!installed) throw new Error('the demo corps did not install the suite');
}

/** The doctor on the demo suite against the sandbox, reading the live gateway's store unless `env` says otherwise. */
function doctor(env: Record<string, string> = {}, input: Partial<DoctorInput> = {}): Promise<DoctorReport> {
  return runDoctor(
    {
      env: { ...demoSuiteGatewayEnv(sandbox.url), WECOM_AUTH_DB: liveDb, LOG_LEVEL: 'silent', ...env },
      ...input,
    },
    defaultDoctorChecks(),
  );
}

function resultOf(report: DoctorReport, id: string): CheckResult {
  const found = report.results.find((result) => result.id === id);
  if (found === undefined)
    throw new Error(`no result of ${id} in ${JSON.stringify(report.results.map((r) => r.id))}`);
  return found;
}

let stores = 0;
/** A SQLite store of its own, filled by `fill`; the settings that point the doctor at it. */
async function storeWith(fill: (store: Store) => Promise<void>): Promise<Record<string, string>> {
  stores += 1;
  const path = join(dataDir, `store-${stores}`, 'gateway.db');
  const store = createSqliteStore({ path });
  try {
    await fill(store);
  } finally {
    await store.close();
  }
  return { WECOM_AUTH_DB: path };
}

/** A store whose newest ticket of `suiteId` was received `ageMs` ago. */
function storeWithTicket(ticket: string, ageMs: number, suiteId: string = demoSuite.suiteId) {
  const receivedAt = Date.now() - ageMs;
  return storeWith(async (store) => {
    await store.suites.offerTicket({ suiteId, ticket, timestamp: Math.floor(receivedAt / 1000), receivedAt });
  });
}

const noStore = () => ({ WECOM_AUTH_DB: join(dataDir, 'never-created', 'gateway.db') });

describe('a third-party app', () => {
  it('is checked by the suite checks, in their place; the corp checks are left out', async () => {
    const report = await doctor();
    expect(report.results.map((result) => [result.id, result.verdict])).toEqual([
      ['configuration', 'pass'],
      ['wecom-reachable', 'pass'],
      ['suite-credentials', 'pass'],
      ['suite-ticket', 'pass'],
      ['suite-installs', 'pass'],
      ['suite-callback', 'skip'],
      ['store', 'pass'],
      ['data-key', 'pass'],
    ]);
    expect(resultOf(report, 'configuration').summary).toBe(
      `Third-party app ${demoSuite.suiteId}, mini program ${demoSuite.miniProgramAppId}, SQLite file ${liveDb}.`,
    );
    expect(report.ok).toBe(true);
  });

  it('never puts the secret, the Token, the key, the ticket, a token or a permanent code in the report', async () => {
    const ticket = (await sandbox.control.suites.pushTicket(demoSuite.suiteId)).ticket;
    const codes = sandbox.control.suites
      .installs(demoSuite.suiteId)
      .installs.map((install) => install.permanent_code ?? '');
    const reports = [
      await doctor({}, { publicUrl: gateway.gateway.url, login: true }),
      await doctor({ WECOM_SUITE_SECRET: WRONG_SECRET }),
      await doctor(noStore()),
    ];
    const text = JSON.stringify(reports);
    for (const secret of [
      demoSuite.suiteSecret,
      WRONG_SECRET,
      demoSuite.token,
      demoSuite.encodingAESKey,
      ticket,
    ]) {
      expect(text).not.toContain(secret);
    }
    for (const code of codes) expect(text).not.toContain(code);
    expect(text).not.toMatch(/suite_access_token=|access_token"/);
  });
});

describe('suite-credentials', () => {
  it('without a stored ticket cannot test the secret: warns, saying where WeCom pushes one', async () => {
    const result = resultOf(await doctor(noStore()), 'suite-credentials');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe(
      `No suite_ticket of ${demoSuite.suiteId} is stored, so the Secret cannot be tested: get_suite_token needs one.`,
    );
    expect(result.fix?.text).toContain(
      'WeCom pushes a suite_ticket every 10 minutes to the instruction callback URL, which must be https://<gateway>/v1/suite/callback',
    );
    expect(result.fix?.text).toContain('刷新ticket');
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_TOKEN', 'WECOM_SUITE_AES_KEY']);
    expect(result.fix?.console?.zh).toBe('应用管理 › （你的应用）› 回调配置 › 指令回调URL（及 刷新ticket）');
    const withUrl = resultOf(
      await doctor(noStore(), { publicUrl: 'https://auth.example.com/' }),
      'suite-credentials',
    );
    expect(withUrl.fix?.text).toContain('which must be https://auth.example.com/v1/suite/callback');
  });

  it('a ticket past its 30 minutes: warns with its age, without calling WeCom', async () => {
    const { ticket } = await sandbox.control.suites.pushTicket(demoSuite.suiteId);
    const env = await storeWithTicket(ticket, 45 * 60_000);
    const suiteTokenCalls = () => sandbox.control.calls().byPath['/cgi-bin/service/get_suite_token'] ?? 0;
    const before = suiteTokenCalls();
    const result = resultOf(await doctor(env), 'suite-credentials');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toMatch(
      /^The newest stored suite_ticket is 4[56] minutes old, past its 30 minutes/,
    );
    expect(suiteTokenCalls()).toBe(before);
  });

  it('a ticket WeCom never pushed: 40085, a warning with the same fix', async () => {
    const env = await storeWithTicket('a-ticket-wecom-never-pushed', 60_000);
    const result = resultOf(await doctor(env), 'suite-credentials');
    expect(result).toMatchObject({ verdict: 'warn', wecom: { errcode: 40085 } });
    expect(result.summary).toBe(
      'WeCom refused the newest stored suite_ticket (40085), so the Secret cannot be tested.',
    );
    expect(result.fix?.text).toContain('刷新ticket');
  });

  it('a wrong secret: 40080, names WECOM_SUITE_SECRET and the Basic info page', async () => {
    const report = await doctor({ WECOM_SUITE_SECRET: WRONG_SECRET });
    const result = resultOf(report, 'suite-credentials');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40080 } });
    expect(result.summary).toBe(
      `WeCom refused the Secret of the third-party app ${demoSuite.suiteId}: it is not this app's Secret, or it was regenerated.`,
    );
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_SECRET']);
    expect(result.fix?.console).toEqual({
      en: 'App management › (the app) › Basic info (SuiteID, Secret)',
      zh: '应用管理 › （你的应用）› 基本信息（SuiteID、Secret）',
      site: 'provider',
    });
    expect(report.ok).toBe(false);
  });

  it('a secret from a file is named by WECOM_SUITE_SECRET_FILE', async () => {
    const file = join(dataDir, 'suite-secret');
    writeFileSync(file, WRONG_SECRET);
    const result = resultOf(
      await doctor({ WECOM_SUITE_SECRET: '', WECOM_SUITE_SECRET_FILE: file }),
      'suite-credentials',
    );
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_SECRET_FILE']);
  });

  it('an unknown SuiteID: 40083, names WECOM_SUITE_ID', async () => {
    const { ticket } = await sandbox.control.suites.pushTicket(demoSuite.suiteId);
    const env = await storeWithTicket(ticket, 0, 'wwsuiteunknown01');
    const result = resultOf(
      await doctor({ ...env, WECOM_SUITE_ID: 'wwsuiteunknown01' }),
      'suite-credentials',
    );
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40083 } });
    expect(result.summary).toBe('WeCom does not know the SuiteID wwsuiteunknown01.');
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_ID']);
    expect(result.fix?.text).toContain("not the mini program's appid, nor the provider's CorpID");
  });

  it('48003: the SuiteID is not the app of the secret and ticket, names WECOM_SUITE_ID', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/service/get_suite_token', errcode: 48003, count: 1 });
    const result = resultOf(await doctor(), 'suite-credentials');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 48003 } });
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_ID']);
  });

  it("60020: this host is not on the provider's IP allowlist, which names the IP to add", async () => {
    sandbox.control.addFault({ path: '/cgi-bin/service/get_suite_token', errcode: 60020, count: 1 });
    const result = resultOf(await doctor(), 'suite-credentials');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 60020 } });
    expect(result.summary).toBe(
      "WeCom refused calls from 127.0.0.1: it is not on the provider's IP allowlist.",
    );
    expect(result.fix?.console?.zh).toBe('服务商信息 › 基本信息 › IP白名单');
  });

  it('passes with the right ones and the newest stored ticket', async () => {
    expect(resultOf(await doctor(), 'suite-credentials')).toMatchObject({
      verdict: 'pass',
      summary:
        'WeCom accepted the SuiteID and the Secret: get_suite_token gave a suite_access_token with the newest stored ticket.',
    });
  });
});

describe('suite-ticket', () => {
  it('none stored: warns, and says the store does not exist yet when it does not', async () => {
    const result = resultOf(await doctor(noStore()), 'suite-ticket');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe(
      `No suite_ticket of ${demoSuite.suiteId} is stored: WeCom's pushes have not reached the gateway (the store does not exist yet: no gateway has run with it).`,
    );
    expect(result.details?.[0]).toContain('logins answer 503 wecom_unavailable');
    expect(result.fix?.console?.en).toContain('Instruction callback URL');
  });

  it('past its 30 minutes: warns with its age', async () => {
    const env = await storeWithTicket('an-old-ticket', 3 * 3_600_000);
    const result = resultOf(await doctor(env), 'suite-ticket');
    expect(result).toMatchObject({
      verdict: 'warn',
      summary:
        'The newest suite_ticket is 3 hours old, past its 30 minutes: no push has reached the gateway since.',
    });
  });

  it('live but older than a push: passes, and says a push did not arrive', async () => {
    const env = await storeWithTicket('a-ticket', 15 * 60_000);
    const result = resultOf(await doctor(env), 'suite-ticket');
    expect(result.verdict).toBe('pass');
    expect(result.summary).toMatch(/^The newest suite_ticket is 1[56] minutes old: live/);
    expect(result.details?.[0]).toMatch(
      /^Older than WeCom's 10-minute push: a push did not arrive\. It is accepted for another 1[45] minutes/,
    );
  });

  it('passes with the ticket WeCom just pushed', async () => {
    expect(resultOf(await doctor(), 'suite-ticket')).toMatchObject({
      verdict: 'pass',
      summary:
        'The newest suite_ticket is less than a minute old: live (WeCom pushes one every 10 minutes; each lives 30).',
    });
  });
});

describe('suite-installs', () => {
  it('no corp installed: warns, with how to install', async () => {
    const result = resultOf(await doctor(noStore()), 'suite-installs');
    expect(result).toMatchObject({
      verdict: 'warn',
      summary: `No corp has installed the app ${demoSuite.suiteId} yet: every login answers 403 corp_not_authorized.`,
    });
    expect(result.fix?.text).toContain('a test install from the provider console');
    expect(result.fix?.console?.zh).toBe('应用管理 › （你的应用）› 测试安装');
  });

  it('an authorisation WeCom cancelled: 48004, the corp must install again', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/service/get_corp_token', errcode: 48004, count: 1 });
    const result = resultOf(await doctor(), 'suite-installs');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 48004 } });
    expect(result.summary).toContain(`WeCom no longer accepts the permanent code of ${DEMO_CORP_ID}`);
    expect(result.fix?.text).toMatch(/^The corp must install the app again/);
  });

  it('a permanent code no configured data key opens: fails, and says how to bring the key back', async () => {
    const result = resultOf(
      await doctor({
        WECOM_AUTH_DATA_KEY: Buffer.alloc(32, 3).toString('base64'),
        WECOM_SUITE_SECRET: WRONG_SECRET,
      }),
      'suite-installs',
    );
    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      `2 corps have installed the app, but the permanent code of ${DEMO_CORP_ID} (演示科技有限公司) opens with none of this configuration's data keys: its users cannot log in.`,
    );
    expect(result.fix?.settings).toEqual(['WECOM_AUTH_DATA_KEY_FALLBACKS']);
  });

  it('passes: the corps counted, one permanent code opened and its corp token given', async () => {
    const result = resultOf(await doctor(), 'suite-installs');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: `2 corps have installed the app; get_corp_token gives ${DEMO_CORP_ID} its access token.`,
    });
    expect(result.details?.[0]).toMatch(/opens with the data key derived from WECOM_SUITE_SECRET\.$/);
  });

  it('an uninstall the gateway never heard of: 40084, the corp must install again', async () => {
    // The instruction callback is cut, so the gateway misses cancel_auth; then the corp uninstalls and reinstalls.
    sandbox.control.suites.clearCallback(demoSuite.suiteId);
    await sandbox.control.suites.uninstall(demoSuite.suiteId, DEMO_CORP_ID);
    try {
      const result = resultOf(await doctor(), 'suite-installs');
      expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40084 } });
      expect(result.details).toContain(
        "Its users' logins answer 403 corp_not_authorized. The gateway learns of an uninstall from cancel_auth, and of a new permanent code from reset_permanent_code, on the instruction callback: one did not arrive.",
      );
    } finally {
      await sandbox.control.suites.setCallback(demoSuite.suiteId, {
        url: `${gateway.gateway.url}/v1/suite/callback`,
      });
      await sandbox.control.suites.install(demoSuite.suiteId, { corpid: DEMO_CORP_ID });
    }
    const reinstalled = await eventually(
      async () => resultOf(await doctor(), 'suite-installs').verdict === 'pass',
      10_000,
      200,
    );
    expect(reinstalled).toBe(true);
  });
});

describe('suite-callback', () => {
  it('waits for --public-url', async () => {
    expect(resultOf(await doctor(), 'suite-callback')).toMatchObject({
      verdict: 'skip',
      summary: expect.stringContaining('Give --public-url'),
    });
  });

  it('fails when the gateway there has another Token, naming the suite settings and the console', async () => {
    const result = resultOf(
      await doctor({ WECOM_SUITE_TOKEN: 'anotherSuiteToken' }, { publicUrl: gateway.gateway.url }),
      'suite-callback',
    );
    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      `${gateway.gateway.url}/v1/suite/callback refused the verification (callback_signature_invalid): the gateway there has another Token or EncodingAESKey than this configuration.`,
    );
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_TOKEN', 'WECOM_SUITE_AES_KEY']);
    expect(result.fix?.console?.zh).toContain('回调配置 › 指令回调URL');
  });

  it('fails when the gateway there is not the third-party app (404)', async () => {
    const selfBuilt = await startGatewayUnderTest({ sharedSandbox: sandbox });
    try {
      const result = resultOf(await doctor({}, { publicUrl: selfBuilt.gateway.url }), 'suite-callback');
      expect(result.verdict).toBe('fail');
      expect(result.summary).toBe(
        `${selfBuilt.gateway.url}/v1/suite/callback answered 404: the gateway there does not run as the third-party app (no WECOM_SUITE_* settings), or the address is not the gateway.`,
      );
    } finally {
      await selfBuilt.close();
    }
  });

  it('fails when nothing answers there', async () => {
    const result = resultOf(
      await doctor({}, { publicUrl: `http://127.0.0.1:${await freePort()}` }),
      'suite-callback',
    );
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain('is not reachable from this host (ECONNREFUSED');
    expect(result.fix?.text).toContain('a reverse proxy to /v1/suite/callback');
  });

  it("passes when the gateway answers WeCom's verification", async () => {
    const result = resultOf(await doctor({}, { publicUrl: gateway.gateway.url }), 'suite-callback');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: `${gateway.gateway.url}/v1/suite/callback answers WeCom's verification with the decrypted echostr.`,
    });
  });
});

describe('login of a third-party app', () => {
  it('against a sandbox: logs in an employee of an installed corp through the suite, with a code it mints', async () => {
    const said: string[] = [];
    const result = resultOf(await doctor({}, { login: true, say: (line) => said.push(line) }), 'login');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary: `Logged in end to end as wangzong of ${DEMO_CORP_ID}: code → service/miniprogram/jscode2session → get_corp_token → user/get.`,
    });
    expect(said[0]).toContain(`Phone simulator: ${sandbox.url}/`);
  });

  it("a user of a corp that has not installed the app: the gateway's 403 corp_not_authorized, with how to install", async () => {
    const { code } = sandbox.control.login({
      userid: 'zhoujie',
      corpid: OTHER_CORP_ID,
      suiteId: demoSuite.suiteId,
    });
    const result = resultOf(await doctor({}, { code }), 'login');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toContain(
      `The code is of a user of ${OTHER_CORP_ID}, which has not installed the app`,
    );
    expect(result.fix?.console?.zh).toBe('应用管理 › （你的应用）› 测试安装');
  });

  it('a spent or made-up code: 40029', async () => {
    const result = resultOf(await doctor({}, { code: 'not-a-code' }), 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 40029 } });
    expect(result.fix?.text).toContain('wx.qy.login (not wx.login)');
  });

  it('without a suite_access_token (no ticket stored): skipped, pointing at "Suite ID and secret"', async () => {
    const report = await doctor(noStore(), { code: 'a-code-never-exchanged' });
    expect(resultOf(report, 'suite-credentials').verdict).toBe('warn');
    expect(resultOf(report, 'login')).toMatchObject({
      verdict: 'skip',
      summary: 'Not run: get_suite_token gave no suite_access_token (see "Suite ID and secret").',
    });
  });

  it('a code of another third-party app: 48003, names WECOM_SUITE_ID', async () => {
    sandbox.control.addFault({
      path: '/cgi-bin/service/miniprogram/jscode2session',
      errcode: 48003,
      count: 1,
    });
    const result = resultOf(await doctor({}, { login: true }), 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 48003 } });
    expect(result.fix?.settings).toEqual(['WECOM_SUITE_ID']);
  });

  it('an employee outside the visible range the corp gave the app: 60011 at user/get', async () => {
    sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: 60011, count: 1 });
    const result = resultOf(await doctor({}, { login: true }), 'login');
    expect(result).toMatchObject({ verdict: 'fail', wecom: { errcode: 60011 } });
    expect(result.fix?.text).toContain("to the app's visible range");
  });

  it('in sandbox mode: skipped, saying why', async () => {
    const report = await runDoctor(
      { env: { SANDBOX_APP: 'suite', LOG_LEVEL: 'silent', WECOM_AUTH_DB: liveDb }, login: true },
      defaultDoctorChecks(),
    );
    expect(resultOf(report, 'login')).toMatchObject({
      verdict: 'skip',
      summary: expect.stringMatching(
        /^Sandbox mode: the stored installs come from the sandbox wecom-auth serve starts/,
      ),
    });
  });
});

describe('data-key of a third-party app', () => {
  it('counts the permanent codes, all under the key derived from the suite secret', async () => {
    const result = resultOf(await doctor(), 'data-key');
    expect(result).toMatchObject({
      verdict: 'pass',
      summary:
        '1 signing key, 2 permanent codes: all sealed under the current data key (derived from WECOM_SUITE_SECRET).',
    });
    expect(result.details?.[0]).toContain('The data key is derived from the suite secret');
  });

  it('the suite secret changed: fails, and the key the fix derives from the previous secret opens everything', async () => {
    const changed = { WECOM_SUITE_SECRET: WRONG_SECRET };
    const result = resultOf(await doctor(changed), 'data-key');
    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      'The active signing key (and 1 signing key, 2 permanent codes in all) was sealed under a data key this configuration does not have.',
    );
    expect(result.fix?.settings).toEqual(['WECOM_AUTH_DATA_KEY_FALLBACKS', 'WECOM_AUTH_DATA_KEY']);
    expect(result.fix?.text).toContain(`${deriveKeyCommand} '<the previous suite secret>' prints`);
    // What an operator runs, as the fix prints it.
    const previousKey = execSync(`${deriveKeyCommand} '${demoSuite.suiteSecret}'`, {
      encoding: 'utf8',
    }).trim();
    const recovered = await doctor({ ...changed, WECOM_AUTH_DATA_KEY_FALLBACKS: previousKey });
    expect(resultOf(recovered, 'data-key')).toMatchObject({
      verdict: 'warn',
      summary:
        '1 signing key, 2 permanent codes are still sealed under WECOM_AUTH_DATA_KEY_FALLBACKS[0]: keep it until they are resealed.',
    });
    expect(resultOf(recovered, 'suite-installs').details?.[0]).toBe(
      `The permanent code of ${DEMO_CORP_ID} (演示科技有限公司) opens with the data key WECOM_AUTH_DATA_KEY_FALLBACKS[0].`,
    );
  });

  it('a permanent code no configured key opens fails even when the signing key opens: that corp gets no token', async () => {
    const lostKey = createDataSealer(Buffer.alloc(32, 7));
    const env = await storeWith(async (store) => {
      await store.suites.saveInstall({
        suiteId: demoSuite.suiteId,
        corpId: SUBSIDIARY_CORP_ID,
        corpName: 'subsidiary',
        permanentCodeCiphertext: lostKey.seal('a-permanent-code', 'permanent_code'),
        authInfo: '{}',
        installedAt: Date.now(),
        updatedAt: Date.now(),
        eventTimestamp: Math.floor(Date.now() / 1000),
      });
    });
    const result = resultOf(await doctor(env), 'data-key');
    expect(result).toMatchObject({
      verdict: 'fail',
      summary:
        'The data key that sealed 1 permanent code is not configured: the corp of that permanent code gets no token, so none of its users can log in.',
    });
  });
});

describe('sandbox mode as the demo third-party app', () => {
  it("tests the demo suite with its own sandbox's ticket, and reads the store as it is", async () => {
    const report = await runDoctor(
      { env: { SANDBOX_APP: 'suite', LOG_LEVEL: 'silent', ...noStore() } },
      defaultDoctorChecks(),
    );
    expect(report.mode).toBe('sandbox');
    expect(report.ok).toBe(true);
    expect(resultOf(report, 'configuration').summary).toBe(
      `Sandbox mode as the demo third-party app (SANDBOX_APP=suite): checking a sandbox with the suite ${demoSuite.suiteId}.`,
    );
    expect(resultOf(report, 'suite-credentials')).toMatchObject({
      verdict: 'pass',
      summary:
        "WeCom accepted the SuiteID and the Secret: get_suite_token gave a suite_access_token with a ticket the doctor's sandbox issued.",
    });
    expect(resultOf(report, 'suite-ticket').verdict).toBe('warn');
    expect(resultOf(report, 'suite-ticket').fix?.text).toMatch(
      /^Start the gateway as the demo third-party app/,
    );
    expect(resultOf(report, 'suite-installs').verdict).toBe('warn');
  });

  it("opens the installs' permanent codes, and tries no corp token its own sandbox never issued", async () => {
    const report = await runDoctor(
      { env: { SANDBOX_APP: 'suite', LOG_LEVEL: 'silent', WECOM_AUTH_DB: liveDb } },
      defaultDoctorChecks(),
    );
    const result = resultOf(report, 'suite-installs');
    expect(result).toMatchObject({ verdict: 'pass', summary: '2 corps have installed the app.' });
    expect(result.details?.[1]).toContain('get_corp_token is not tried');
    expect(report.ok).toBe(true);
  });
});

describe.skipIf(redis.unreachable)('a third-party app on Redis', () => {
  let redisSandbox: Sandbox;
  let redisGateway: GatewayUnderTest;

  beforeAll(async () => {
    await flushDatabase(redis.url);
    redisSandbox = await createSandbox({ port: 0, suites: [uninstalledDemoSuite] });
    redisGateway = await startGatewayUnderTest({
      app: 'suite',
      sharedSandbox: redisSandbox,
      redisUrl: redis.url,
    });
    await connectAndInstall(redisSandbox, redisGateway);
  });
  afterAll(async () => {
    await redisGateway?.close();
    await redisSandbox?.close();
    await flushDatabase(redis.url);
  });

  const onRedis = (env: Record<string, string> = {}, input: Partial<DoctorInput> = {}) =>
    runDoctor(
      {
        env: { ...demoSuiteGatewayEnv(redisSandbox.url), REDIS_URL: redis.url, LOG_LEVEL: 'silent', ...env },
        ...input,
      },
      defaultDoctorChecks(),
    );

  it('reads the ticket and the installs every instance shares, and logs in through the suite', async () => {
    const report = await onRedis({}, { login: true, publicUrl: redisGateway.gateway.url });
    for (const id of [
      'suite-credentials',
      'suite-ticket',
      'suite-installs',
      'suite-callback',
      'data-key',
      'login',
    ]) {
      expect([id, resultOf(report, id).verdict]).toEqual([id, 'pass']);
    }
    expect(resultOf(report, 'suite-installs').summary).toBe(
      `2 corps have installed the app; get_corp_token gives ${DEMO_CORP_ID} its access token.`,
    );
    expect(resultOf(report, 'data-key').summary).toBe(
      '1 signing key, 2 permanent codes: all sealed under the current data key (derived from WECOM_SUITE_SECRET).',
    );
  });

  it("another SuiteID's ticket is not this one's: none stored, in a store that exists", async () => {
    const result = resultOf(await onRedis({ WECOM_SUITE_ID: 'wwsuiteunknown01' }), 'suite-ticket');
    expect(result).toMatchObject({
      verdict: 'warn',
      summary: "No suite_ticket of wwsuiteunknown01 is stored: WeCom's pushes have not reached the gateway.",
    });
  });
});
