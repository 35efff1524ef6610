import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import { freePort } from '@wecom-auth/testing';
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

/**
 * Pairs of visible elements of different selectors whose boxes overlap by more than a pixel each way (an element
 * and what it contains are not a pair).
 */
async function overlaps(page: Page, selectors: readonly string[]): Promise<string[]> {
  return page.evaluate((wanted) => {
    // Runs in the page; the test's own types know no DOM.
    type Box = { left: number; top: number; right: number; bottom: number; width: number; height: number };
    type Node = {
      getBoundingClientRect(): Box;
      checkVisibility(options: object): boolean;
      contains(other: Node): boolean;
    };
    const doc = globalThis as unknown as { document: { querySelectorAll(selector: string): Iterable<Node> } };
    const boxes = wanted.flatMap((selector, group) =>
      [...doc.document.querySelectorAll(selector)]
        .filter((node) => node.checkVisibility({ opacityProperty: true, visibilityProperty: true }))
        .map((node, index) => ({
          name: `${selector}[${index}]`,
          group,
          node,
          box: node.getBoundingClientRect(),
        }))
        .filter(({ box }) => box.width > 0 && box.height > 0),
    );
    const found: string[] = [];
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        if (a.group === b.group || a.node.contains(b.node) || b.node.contains(a.node)) continue;
        const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (x > 1 && y > 1) found.push(`${a.name} × ${b.name}`);
      }
    }
    return found;
  }, selectors);
}

