import { describe, expect, it } from 'vitest';
import { buildSandboxApp, createSandbox } from '../src/index.js';
import { DEMO_CORP, DEMO_SECRET, get, tokenOf } from './inject-client.js';

describe('rate limits', () => {
  it('trips per (corp, api) and stays tripped for the rest of the minute', async () => {
    const app = buildSandboxApp({ limits: { corpPerMinute: 3 } });
    const token = await tokenOf(app);
    app.sandboxControl.advanceClock(60 - (app.sandboxControl.clock().unixSeconds % 60));
    const call = async (path: string) => (await get(app, `${path}?access_token=${token}`)).body.errcode;
    for (let i = 0; i < 3; i += 1) expect(await call('/cgi-bin/department/list')).toBe(0);
    expect(await call('/cgi-bin/department/list')).toBe(45009);
    // Another API of the same corp has its own counter.
    expect(await call('/cgi-bin/department/simplelist')).toBe(0);
    app.sandboxControl.advanceClock(59);
    expect(await call('/cgi-bin/department/list')).toBe(45009);
    app.sandboxControl.advanceClock(1);
    expect(await call('/cgi-bin/department/list')).toBe(0);
  });

  it('trips per (ip, api) across corps, independently of other IPs', async () => {
    const app = buildSandboxApp({ limits: { ipPerHour: 2 } });
    app.sandboxControl.advanceClock(3600 - (app.sandboxControl.clock().unixSeconds % 3600));
    const path = `/cgi-bin/gettoken?corpid=${DEMO_CORP}&corpsecret=${DEMO_SECRET}`;
    expect((await get(app, path)).body.errcode).toBe(0);
    expect(
      (await get(app, '/cgi-bin/gettoken?corpid=wwother000000002&corpsecret=other-secret')).body.errcode,
    ).toBe(0);
    const blocked = await get(app, path);
    expect(blocked.body.errcode).toBe(45009);
    expect(blocked.body.errmsg).toMatch(/^api freq out of limit, hint/);
    expect((await get(app, path, '10.9.9.9')).body.errcode).toBe(0);
    app.sandboxControl.advanceClock(3600);
    expect((await get(app, path)).body.errcode).toBe(0);
  });

  it('reset clears counters', async () => {
    const app = buildSandboxApp({ limits: { ipPerMinute: 1 } });
    app.sandboxControl.advanceClock(60 - (app.sandboxControl.clock().unixSeconds % 60));
    const path = `/cgi-bin/gettoken?corpid=${DEMO_CORP}&corpsecret=${DEMO_SECRET}`;
    await get(app, path);
    expect((await get(app, path)).body.errcode).toBe(45009);
    app.sandboxControl.reset();
    expect((await get(app, path)).body.errcode).toBe(0);
  });

  it('answers 45033 when too many calls of one corp and api are in flight', async () => {
    const sandbox = await createSandbox({ limits: { concurrentPerCorpApi: 2 } });
    try {
      const tokenRes = await fetch(
        `${sandbox.url}/cgi-bin/gettoken?corpid=${DEMO_CORP}&corpsecret=${DEMO_SECRET}`,
      );
      const { access_token: token } = (await tokenRes.json()) as { access_token: string };
      sandbox.control.addFault({ path: '/cgi-bin/user/get', delayMs: 600, count: 2 });
      const call = async () =>
        (
          (await (
            await fetch(`${sandbox.url}/cgi-bin/user/get?access_token=${token}&userid=lisi`)
          ).json()) as {
            errcode: number;
          }
        ).errcode;
      const slow = [call(), call()];
      // Wait until both slow calls have been admitted (the fault counts them on arrival).
      while (sandbox.control.faults()[0]?.hits !== 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await call()).toBe(45033);
      expect(await Promise.all(slow)).toEqual([0, 0]);
      // Slots are given back once the answers are out.
      expect(await call()).toBe(0);
    } finally {
      await sandbox.close();
    }
  });

  it('gives the concurrency slot back when the client abandons a delayed call', async () => {
    const sandbox = await createSandbox({ limits: { concurrentPerCorpApi: 1 } });
    try {
      const tokenRes = await fetch(
        `${sandbox.url}/cgi-bin/gettoken?corpid=${DEMO_CORP}&corpsecret=${DEMO_SECRET}`,
      );
      const { access_token: token } = (await tokenRes.json()) as { access_token: string };
      const url = `${sandbox.url}/cgi-bin/department/list?access_token=${token}`;
      sandbox.control.addFault({ path: '/cgi-bin/department/list', delayMs: 300, count: 1 });
      await expect(fetch(url, { signal: AbortSignal.timeout(50) })).rejects.toThrowError();
      let errcode = -2;
      for (let attempt = 0; attempt < 100 && errcode !== 0; attempt += 1) {
        errcode = ((await (await fetch(url)).json()) as { errcode: number }).errcode;
        if (errcode !== 0) {
          expect(errcode).toBe(45033);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      expect(errcode).toBe(0);
    } finally {
      await sandbox.close();
    }
  });
});
