/**
 * Drives Debian's Chromium through playwright-core for the simulator tests. Without Chromium the suite is skipped
 * with a warning, except on CI (CI=true), where a missing browser is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceAvailable } from '@wecom-auth/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether the browser suite runs (see `serviceAvailable`); throws on CI when Chromium is missing. */
export function chromiumAvailable(path = CHROMIUM_PATH, ci = process.env.CI): boolean {
  const problem = existsSync(path) ? undefined : `${path} is missing (apt-get install chromium)`;
  return serviceAvailable('the simulator browser tests', problem, ci);
}

export interface Browser {
  readonly context: BrowserContext;
  /** A new tab that records every console error and uncaught exception into `errors`. */
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh profile. `locale` is the browser's language (`navigator.languages`, Accept-Language):
 * the simulator follows it.
 */
export async function launchChromium(options: { locale?: string } = {}): Promise<Browser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'wecom-sim-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    timeout: 20_000,
    ...(options.locale === undefined ? {} : { locale: options.locale }),
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async newPage(viewport) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      page.setDefaultTimeout(10_000);
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
