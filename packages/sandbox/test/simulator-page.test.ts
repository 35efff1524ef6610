import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSandbox,
  DEMO_APP,
  DEMO_CORP_ID,
  DEMO_MINI_PROGRAM_APP_ID,
  demoDirectory,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_APP,
  SUBSIDIARY_CORP_ID,
} from '../src/index.js';
import { type Browser, chromiumAvailable, launchChromium } from './simulator-browser.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(packageDir, 'test-results');
const PHONE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 800 };

function mobileOf(userid: string): string {
  const user = demoDirectory.corps[0]?.users.find((u) => u.userid === userid);
  if (user?.mobile === undefined || user.mobile === '') throw new Error(`no mobile for ${userid}`);
  return user.mobile;
}

describe.runIf(chromiumAvailable())('simulator page in Chromium', () => {
  let sandbox: Sandbox;
  let gateway: RunningGateway;
  let browser: Browser;
  let dataDir: string;
  let pageUrl: string;

  beforeAll(async () => {
    // The page is built once per run; the build is a second or two with esbuild.
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [join(packageDir, 'scripts', 'build-web.mjs')], { stdio: 'pipe' });
    sandbox = await createSandbox({ port: 0 });
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-sim-gw-'));
    const config = loadConfig({
      env: {
        // A group: the demo company (the default corp) and its subsidiary, both associated with the mini program.
        WECOM_CORPS: JSON.stringify([
          { corpId: DEMO_CORP_ID, secret: DEMO_APP.secret },
          { corpId: SUBSIDIARY_CORP_ID, secret: SUBSIDIARY_APP.secret },
        ]),
        WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
        WECOM_API_BASE: sandbox.url,
        WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
        WECOM_TIMEOUT_MS: '3000',
        CORS_ORIGINS: sandbox.url,
        PORT: '0',
        LOG_LEVEL: 'error',
      },
    });
    const logger = createLogger({ level: config.logLevel, destination: { write: () => undefined } });
    gateway = await startGateway({ config, logger });
    browser = await launchChromium();
    pageUrl = `${sandbox.url}/?gateway=${encodeURIComponent(gateway.url)}`;
    mkdirSync(resultsDir, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await sandbox?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function pick(page: Page, userid: string): Promise<void> {
    await page.locator(`button.employee[data-userid="${userid}"]`).click();
    await page.getByRole('button', { name: /^Open the mini program as / }).click();
    await page.locator(`#employee-card[data-userid="${userid}"]`).waitFor();
  }

  /** The steps of the newest action in the trace panel: `wx <api>` or `gateway <status> <error>` lines. */
  async function latestSteps(page: Page): Promise<string[]> {
    return page
      .locator('.trace-group')
      .first()
      .locator('.trace-step')
      .evaluateAll((nodes) =>
        nodes.map((node) => {
          const [kind, api, status, error] = ['kind', 'api', 'status', 'error'].map(
            (name) => node.getAttribute(`data-${name}`) ?? '',
          );
          return kind === 'wx' ? `wx ${api}` : `${kind} ${status} ${error}`.trim();
        }),
      );
  }

  /** The corps whose tokens the newest action's jscode2session calls used, in order. */
  async function exchangeCorps(page: Page): Promise<string[]> {
    return page
      .locator('.trace-group')
      .first()
      .locator('.trace-call[data-api="miniprogram/jscode2session"]')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-corp') ?? ''));
  }

  /** The WeCom calls of the newest action in the trace panel, as `api errcode` lines. */
  async function latestTrace(page: Page): Promise<string[]> {
    const group = page.locator('.trace-group').first();
    return group
      .locator('.trace-call')
      .evaluateAll((nodes) =>
        nodes.map(
          (node) => `${node.getAttribute('data-api') ?? ''} ${node.getAttribute('data-errcode') ?? ''}`,
        ),
      );
  }

  it('logs two employees in and out, decrypts a mobile, survives WeCom busy', async () => {
    const page = await browser.newPage(PHONE);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
    await expect.poll(() => page.locator('#gateway-health').textContent()).toBe('Reachable.');

    // Search by department name.
    await page.getByLabel('Search employees by name or department').fill('财务部');
    const names = await page.locator('.employee-name').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(names.some((name) => name.startsWith('黄丽'))).toBe(true);
    expect(names.some((name) => name.startsWith('张三'))).toBe(false);
    await page.getByLabel('Search employees by name or department').fill('');

    await pick(page, 'zhangsan');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('张三');
    expect(await page.locator('[data-field="departments"]').textContent()).toContain('后端组');
    const firstLogin = await latestTrace(page);
    expect(firstLogin).toContain('miniprogram/jscode2session 0');
    // Secrets are masked in the trace.
    const queries = (await page.locator('.trace-query').allTextContents()).join(' ');
    expect(queries).not.toContain(DEMO_APP.secret);
    // Whole: no part of a code, a token or a secret is shown.
    expect(queries).toContain('access_token=…&js_code=…&grant_type=authorization_code');
    expect(queries).toContain('corpsecret=…');

    await page.getByRole('button', { name: 'Get mobile' }).click();
    await expect.poll(() => page.locator('#mobile-value').textContent()).toBe(mobileOf('zhangsan'));
    await page.screenshot({ path: join(resultsDir, 'simulator-phone.png') });

    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('.trace-group').count()).toBe(3);
    expect(await page.locator('#card-name').textContent()).toBe('张三');

    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    // WeCom busy: jscode2session answers -1 twice and the gateway's retries still log 李四 in.
    await page.locator('label.switch', { hasText: 'WeCom busy' }).click();
    expect(await page.getByLabel(/WeCom busy/).isChecked()).toBe(true);
    await pick(page, 'lisi');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('李四');
    const busyLogin = await latestTrace(page);
    expect(busyLogin.filter((line) => line === 'miniprogram/jscode2session -1')).toHaveLength(2);
    expect(busyLogin).toContain('miniprogram/jscode2session 0');
    expect(await page.locator('.trace-group').first().locator('.trace-result').textContent()).toBe('ok');

    await page.getByRole('button', { name: 'Get mobile' }).click();
    await expect.poll(() => page.locator('#mobile-value').textContent()).toBe(mobileOf('lisi'));
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    await page.close();
    expect(browser.errors).toEqual([]);
  });

  it('logs a subsidiary employee in through corp_mismatch, then straight to the corp her phone remembers', async () => {
    const page = await browser.newPage(DESKTOP);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
    await page.getByLabel('Company').selectOption(SUBSIDIARY_CORP_ID);
    await expect.poll(() => page.locator('button.employee').count()).toBe(4);
    expect(await page.locator('#corp-hint').textContent()).toContain(SUBSIDIARY_CORP_ID);

    // The subsidiary's zhangsan is 张珊, not the demo company's 张三.
    await pick(page, 'zhangsan');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('张珊');
    expect(await page.locator('#card-corp').textContent()).toBe('演示科技（深圳）有限公司');
    expect(await page.locator('[data-field="corp"]').textContent()).toContain(SUBSIDIARY_CORP_ID);
    // The default corp's token gets an outsider's answer, the gateway says corp_mismatch, the SDK logs in again.
    expect(await latestSteps(page)).toEqual([
      'wx qy.login',
      'gateway 409 corp_mismatch',
      'wx qy.login',
      'gateway 201',
    ]);
    expect(await exchangeCorps(page)).toEqual([DEMO_CORP_ID, SUBSIDIARY_CORP_ID]);
    const mismatch = page.locator('.trace-group').first().locator('.trace-step[data-error="corp_mismatch"]');
    const outsiderExchange = mismatch.locator('.trace-call[data-api="miniprogram/jscode2session"]');
    expect(await outsiderExchange.getAttribute('data-corp')).toBe(DEMO_CORP_ID);
    expect(await mismatch.textContent()).toContain('belongs to 演示科技（深圳）有限公司');
    const firstTrace = (await page.locator('.trace-group').first().textContent()) ?? '';
    expect(firstTrace).toContain('with the token of 演示科技（深圳）有限公司');
    expect(firstTrace).toContain('the corp the gateway named');
    await page.screenshot({ path: join(resultsDir, 'simulator-corps-desktop.png') });

    // The phone remembers the corp; the trace shows no secret of the session or of either corp.
    const phoneKey = `phone:${SUBSIDIARY_CORP_ID}:zhangsan/wecom-auth:session`;
    const stored = await page.evaluate((key) => {
      // Runs in the page; the test's own types know no DOM.
      const storage = (globalThis as unknown as { sessionStorage: { getItem(name: string): string | null } })
        .sessionStorage;
      const session = JSON.parse(storage.getItem(key) ?? '{}') as Record<string, unknown>;
      return {
        corp: storage.getItem(`${key}:corp`),
        tokens: [session.accessToken, session.refreshToken],
      };
    }, phoneKey);
    expect(stored.corp).toBe(JSON.stringify(SUBSIDIARY_CORP_ID));
    const traceText = (await page.locator('#trace-list').textContent()) ?? '';
    for (const secret of [...stored.tokens, SUBSIDIARY_APP.secret, DEMO_APP.secret]) {
      expect(typeof secret === 'string' && secret.length > 0).toBe(true);
      expect(traceText).not.toContain(secret);
    }

    // Her second login on the same phone goes straight to her corp: one code, one exchange.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    await pick(page, 'zhangsan');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('张珊');
    expect(await latestSteps(page)).toEqual(['wx qy.login', 'gateway 201']);
    expect(await exchangeCorps(page)).toEqual([SUBSIDIARY_CORP_ID]);
    expect(await page.locator('.trace-group').first().textContent()).toContain(
      'the corp this phone remembers',
    );
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(resultsDir, 'simulator-corps-phone.png'), fullPage: true });

    // The demo company's zhangsan holds another phone: 张三, exchanged once with the default corp's token.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByLabel('Company').selectOption(DEMO_CORP_ID);
    await pick(page, 'zhangsan');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('张三');
    expect(await page.locator('#card-corp').textContent()).toBe('演示科技有限公司');
    expect(await exchangeCorps(page)).toEqual([DEMO_CORP_ID]);

    // A corp the mini program is not associated with: the gateway refuses its people.
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByLabel('Company').selectOption(OTHER_CORP_ID);
    expect(await page.locator('#corp-hint').textContent()).toContain('not associated');
    await page.locator('button.employee[data-userid="zhoujie"]').click();
    await page.getByRole('button', { name: /^Open the mini program as / }).click();
    await expect
      .poll(() => page.locator('.trace-group').first().locator('.trace-result').textContent())
      .toBe('not_a_member');
    expect(await page.locator('#picker-view').isVisible()).toBe(true);
    await page.close();
    // Chromium logs every 4xx answer to a fetch; these two are the answers this test asked for, and nothing else.
    expect(browser.errors.splice(0)).toEqual([
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ]);
  });

  it('recovers from an expired access_token, and shows a centred phone on a desktop', async () => {
    const page = await browser.newPage(DESKTOP);
    await page.goto(pageUrl);
    await pick(page, 'wangzong');
    await page.getByRole('button', { name: 'Expire the access_token now' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('expired');
    // The next login meets 42001 on jscode2session; the gateway fetches a new token and tries again.
    await page.getByRole('button', { name: 'Log out and pick another employee' }).click();
    await pick(page, 'chenjing');
    await expect.poll(() => page.locator('#card-name').textContent()).toBe('陈静');
    const recovered = await latestTrace(page);
    expect(recovered).toContain('miniprogram/jscode2session 42001');
    expect(recovered).toContain('gettoken 0');
    expect(recovered.at(-1)).toMatch(/ 0$/);
    await page.getByRole('button', { name: 'Get mobile' }).click();
    await expect.poll(() => page.locator('#mobile-value').textContent()).toBe(mobileOf('chenjing'));

    const phone = await page.locator('main.phone').boundingBox();
    expect(phone).not.toBeNull();
    if (phone !== null) {
      expect(Math.abs(phone.x + phone.width / 2 - DESKTOP.width / 2)).toBeLessThan(2);
      expect(phone.height).toBeLessThanOrEqual(DESKTOP.height);
    }
    await page.screenshot({ path: join(resultsDir, 'simulator-desktop.png') });

    // Slow network is a sandbox fault: it survives a reload of the page, and switching it off removes it.
    const slow = page.getByRole('checkbox', { name: /Slow network/ });
    await page.locator('label.switch', { hasText: 'Slow network' }).click();
    const delays = (): unknown[] =>
      sandbox.control
        .faults()
        .filter((fault) => fault.path === '*')
        .map((fault) => fault.delayMs);
    await expect.poll(delays).toEqual([800]);
    await page.reload();
    await expect.poll(() => slow.isEnabled()).toBe(true);
    expect(await slow.isChecked()).toBe(true);
    await page.locator('label.switch', { hasText: 'Slow network' }).click();
    await expect.poll(delays).toEqual([]);
    expect(statSync(join(resultsDir, 'simulator-desktop.png')).size).toBeGreaterThan(10_000);
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});