/** What must never overlap on the page: the stage's parts, the phone's bars, the buttons, the card's fields. */
const LAYOUT = [
  '.stage-intro',
  'main.phone',
  '.console .panel',
  '.nav-title',
  '#back-button:not([hidden])',
  '.capsule',
  '#open-button',
  '.actions .button',
  '.field dt',
  '.field dd',
  '#card-name',
  '.status-pill',
];
/** A toast may lie over the card for a moment, never over a button of the phone. */
const TOAST_OVER_BUTTONS = ['#status.is-visible', 'main.phone button'];

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

  it('shows the mobile the gateway returned, and the 2022-06-20 rule when the app is switched to a newer one', async () => {
    const page = await browser.newPage(PHONE);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
    // The demo app is an old-style app: user/get gives the mobile, and the login answer already holds it.
    await pick(page, 'gaoyuan');
    expect(await page.locator('#mobile-value').textContent()).toBe(mobileOf('gaoyuan'));
    expect(await page.locator('#mobile-source').textContent()).toContain('from user/get');
    expect(await page.locator('#employee-card').textContent()).not.toContain('Hidden until');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    // The logout's own status line lands once the gateway answered: waited for, so it cannot replace the next one.
    await expect.poll(() => page.locator('#status').textContent()).toContain('Logged out');

    const app = (): boolean | undefined =>
      sandbox.control.directory().corps[0]?.apps.find((candidate) => candidate.agentId === DEMO_APP.agentId)
        ?.createdAfter20220620;
    expect(await page.locator('#app-age-app').textContent()).toContain(String(DEMO_APP.agentId));
    await page.locator('label.switch', { hasText: 'Created after 2022-06-20' }).click();
    await expect.poll(app).toBe(true);
    // The sandbox changes before its answer reaches the page, which then says so.
    await expect.poll(() => page.locator('#status').textContent()).toContain('created after 2022-06-20');
    try {
      // Someone whose profile the gateway has not read yet: user/get now withholds the mobile.
      await pick(page, 'xuqiang');
      expect(await page.locator('#mobile-value').count()).toBe(0);
      expect(await page.locator('#mobile-none').textContent()).toContain('apps created after 2022-06-20');
      expect(await latestTrace(page)).toContain('user/get 0');
      await page.getByRole('button', { name: 'Get mobile' }).click();
      await expect.poll(() => page.locator('#mobile-value').textContent()).toBe(mobileOf('xuqiang'));
      expect(await page.locator('#mobile-source').textContent()).toContain('the client’s word');
      await page.getByRole('button', { name: 'Log out', exact: true }).click();
      await page.locator('#picker-view').waitFor();
    } finally {
      await page.locator('label.switch', { hasText: 'Created after 2022-06-20' }).click();
      await expect.poll(app).toBe(false);
    }
    await page.close();
    expect(browser.errors).toEqual([]);
  });

  it('lets toasts fade, keeps them off the buttons, clears them with the view, and drops a hidden selection', async () => {
    const page = await browser.newPage(PHONE);
    await page.clock.install();
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);

    // A selection that a search hides is dropped: the button never names someone the list does not show.
    const search = page.getByLabel('Search employees by name or department');
    await page.locator('button.employee[data-userid="zhangsan"]').click();
    expect(await page.locator('#open-button').textContent()).toBe('Open the mini program as 张三');
    await search.fill('财务部');
    expect(await page.locator('#open-button').textContent()).toBe('Pick an employee');
    expect(await page.locator('#open-button').isDisabled()).toBe(true);
    await search.fill('');
    expect(await page.locator('button.employee.is-selected').count()).toBe(0);
    expect(await page.locator('#open-button').isDisabled()).toBe(true);

    // An error toast (a corp not associated with the mini program) stays clear of the button at the screen's foot…
    await page.getByLabel('Company').selectOption(OTHER_CORP_ID);
    await page.locator('button.employee[data-userid="wuyue"]').click();
    await page.locator('#open-button').click();
    const toastShown = page.locator('#status.is-visible[data-tone="error"]');
    await toastShown.waitFor();
    expect(await overlaps(page, LAYOUT)).toEqual([]);
    expect(await overlaps(page, TOAST_OVER_BUTTONS)).toEqual([]);
    // …and fades by itself.
    await page.clock.fastForward(9_000);
    await expect.poll(() => toastShown.count()).toBe(0);
    // The same error again is cleared at once when the picker shows another company.
    await page.locator('#open-button').click();
    await toastShown.waitFor();
    await page.getByLabel('Company').selectOption(DEMO_CORP_ID);
    expect(await page.locator('#status.is-visible').count()).toBe(0);

    // An error in the mini program is cleared when the view changes.
    await pick(page, 'liuyang');
    await page.route('**/v1/me/decrypt', (route) => route.abort('connectionrefused'));
    await page.getByRole('button', { name: 'Get mobile' }).click();
    await toastShown.waitFor();
    expect(await overlaps(page, LAYOUT)).toEqual([]);
    expect(await overlaps(page, TOAST_OVER_BUTTONS)).toEqual([]);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    expect(await page.locator('#status').getAttribute('data-tone')).not.toBe('error');
    await page.close();
    expect(browser.errors.splice(0)).toEqual([
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
      'Failed to load resource: net::ERR_CONNECTION_REFUSED',
    ]);
  });

  it('says the gateway could not be reached when it could not, never that it answered', async () => {
    const closed = await freePort();
    const page = await browser.newPage(DESKTOP);
    await page.goto(`${sandbox.url}/?gateway=${encodeURIComponent(`http://127.0.0.1:${closed}`)}`);
    await expect.poll(() => page.locator('#gateway-health').textContent()).toContain('Not reachable');
    await pick(page, 'zhangsan').catch(() => undefined);
    const group = page.locator('.trace-group').first();
    await group.waitFor();
    expect(await latestSteps(page)).toEqual(['wx qy.login', 'gateway 0']);
    expect(await group.locator('.trace-step[data-kind="gateway"] .trace-outcome').textContent()).toBe(
      'unreachable',
    );
    const said = (await group.textContent()) ?? '';
    expect(said).toContain('No WeCom calls: the gateway could not be reached.');
    expect(said).not.toContain('answered from its own state');
    expect(await page.locator('#picker-view').isVisible()).toBe(true);
    await page.close();
    // The health check and the login, both refused: nothing else went wrong in the page.
    expect(browser.errors.splice(0)).toEqual([
      'Failed to load resource: net::ERR_CONNECTION_REFUSED',
      'Failed to load resource: net::ERR_CONNECTION_REFUSED',
    ]);
  });

  it('speaks Chinese in a Chinese browser, renders the characters, and lays out at 375 and 1280 px', async () => {
    const chinese = await launchChromium({ locale: 'zh-CN' });
    try {
      const page = await chinese.newPage(PHONE);
      await page.goto(pageUrl);
      await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      expect(await page.title()).toBe('WeCom Auth · 手机模拟器');
      expect(await page.locator('#picker-title').textContent()).toBe('谁在用这部手机？');
      expect(await page.locator('#open-button').textContent()).toBe('请选择员工');
      expect(await page.getByRole('checkbox', { name: /网络缓慢/ }).count()).toBe(1);
      // The CJK font draws 张 as a glyph of its own, not as the box of a character no font has.
      const rendered = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(tag: 'canvas'): unknown } })
          .document;
        const canvas = doc.createElement('canvas') as {
          width: number;
          height: number;
          getContext(kind: '2d'): {
            font: string;
            fillText(text: string, x: number, y: number): void;
            clearRect(x: number, y: number, w: number, h: number): void;
            getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
          };
        };
        canvas.width = 40;
        canvas.height = 40;
        const context = canvas.getContext('2d');
        context.font = '32px sans-serif';
        const draw = (glyph: string): string => {
          context.clearRect(0, 0, 40, 40);
          context.fillText(glyph, 2, 32);
          return Array.from(context.getImageData(0, 0, 40, 40).data).join(',');
        };
        return { zhang: draw('张'), san: draw('三'), missing: draw('\u{10FFFD}') };
      });
      expect(rendered.zhang).not.toBe(rendered.missing);
      expect(rendered.zhang).not.toBe(rendered.san);

      await page.locator('button.employee[data-userid="zhangsan"]').click();
      expect(await page.locator('#open-button').textContent()).toBe('以 张三 的身份打开小程序');
      await page.locator('#open-button').click();
      await page.locator('#employee-card[data-userid="zhangsan"]').waitFor();
      expect(await page.locator('[data-field="mobile"] dt').textContent()).toBe('手机号');
      expect(await page.locator('#mobile-source').textContent()).toContain('来自 user/get');
      expect(await page.locator('.status-pill').textContent()).toBe('在职');
      expect(await page.locator('.trace-group').first().textContent()).toContain('登录 code');
      expect(await overlaps(page, LAYOUT)).toEqual([]);
      expect(await overlaps(page, TOAST_OVER_BUTTONS)).toEqual([]);
      await page.screenshot({ path: join(resultsDir, 'simulator-zh-375.png'), fullPage: true });
      await page.setViewportSize(DESKTOP);
      expect(await overlaps(page, LAYOUT)).toEqual([]);
      await page.screenshot({ path: join(resultsDir, 'simulator-zh-1280.png') });
      expect(statSync(join(resultsDir, 'simulator-zh-375.png')).size).toBeGreaterThan(10_000);
      await page.locator('#logout-button').click();
      await page.locator('#picker-view').waitFor();
      await page.close();
      expect(chinese.errors).toEqual([]);
    } finally {
      await chinese.close();
    }
  });

  it('shows no dangling separator or empty row for a member without a position or a department', async () => {
    await sandbox.control.createUser({
      userid: 'newhire',
      name: '新同事',
      department: [8],
      position: '',
      status: 1,
    });
    const page = await browser.newPage(PHONE);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
    const meta = page.locator('button.employee[data-userid="newhire"] .employee-meta');
    expect(await meta.textContent()).toBe('财务部');
    // The gateway's answer for a member whose departments the app cannot see: none, and no position.
    await page.route('**/v1/sessions', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { employee?: Record<string, unknown> };
      if (body.employee) {
        body.employee.departments = [];
        delete body.employee.position;
      }
      await route.fulfill({ response, json: body });
    });
    await pick(page, 'newhire');
    expect(await page.locator('[data-field="departments"] dd').textContent()).toBe('None the app can see');
    expect(await page.locator('.card-position').textContent()).toBe('No position on file');
    expect(await page.locator('#employee-card').textContent()).not.toMatch(/·\s*$|^\s*·|· ·/m);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    await page.close();
    expect(browser.errors).toEqual([]);
  });

  it('lays the English page out without overlaps at 375 and 1280 px', async () => {
    const page = await browser.newPage(PHONE);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
    expect(await overlaps(page, LAYOUT)).toEqual([]);
    await pick(page, 'zhangsan');
    await page.locator('#status.is-visible').waitFor();
    expect(await overlaps(page, LAYOUT)).toEqual([]);
    expect(await overlaps(page, TOAST_OVER_BUTTONS)).toEqual([]);
    await page.screenshot({ path: join(resultsDir, 'simulator-en-375.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);
    expect(await overlaps(page, LAYOUT)).toEqual([]);
    await page.screenshot({ path: join(resultsDir, 'simulator-en-1280.png') });
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.locator('#picker-view').waitFor();
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});
