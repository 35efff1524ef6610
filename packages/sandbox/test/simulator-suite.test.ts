/** The simulator's suite panel in Chromium: the ticket, install / uninstall per company, a suite login. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  demoSuite,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_CORP_ID,
} from '../src/index.js';
import { type Browser, chromiumAvailable, launchChromium } from './simulator-browser.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(packageDir, 'test-results');

describe.runIf(chromiumAvailable())('simulator suite panel in Chromium', () => {
  let sandbox: Sandbox;
  let gateway: RunningGateway;
  let browser: Browser;
  let workDir: string;
  let pageUrl: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'wecom-sim-suite-'));
    // A copy of the page of its own, so that the other simulator tests can build theirs at the same time.
    const assetsDir = join(workDir, 'web');
    execFileSync(process.execPath, [join(packageDir, 'scripts', 'build-web.mjs'), '--out', assetsDir], {
      stdio: 'pipe',
    });
    sandbox = await createSandbox({ port: 0, suites: [demoSuite], simulator: { assetsDir } });
    const config = loadConfig({
      env: {
        // A gateway of the self-built app: a suite code is not its mini program's (48002 from WeCom).
        WECOM_CORP_ID: DEMO_CORP_ID,
        WECOM_SECRET: DEMO_APP.secret,
        WECOM_MINIPROGRAM_APPID: DEMO_MINI_PROGRAM_APP_ID,
        WECOM_API_BASE: sandbox.url,
        WECOM_AUTH_DB: join(workDir, 'gateway.db'),
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
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const installRow = (page: Page, corpId: string) =>
    page.locator(`.suite[data-suite="${demoSuite.suiteId}"] .suite-install[data-corpid="${corpId}"]`);

  it('shows the suite, installs and uninstalls per company, refreshes the ticket', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await page.goto(pageUrl);
    const suite = page.locator(`.suite[data-suite="${demoSuite.suiteId}"]`);
    await suite.waitFor();
    expect(await suite.locator('.suite-head').textContent()).toContain(demoSuite.name);
    await expect.poll(() => suite.locator('.suite-install').count()).toBe(3);
    expect(await installRow(page, DEMO_CORP_ID).getAttribute('data-installed')).toBe('true');
    expect(await installRow(page, SUBSIDIARY_CORP_ID).getAttribute('data-installed')).toBe('true');
    expect(await installRow(page, OTHER_CORP_ID).getAttribute('data-installed')).toBe('false');
    expect(await suite.locator('.suite-ticket').getAttribute('data-ticket')).toBe('none');

    await installRow(page, OTHER_CORP_ID).getByRole('button', { name: 'Install' }).click();
    await expect.poll(() => installRow(page, OTHER_CORP_ID).getAttribute('data-installed')).toBe('true');
    expect(sandbox.control.suites.list()[0]?.installCount).toEqual({ active: 3, cancelled: 0 });
    await expect
      .poll(() => page.locator('#status').textContent())
      .toContain('create_auth not sent (no callback URL)');

    await installRow(page, OTHER_CORP_ID).getByRole('button', { name: 'Uninstall' }).click();
    await expect.poll(() => installRow(page, OTHER_CORP_ID).getAttribute('data-installed')).toBe('false');
    expect(sandbox.control.suites.list()[0]?.installCount).toEqual({ active: 2, cancelled: 1 });

    await suite.getByRole('button', { name: 'Refresh ticket' }).click();
    await expect.poll(() => suite.locator('.suite-ticket').getAttribute('data-ticket')).toBe('live');
    expect(await suite.locator('.suite-ticket').textContent()).toMatch(
      /^ticket \d+ s old, valid (30 min|29 min \d+ s) more/,
    );
    await page.screenshot({ path: join(resultsDir, 'simulator-suite-panel.png') });
    await page.close();
    expect(browser.errors).toEqual([]);
  });

  it("logs in through the suite's mini program, at a gateway running as the suite", async () => {
    // A sandbox whose suite is installed nowhere yet, and a gateway running as that suite: the provider sets the
    // instruction callback (a ticket is pushed) and the demo company installs the app (create_auth), as on WeCom.
    const suiteSandbox = await createSandbox({
      port: 0,
      suites: [{ ...demoSuite, installs: [] }],
      simulator: { assetsDir: join(workDir, 'web') },
    });
    const config = loadConfig({
      env: {
        WECOM_SUITE_ID: demoSuite.suiteId,
        WECOM_SUITE_SECRET: demoSuite.suiteSecret,
        WECOM_SUITE_TOKEN: demoSuite.token,
        WECOM_SUITE_AES_KEY: demoSuite.encodingAESKey,
        WECOM_MINIPROGRAM_APPID: demoSuite.miniProgramAppId,
        WECOM_API_BASE: suiteSandbox.url,
        WECOM_AUTH_DB: join(workDir, 'suite-gateway.db'),
        CORS_ORIGINS: suiteSandbox.url,
        PORT: '0',
        LOG_LEVEL: 'error',
      },
    });
    const suiteGateway = await startGateway({
      config,
      logger: createLogger({ level: config.logLevel, destination: { write: () => undefined } }),
    });
    try {
      await suiteSandbox.control.suites.setCallback(demoSuite.suiteId, {
        url: `${suiteGateway.url}/v1/suite/callback`,
      });
      await suiteSandbox.control.suites.install(demoSuite.suiteId, { corpid: DEMO_CORP_ID });
      const page = await browser.newPage({ width: 1280, height: 900 });
      await page.goto(`${suiteSandbox.url}/?gateway=${encodeURIComponent(suiteGateway.url)}`);
      await expect.poll(() => page.locator('button.employee').count()).toBeGreaterThan(10);
      await expect.poll(() => installRow(page, DEMO_CORP_ID).getAttribute('data-installed')).toBe('true');
      await page.locator('button.employee[data-userid="zhangsan"]').click();
      await page.getByRole('button', { name: `Open ${demoSuite.name} as the picked employee` }).click();
      const group = page.locator('.trace-group').first();
      expect(await group.locator('.trace-step').first().getAttribute('data-api')).toBe('qy.login');
      // The suite's own jscode2session answered the code, and the gateway issued a session.
      await expect
        .poll(() =>
          group
            .locator('.trace-call')
            .evaluateAll((nodes) =>
              nodes
                .filter((node) => (node.getAttribute('data-api') ?? '').includes('jscode2session'))
                .map((node) => `${node.getAttribute('data-api')} ${node.getAttribute('data-errcode')}`),
            ),
        )
        .toContain('service/miniprogram/jscode2session 0');
      // A third-party app gets no name from user/get: the card shows the userid.
      await expect.poll(() => page.locator('#card-name').textContent()).toBe('zhangsan');
      expect(await group.textContent()).toContain(demoSuite.name);
      await page.screenshot({ path: join(resultsDir, 'simulator-suite-login.png') });
      await page.close();
      expect(browser.errors).toEqual([]);
    } finally {
      await suiteGateway.close();
      await suiteSandbox.close();
    }
  });
});
