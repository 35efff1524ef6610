/**
 * The example mini program (`examples/miniprogram`), run the way the mini-program runtime would run it (its own
 * `require`, `App`, `Page`, `getApp`) with the SDK copied in by `npm run example:sdk`, against a real gateway and
 * the sandbox's control API.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageDir } from './support/built-sdk.js';
import { createSimulatedWx, type SimulatedWx } from './support/simulated-wx.js';

const exampleDir = join(packageDir, '..', '..', 'examples', 'miniprogram');

interface PageInstance {
  data: Record<string, unknown>;
  setData(patch: Record<string, unknown>): void;
  onLoad(): void;
  onUnload(): void;
  getMobile(): void;
  logout(): void;
  login(): void;
}

let t: GatewayUnderTest;

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs', '--bundle-only', '--copy-to-example'], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  t = await startGatewayUnderTest({ env: { LOG_LEVEL: 'info' } });
});

afterAll(async () => {
  await t?.close();
});

/** Loads the example's app and index page with a module system like the mini program's. */
function launch(wx: SimulatedWx, config: Record<string, unknown>): PageInstance {
  const modules = new Map<string, unknown>();
  let app: { globalData: Record<string, unknown>; onLaunch(): void } | undefined;
  let pageDefinition: Record<string, unknown> | undefined;
  const globals = {
    wx,
    App: (definition: typeof app) => {
      app = definition;
    },
    Page: (definition: Record<string, unknown>) => {
      pageDefinition = definition;
    },
    getApp: () => app,
  };

  function load(file: string): unknown {
    if (file === join(exampleDir, 'config.js')) return config;
    const cached = modules.get(file);
    if (cached !== undefined) return cached;
    const module = { exports: {} as unknown };
    const run = new Function(
      'require',
      'module',
      'exports',
      ...Object.keys(globals),
      readFileSync(file, 'utf8'),
    );
    const requireFrom = (specifier: string) => load(normalize(join(dirname(file), specifier)));
    run(requireFrom, module, module.exports, ...Object.values(globals));
    modules.set(file, module.exports);
    return module.exports;
  }

  load(join(exampleDir, 'app.js'));
  app?.onLaunch();
  load(join(exampleDir, 'pages', 'index', 'index.js'));
  const page = Object.create(pageDefinition ?? null) as PageInstance;
  page.data = { ...(pageDefinition?.data as Record<string, unknown>) };
  page.setData = (patch) => Object.assign(page.data, patch);
  return page;
}

async function until(
  page: PageInstance,
  predicate: (data: Record<string, unknown>) => boolean,
): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (predicate(page.data)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the page never got there: ${JSON.stringify(page.data)}`);
}

describe('the example mini program', () => {
  it('has the SDK copied in by the example:sdk script, and every file the DevTools expect', () => {
    expect(readFileSync(join(exampleDir, 'lib', 'wecom-auth.js'), 'utf8')).toContain(
      '@wecom-auth/miniprogram',
    );
    for (const file of ['project.config.json', 'app.json', 'app.wxss', 'sitemap.json', 'README.md']) {
      expect(existsSync(join(exampleDir, file)), file).toBe(true);
    }
    for (const extension of ['js', 'json', 'wxml', 'wxss']) {
      expect(existsSync(join(exampleDir, 'pages', 'index', `index.${extension}`)), extension).toBe(true);
    }
    const appJson = JSON.parse(readFileSync(join(exampleDir, 'app.json'), 'utf8')) as { pages: string[] };
    expect(appJson.pages).toEqual(['pages/index/index']);
    const project = JSON.parse(readFileSync(join(exampleDir, 'project.config.json'), 'utf8')) as {
      setting: { urlCheck: boolean };
    };
    expect(project.setting.urlCheck).toBe(false);
  });

  it('logs in through the sandbox, shows the card, discloses the mobile and logs out', async () => {
    // The plain DevTools: no wx.qy, so the example's sandbox bridge provides it.
    const wx = createSimulatedWx({ sandbox: t.sandbox, userid: 'lisi', inWecom: false });
    const page = launch(wx, { baseUrl: t.gateway.url, sandboxUrl: t.sandbox.url, sandboxUser: 'lisi' });

    page.onLoad();
    await until(page, (data) => data.state === 'ready');
    expect(page.data.employee).toMatchObject({ userId: 'lisi', name: '李四', position: '研发总监' });
    expect(page.data.departments).toEqual(expect.stringMatching(/\S/));
    // The demo app predates 2022-06-20, so user/get still gives the mobile; the button discloses it regardless.
    const fromProfile = page.data.mobile;
    page.setData({ mobile: '' });
    page.getMobile();
    await until(page, (data) => data.busy === false && data.mobile !== '');
    expect(page.data.mobile).toMatch(/^1\d{10}$/);
    expect(page.data.mobile).toBe(fromProfile);
    expect(page.data.error).toBe('');

    page.logout();
    await until(page, (data) => data.state === 'loggedOut' && data.busy === false);
    expect(wx.requests).toEqual([
      'POST /__sandbox/login',
      'POST /v1/sessions',
      'POST /__sandbox/encrypt',
      'POST /v1/me/decrypt',
      'DELETE /v1/sessions/current',
    ]);
    page.onUnload();
  });

  it('says so when the gateway cannot be reached', async () => {
    const wx = createSimulatedWx({ sandbox: t.sandbox, userid: 'zhangsan', inWecom: false });
    const page = launch(wx, {
      baseUrl: 'http://127.0.0.1:9',
      sandboxUrl: t.sandbox.url,
      sandboxUser: 'zhangsan',
    });
    page.onLoad();
    await until(page, (data) => data.state === 'failed');
    expect(page.data.error).toMatch(/无法连接登录服务.*network_error/);
  });
});
