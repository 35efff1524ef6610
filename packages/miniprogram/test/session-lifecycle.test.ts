/**
 * Exact interleavings and misuse, against an in-memory gateway: what a real gateway cannot be made to do on demand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuthStorage, LogoutEvent, WxLike } from '../src/index.js';
import { loadBuiltSdk, type Sdk } from './support/built-sdk.js';
import { answer, EMPLOYEE, fakeGateway, gatewayError, sessionBody } from './support/fake-gateway.js';

let sdk: Sdk;

beforeAll(() => {
  sdk = loadBuiltSdk();
});

const BASE_URL = 'https://gateway.test';

function memory(): AuthStorage & { value: unknown } {
  const storage = {
    value: undefined as unknown,
    get: () => storage.value,
    set: (_key: string, value: unknown) => {
      storage.value = value;
    },
    remove: () => {
      storage.value = undefined;
    },
  };
  return storage;
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<Sdk['WecomAuthError']>> {
  const reason = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(reason).toBeInstanceOf(sdk.WecomAuthError);
  return reason as InstanceType<Sdk['WecomAuthError']>;
}

describe('createAuth options', () => {
  const request = () => Promise.resolve(answer(200, {}));

  it.each([
    [undefined, 'createAuth: options must be an object'],
    [{ baseUrl: 'gateway.test' }, 'createAuth: options.baseUrl must be an http:// or https:// URL'],
    [{ baseUrl: 'ftp://gateway.test' }, 'createAuth: options.baseUrl must be an http:// or https:// URL'],
    [{ baseUrl: BASE_URL, request: 'wx.request' }, 'createAuth: options.request must be a function'],
    [
      { baseUrl: BASE_URL, request, storageKey: '' },
      'createAuth: options.storageKey must be a non-empty string',
    ],
    [{ baseUrl: BASE_URL, request, timeoutMs: 0 }, 'createAuth: options.timeoutMs must be a positive number'],
    [
      { baseUrl: BASE_URL, request, timeoutMs: Number.NaN },
      'createAuth: options.timeoutMs must be a positive number',
    ],
    [
      { baseUrl: BASE_URL, request, storage: { get: () => null } },
      'createAuth: options.storage must have get, set and remove functions',
    ],
    [{ baseUrl: BASE_URL }, 'createAuth: no wx.request in this runtime; pass options.request'],
  ])('rejects %j with a TypeError', (options, message) => {
    expect(() => sdk.createAuth(options as never)).toThrow(new TypeError(message));
  });

  it('rejects bad listeners and request options with a TypeError', async () => {
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request });
    expect(() => auth.on('change' as 'session', () => undefined)).toThrow(
      new TypeError('on: event must be "session" or "logout"'),
    );
    expect(() => auth.off('logout', 'listener' as never)).toThrow(
      new TypeError('off: listener must be a function'),
    );
    await expect(auth.request({ url: '' })).rejects.toThrow(
      new TypeError('request: options.url must be a non-empty string'),
    );
  });

  it('uses the global wx for requests, storage and login when none is passed', async () => {
    const stored = new Map<string, unknown>();
    const lines: string[] = [];
    const globalWx: WxLike = {
      qy: { login: (callbacks) => callbacks.success?.({ code: 'global-code' }) },
      request(options) {
        lines.push(`${options.method} ${options.url} ${JSON.stringify(options.data)}`);
        options.success?.({ statusCode: 201, data: JSON.stringify(sessionBody('global')) });
      },
      getStorageSync: (key) => stored.get(key) ?? '',
      setStorageSync: (key, value) => stored.set(key, value),
      removeStorageSync: (key) => stored.delete(key),
    };
    const scope = globalThis as { wx?: WxLike };
    scope.wx = globalWx;
    try {
      const auth = sdk.createAuth({ baseUrl: BASE_URL, storageKey: 'session' });
      await expect(auth.login()).resolves.toMatchObject({ session: { accessToken: 'access-global' } });
      expect(lines).toEqual([`POST ${BASE_URL}/v1/sessions {"code":"global-code"}`]);
      expect(stored.get('session')).toMatchObject({ refreshToken: 'refresh-global' });
    } finally {
      delete scope.wx;
    }
  });
});

describe('sessions', () => {
  it('refreshes once for many callers when the token is about to expire, and replays none', async () => {
    let now = 1_000_000;
    const gateway = fakeGateway((request) => {
      if (request.url.endsWith('/v1/sessions')) return answer(201, sessionBody('1'));
      if (request.url.endsWith('/v1/sessions/refresh')) return answer(200, sessionBody('2'));
      return answer(200, { for: request.header.Authorization });
    });
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      request: gateway.request,
      wx: gateway.wx,
      now: () => now,
    });
    await auth.login();
    now += 875_000; // 25 s left of 900
    const responses = await Promise.all([1, 2, 3].map(() => auth.request({ url: '/api/orders' })));
    expect(responses.map((response) => response.data)).toEqual([
      { for: 'Bearer access-2' },
      { for: 'Bearer access-2' },
      { for: 'Bearer access-2' },
    ]);
    expect(gateway.lines()).toEqual([
      'POST /v1/sessions',
      'POST /v1/sessions/refresh',
      'GET /api/orders',
      'GET /api/orders',
      'GET /api/orders',
    ]);
    expect(gateway.requests[1]?.data).toEqual({ refreshToken: 'refresh-1' });
  });

  it('replays at most once: a second 401 reaches the caller', async () => {
    const gateway = fakeGateway((request) => {
      if (request.url.endsWith('/v1/sessions')) return answer(201, sessionBody(String(gateway.codes())));
      return gatewayError(401, 'token_invalid');
    });
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx });
    const response = await auth.request({
      url: 'https://api.test/orders',
      header: { Authorization: 'Basic x' },
    });
    expect(response.statusCode).toBe(401);
    expect(gateway.lines()).toEqual(['POST /v1/sessions', 'GET /orders', 'POST /v1/sessions', 'GET /orders']);
    // The app's own Authorization header never wins over the session's.
    expect(gateway.requests[1]?.header.Authorization).toBe('Bearer access-1');
    expect(gateway.requests[3]?.header.Authorization).toBe('Bearer access-2');
  });

  it('hands other answers, a 401 without a gateway code included, back untouched', async () => {
    const gateway = fakeGateway((request) =>
      request.url.endsWith('/v1/sessions') ? answer(201, sessionBody('1')) : answer(401, 'Unauthorized'),
    );
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx });
    await expect(auth.request({ url: '/api/x', method: 'DELETE' })).resolves.toMatchObject({
      statusCode: 401,
      data: 'Unauthorized',
    });
    expect(gateway.lines()).toEqual(['POST /v1/sessions', 'DELETE /api/x']);
    await expect(auth.getEmployee()).rejects.toMatchObject({ code: 'http_error', statusCode: 401 });
  });

  it('announces the end of the session when the refresh is refused and the new login fails', async () => {
    let now = 1_000_000;
    let loginAllowed = true;
    const gateway = fakeGateway((request) => {
      if (request.url.endsWith('/v1/sessions')) {
        return loginAllowed ? answer(201, sessionBody('1')) : gatewayError(403, 'employee_inactive');
      }
      if (request.url.endsWith('/v1/sessions/refresh')) return gatewayError(401, 'refresh_token_expired');
      return answer(200, EMPLOYEE);
    });
    const storage = memory();
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      request: gateway.request,
      wx: gateway.wx,
      storage,
      now: () => now,
    });
    const logouts: LogoutEvent[] = [];
    auth.on('logout', (event) => logouts.push(event));
    await auth.login();
    loginAllowed = false;
    now += 890_000;
    const error = await failure(auth.getEmployee());
    expect(error).toMatchObject({ code: 'employee_inactive', statusCode: 403, requestId: 'req-1' });
    expect(logouts).toEqual([{ reason: 'session_ended' }]);
    expect(auth.getSession()).toBeNull();
    expect(storage.value).toBeUndefined();
  });

  it('keeps a login that logout() overtook from bringing the session back', async () => {
    let release: (() => void) | undefined;
    const gateway = fakeGateway(
      () =>
        new Promise((resolve) => {
          release = () => resolve(answer(201, sessionBody('late')));
        }),
    );
    const storage = memory();
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx, storage });
    const sessions: unknown[] = [];
    auth.on('session', (session) => sessions.push(session));
    const login = auth.login();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await auth.logout();
    release?.();
    expect((await failure(login)).code).toBe('logged_out');
    expect(auth.getSession()).toBeNull();
    expect(storage.value).toBeUndefined();
    expect(sessions).toEqual([]);
  });

  it('does not log in again after logout() when the refresh in flight is then refused', async () => {
    let now = 1_000_000;
    let refuse: (() => void) | undefined;
    const gateway = fakeGateway((request) => {
      if (request.url.endsWith('/v1/sessions')) return answer(201, sessionBody(String(gateway.codes())));
      if (request.url.endsWith('/v1/sessions/refresh')) {
        return new Promise((resolve) => {
          refuse = () => resolve(gatewayError(401, 'session_revoked'));
        });
      }
      return answer(204, '');
    });
    const auth = sdk.createAuth({
      baseUrl: BASE_URL,
      request: gateway.request,
      wx: gateway.wx,
      now: () => now,
    });
    await auth.login();
    now += 899_000;
    const pending = auth.getEmployee();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await auth.logout();
    refuse?.();
    expect((await failure(pending)).code).toBe('session_revoked');
    expect(auth.getSession()).toBeNull();
    expect(gateway.codes()).toBe(1);
    expect(gateway.lines()).toEqual([
      'POST /v1/sessions',
      'POST /v1/sessions/refresh',
      'DELETE /v1/sessions/current',
    ]);
  });

  it('drops a restored session whose refresh token has expired, and logs in instead', async () => {
    const storage = memory();
    storage.value = {
      version: 1,
      accessToken: 'access-old',
      refreshToken: 'refresh-old',
      accessExpiresAt: 500,
      refreshExpiresAt: 1_000,
      employee: EMPLOYEE,
    };
    const gateway = fakeGateway((request) =>
      request.url.endsWith('/v1/sessions') ? answer(201, sessionBody('new')) : answer(200, EMPLOYEE),
    );
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx, storage });
    expect(auth.getSession()).toBeNull();
    await auth.getEmployee();
    expect(gateway.lines()).toEqual(['POST /v1/sessions', 'GET /v1/me']);
  });

  it('rejects a success answer that is not a session with invalid_response', async () => {
    const gateway = fakeGateway(() => answer(201, { accessToken: 'a', refreshToken: 'r', expiresIn: 900 }));
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx });
    expect(await failure(auth.login())).toMatchObject({ code: 'invalid_response', statusCode: 201 });
    expect(auth.getSession()).toBeNull();
  });
});

describe('wx.qy failures', () => {
  const gatewayAnswers = () =>
    fakeGateway((request) =>
      request.url.endsWith('/v1/sessions') ? answer(201, sessionBody('1')) : answer(200, { ok: true }),
    );

  it('reports a failed wx.qy.login as login_failed', async () => {
    const gateway = gatewayAnswers();
    const wx: WxLike = {
      qy: { login: (callbacks) => callbacks.fail?.({ errMsg: 'qy.login:fail timeout' }) },
    };
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx });
    const error = await failure(auth.login());
    expect(error).toMatchObject({
      code: 'login_failed',
      message: 'wx.qy.login failed: qy.login:fail timeout',
    });
    expect(gateway.requests).toEqual([]);
  });

  it('tells a declined prompt (user_cancelled) from a broken or missing API (wx_api_failed)', async () => {
    const gateway = gatewayAnswers();
    const wx: WxLike = {
      qy: {
        login: (callbacks) => callbacks.success?.({ code: 'c' }),
        getMobile: (callbacks) => callbacks.fail?.({ errMsg: 'qy__getMobile:fail auth deny' }),
        getEnterpriseUserInfo: (callbacks) =>
          callbacks.fail?.({ errMsg: 'qy__getEnterpriseUserInfo:fail system error' }),
      },
    };
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx });
    expect((await failure(auth.decrypt('mobile'))).code).toBe('user_cancelled');
    expect(await failure(auth.decrypt('userinfo'))).toMatchObject({
      code: 'wx_api_failed',
      message: 'wx.qy.getEnterpriseUserInfo failed: qy__getEnterpriseUserInfo:fail system error',
    });
    expect(await failure(auth.decrypt('email'))).toMatchObject({
      code: 'wx_api_failed',
      message: 'wx.qy.getEmail is not available in this WeCom version.',
    });
    expect(gateway.lines()).toEqual(['POST /v1/sessions']);
  });

  it('keeps tokens out of error messages', async () => {
    const gateway = fakeGateway((request) =>
      request.url.endsWith('/v1/sessions') ? answer(201, sessionBody('secret')) : new Error('socket hang up'),
    );
    const auth = sdk.createAuth({ baseUrl: BASE_URL, request: gateway.request, wx: gateway.wx });
    await auth.login();
    const error = await failure(auth.getEmployee());
    expect(error.code).toBe('network_error');
    expect(error.message).toBe(`Could not reach the gateway at ${BASE_URL}: socket hang up`);
    expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/access-secret|refresh-secret/);
  });
});
