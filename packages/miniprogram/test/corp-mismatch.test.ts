/**
 * A mini program associated with several corps: the SDK follows one `409 corp_mismatch` with a new `wx.qy.login`,
 * remembers the corp on the device and sends it up front next time; nothing the gateway answers makes it loop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthStorage, TransportRequest } from '../src/index.js';
import { loadBuiltSdk, type Sdk } from './support/built-sdk.js';
import { answer, fakeGateway, gatewayError, sessionBody } from './support/fake-gateway.js';

let sdk: Sdk;

beforeAll(() => {
  sdk = loadBuiltSdk();
});

const BASE_URL = 'https://gateway.test';
const SUBSIDIARY = 'wwsub00000000003';

function keyedMemory(): AuthStorage & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    get: (key) => values.get(key),
    set: (key, value) => {
      values.set(key, value);
    },
    remove: (key) => {
      values.delete(key);
    },
  };
}

function mismatch(corpId: unknown) {
  return answer(409, { error: 'corp_mismatch', message: 'another corp', requestId: 'req-1', corpId });
}

function bodyOf(request: TransportRequest | undefined): Record<string, unknown> {
  return (request?.data ?? {}) as Record<string, unknown>;
}

describe('logins across the corps of a group', () => {
  it('follows one corp_mismatch with a new code for that corp, then sends the corp up front', async () => {
    const gateway = fakeGateway((request) =>
      bodyOf(request).corpId === SUBSIDIARY ? answer(201, sessionBody('sub')) : mismatch(SUBSIDIARY),
    );
    const storage = keyedMemory();
    const auth = sdk.createAuth({ baseUrl: BASE_URL, wx: gateway.wx, request: gateway.request, storage });

    await auth.login();
    expect(gateway.requests.map(bodyOf)).toEqual([
      { code: 'code-1' },
      { code: 'code-2', corpId: SUBSIDIARY },
    ]);
    expect(storage.values.get('wecom-auth:session:corp')).toBe(SUBSIDIARY);

    // The next login on this device, even after a restart, goes straight to the subsidiary with one code.
    await auth.logout();
    const restarted = sdk.createAuth({
      baseUrl: BASE_URL,
      wx: gateway.wx,
      request: gateway.request,
      storage,
    });
    gateway.requests.length = 0;
    await restarted.login();
    expect(gateway.requests.filter((r) => r.url.endsWith('/v1/sessions')).map(bodyOf)).toEqual([
      { code: 'code-3', corpId: SUBSIDIARY },
    ]);
  });

  it('follows at most one mismatch per login: a second one is the error', async () => {
    let corp = 0;
    const gateway = fakeGateway(() => {
      corp += 1;
      return mismatch(`wwloop00000000${String(corp).padStart(2, '0')}`);
    });
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      wx: gateway.wx,
      request: gateway.request,
      storage: keyedMemory(),
    });
    const error = await auth.login().then(
      () => undefined,
      (reason: unknown) => reason as InstanceType<Sdk['WecomAuthError']>,
    );
    expect(error?.code).toBe('corp_mismatch');
    expect(gateway.codes()).toBe(2);
  });

  it('ignores a corp_mismatch that names no valid corp', async () => {
    for (const corpId of [undefined, '', 'not a corp', 42, 'ww<script>']) {
      const gateway = fakeGateway(() => mismatch(corpId));
      const storage = keyedMemory();
      const auth = sdk.createAuth({ baseUrl: BASE_URL, wx: gateway.wx, request: gateway.request, storage });
      await expect(auth.login()).rejects.toMatchObject({ code: 'corp_mismatch' });
      expect(gateway.codes()).toBe(1);
      expect(storage.values.has('wecom-auth:session:corp')).toBe(false);
    }
  });

  it('forgets a remembered corp the gateway no longer serves and logs in without it', async () => {
    const gateway = fakeGateway((request) =>
      bodyOf(request).corpId === undefined
        ? answer(201, sessionBody('default'))
        : gatewayError(400, 'corp_unknown'),
    );
    const storage = keyedMemory();
    storage.values.set('wecom-auth:session:corp', 'wwgone000000009');
    const auth = sdk.createAuth({ baseUrl: BASE_URL, wx: gateway.wx, request: gateway.request, storage });
    await auth.login();
    expect(gateway.requests.map(bodyOf)).toEqual([
      { code: 'code-1', corpId: 'wwgone000000009' },
      { code: 'code-2' },
    ]);
    expect(storage.values.has('wecom-auth:session:corp')).toBe(false);
  });

  it('takes options.corpId as the first guess and validates it', async () => {
    const gateway = fakeGateway(() => answer(201, sessionBody('sub')));
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      wx: gateway.wx,
      request: gateway.request,
      storage: keyedMemory(),
      corpId: SUBSIDIARY,
    });
    await auth.login();
    expect(bodyOf(gateway.requests[0])).toEqual({ code: 'code-1', corpId: SUBSIDIARY });
    expect(() => sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, corpId: '' })).toThrow(
      'createAuth: options.corpId must be a non-empty string',
    );
  });

  it('asks wx.qy.login for the code of the third-party app named by options.suiteId', async () => {
    const gateway = fakeGateway(() => answer(201, sessionBody('suite')));
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      wx: gateway.wx,
      request: gateway.request,
      storage: keyedMemory(),
      suiteId: 'wwsuitedemo00001',
    });
    await auth.login();
    expect(gateway.loginSuites).toEqual(['wwsuitedemo00001']);
    const plain = fakeGateway(() => answer(201, sessionBody('plain')));
    await sdk
      .createAuth({ baseUrl: BASE_URL, wx: plain.wx, request: plain.request, storage: keyedMemory() })
      .login();
    expect(plain.loginSuites).toEqual([undefined]);
    expect(() => sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, suiteId: '' })).toThrow(
      'createAuth: options.suiteId must be a non-empty string',
    );
  });
});
