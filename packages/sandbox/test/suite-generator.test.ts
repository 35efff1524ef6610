/** The provider directory generator: ten thousand corps, pre-installed without callbacks, over real HTTP. */
import { describe, expect, it } from 'vitest';
import { buildSandboxApp, createSandbox, demoSuite, generateProviderDirectory } from '../src/index.js';
import { SUITE_ID, SuiteClient } from './suite-http.js';

function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe('generateProviderDirectory', () => {
  it('10 000 corps: a sandbox starts on it, the installs page out with permanent codes, logins work', async () => {
    // A first sandbox loads and compiles the code, so that what follows measures the directory alone.
    await (await createSandbox({ port: 0 })).close();
    globalThis.gc?.();
    const heapBefore = heapMb();
    const started = performance.now();
    const provider = generateProviderDirectory({
      corps: 10_000,
      usersPerCorp: 3,
      seed: 'bench',
      installed: 9_000,
    });
    const generatedMs = performance.now() - started;
    const sandbox = await createSandbox({ port: 0, ...provider.options });
    const readyMs = performance.now() - started;
    globalThis.gc?.();
    const heapAfter = heapMb();
    // Measured, not asserted: the machine is shared.
    console.info(
      `provider directory: 10 000 corps × 3 members, 9 000 installs: generated in ${generatedMs.toFixed(0)} ms, ` +
        `sandbox listening after ${readyMs.toFixed(0)} ms; heap +${(heapAfter - heapBefore).toFixed(1)} MB` +
        `${globalThis.gc === undefined ? ' (without --expose-gc: garbage included)' : ''}`,
    );
    try {
      const client = new SuiteClient(sandbox);
      expect(provider.corpIds).toHaveLength(10_000);
      expect(new Set(provider.corpIds).size).toBe(10_000);
      expect(provider.installedCorpIds).toEqual(provider.corpIds.slice(0, 9_000));
      for (const corpId of provider.corpIds.slice(0, 3)) expect(corpId).toMatch(/^ww[0-9a-f]{16}$/);

      // No callback was pushed for the pre-installs.
      expect(sandbox.control.callbacks()).toEqual([]);
      const [summary] = sandbox.control.suites.list();
      expect(summary).toMatchObject({ suiteId: SUITE_ID, installCount: { active: 9_000, cancelled: 0 } });
      expect(summary?.installs).toHaveLength(100);

      // Paging through every install with its permanent code.
      const codes = new Map<string, string>();
      let cursor = '';
      let pages = 0;
      do {
        const page = await client.control<{
          installs: { corpid: string; permanent_code: string }[];
          nextCursor: string;
        }>('GET', `/suites/${SUITE_ID}/installs?limit=2500&cursor=${cursor}`);
        expect(page.status).toBe(200);
        for (const install of page.body.installs) codes.set(install.corpid, install.permanent_code);
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor !== '');
      expect(pages).toBe(4);
      expect(codes.size).toBe(9_000);

      // A corp far down the list: corp token from its permanent code, then user/get of its member.
      const suiteToken = await client.suiteToken();
      const corpId = provider.corpIds[8_999] ?? '';
      const corpToken = await client.corpToken(suiteToken, corpId, codes.get(corpId) ?? '');
      expect(corpToken).toEqual({ access_token: expect.any(String), expires_in: 7200 });
      const member = await client.wecom(
        `/cgi-bin/user/get?access_token=${String(corpToken.access_token)}&userid=${provider.userIds[2] ?? ''}`,
      );
      expect(member).toMatchObject({ errcode: 0, userid: 'user0003', department: [1], status: 1 });
      const session = await client.jscode2session(suiteToken, await client.login('user0001', corpId));
      expect(session).toMatchObject({ corpid: corpId, userid: 'user0001' });
      // The last thousand have not installed it: encrypted userids, and no permanent code.
      const outsider = provider.corpIds[9_999] ?? '';
      expect(await client.jscode2session(suiteToken, await client.login('user0001', outsider))).toMatchObject(
        {
          corpid: outsider,
          userid: expect.stringMatching(/^wo/),
        },
      );
      expect(await client.corpToken(suiteToken, outsider, codes.get(corpId) ?? '')).toMatchObject({
        errcode: 40084,
      });
      // An install of an outsider pushes create_auth as usual.
      const installed = await sandbox.control.suites.install(SUITE_ID, { corpid: outsider });
      expect(installed).toMatchObject({ corpid: outsider, delivery: null });
    } finally {
      await sandbox.close();
    }
  });

  it('is deterministic per seed, and each sandbox edits its own copy', async () => {
    const a = generateProviderDirectory({ corps: 50, seed: 3 });
    const b = generateProviderDirectory({ corps: 50, seed: 3 });
    const c = generateProviderDirectory({ corps: 50, seed: 4 });
    expect(a.corpIds).toEqual(b.corpIds);
    expect(a.corpIds[0]).not.toBe(c.corpIds[0]);
    expect(a.options.fixture.corps[7]?.users.map((user) => user.name)).toEqual(
      b.options.fixture.corps[7]?.users.map((user) => user.name),
    );
    expect(a.suite).toMatchObject({ suiteId: demoSuite.suiteId, installs: a.corpIds });

    const first = buildSandboxApp({ ...a.options });
    const second = buildSandboxApp({ ...a.options });
    const corpid = a.corpIds[0] ?? '';
    await first.sandboxControl.updateUser('user0001', { corpid, name: '改名' });
    expect(first.sandboxControl.directory().corps[0]?.users[0]?.name).toBe('改名');
    expect(second.sandboxControl.directory().corps[0]?.users[0]?.name).not.toBe('改名');
    expect(a.options.fixture.corps[0]?.users[0]?.name).not.toBe('改名');
    // Shared parts are frozen: nothing can change every corp at once.
    expect(Object.isFrozen(a.options.fixture.corps[0]?.users[0]?.department)).toBe(true);
    // A sandbox's own edits never reach shared values of its copy either.
    await first.sandboxControl.updateUser('user0002', { corpid, department: [1] });
    expect(first.sandboxControl.directory().corps[1]?.users[1]?.department).toEqual([1]);
  });

  it('installs some, none, or by predicate; overrides the suite; refuses bad options', () => {
    expect(generateProviderDirectory({ corps: 10, installed: 'none' }).installedCorpIds).toEqual([]);
    const odd = generateProviderDirectory({ corps: 10, installed: (index) => index % 2 === 1 });
    expect(odd.installedCorpIds).toEqual(odd.corpIds.filter((_, index) => index % 2 === 1));
    const custom = generateProviderDirectory({
      corps: 2,
      suite: { suiteId: 'wwmysuite0000001', suiteSecret: 's' },
    });
    expect(custom.options.suites[0]).toMatchObject({ suiteId: 'wwmysuite0000001', suiteSecret: 's' });
    const app = buildSandboxApp({ ...custom.options });
    expect(app.sandboxControl.suites.list()[0]?.installCount).toEqual({ active: 2, cancelled: 0 });
    for (const bad of [{ corps: 0 }, { corps: 1.5 }, { corps: 2_000_000 }, { corps: 5, usersPerCorp: 0 }]) {
      expect(() => generateProviderDirectory(bad)).toThrow(TypeError);
    }
    expect(() => generateProviderDirectory({ corps: 3, installed: -1 })).toThrow(TypeError);
  });
});
