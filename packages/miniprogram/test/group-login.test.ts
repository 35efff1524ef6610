/**
 * The built SDK in a mini program associated with several corps, against a real gateway serving the sandbox's group
 * over HTTP: a subsidiary's employee pays the double round trip of WeCom's multi-corp rule once per device.
 */
import { createSandbox, DEMO_CORP_ID, OTHER_CORP_ID, SUBSIDIARY_CORP_ID } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, groupGatewayEnv, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadBuiltSdk, type Sdk } from './support/built-sdk.js';
import { createSimulatedWx } from './support/simulated-wx.js';

const CODE_EXCHANGE = '/cgi-bin/miniprogram/jscode2session';

let sdk: Sdk;
let t: GatewayUnderTest;

beforeAll(async () => {
  sdk = loadBuiltSdk();
  const sandbox = await createSandbox({ port: 0 });
  t = await startGatewayUnderTest({
    sharedSandbox: sandbox,
    env: { ...groupGatewayEnv(sandbox.url), LOG_LEVEL: 'info' },
  });
});

afterAll(async () => {
  await t?.close();
  await t?.sandbox.close();
});

beforeEach(() => {
  t.sandbox.control.resetCalls();
});

const codeExchanges = () => t.sandbox.control.calls().byPath[CODE_EXCHANGE] ?? 0;

describe('the SDK in a mini program of a group of corps', () => {
  it("logs a subsidiary's employee in after one corp_mismatch, then goes straight to that corp", async () => {
    const wx = createSimulatedWx({ sandbox: t.sandbox, userid: 'zhangsan', corpid: SUBSIDIARY_CORP_ID });
    const auth = sdk.createAuth({ baseUrl: t.gateway.url, wx });

    const { employee } = await auth.login();
    expect(employee).toMatchObject({ corpId: SUBSIDIARY_CORP_ID, userId: 'zhangsan', name: '张珊' });
    expect(wx.counts.login).toBe(2);
    expect(wx.requests).toEqual(['POST /v1/sessions', 'POST /v1/sessions']);
    expect(codeExchanges()).toBe(2);
    expect(JSON.parse(wx.storage.get('wecom-auth:session:corp') ?? 'null')).toBe(SUBSIDIARY_CORP_ID);

    // The next login on this device (a restart after logout): one code, one exchange, with the corp up front.
    await auth.logout();
    t.sandbox.control.resetCalls();
    wx.requests.length = 0;
    const again = await sdk.createAuth({ baseUrl: t.gateway.url, wx }).login();
    expect(again.employee).toMatchObject({ corpId: SUBSIDIARY_CORP_ID, name: '张珊' });
    expect(wx.counts.login).toBe(3);
    expect(wx.requests).toEqual(['POST /v1/sessions']);
    expect(codeExchanges()).toBe(1);
  });

  it("logs the parent's zhangsan in with one exchange, as another person than the subsidiary's", async () => {
    const wx = createSimulatedWx({ sandbox: t.sandbox, userid: 'zhangsan' });
    const { employee } = await sdk.createAuth({ baseUrl: t.gateway.url, wx }).login();
    expect(employee).toMatchObject({ corpId: DEMO_CORP_ID, userId: 'zhangsan', name: '张三' });
    expect(wx.counts.login).toBe(1);
    expect(codeExchanges()).toBe(1);
    expect(wx.storage.has('wecom-auth:session:corp')).toBe(false);
  });

  it('refuses a user of a corp the gateway does not serve, with one exchange and no loop', async () => {
    const wx = createSimulatedWx({ sandbox: t.sandbox, userid: 'zhoujie', corpid: OTHER_CORP_ID });
    const error = await sdk
      .createAuth({ baseUrl: t.gateway.url, wx })
      .login()
      .then(
        () => undefined,
        (reason: unknown) => reason as InstanceType<Sdk['WecomAuthError']>,
      );
    expect(error?.code).toBe('not_a_member');
    expect(wx.counts.login).toBe(1);
    expect(codeExchanges()).toBe(1);
  });
});
