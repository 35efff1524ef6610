/**
 * Whatever comes back over the wire (random JSON, text, statuses, a transport that throws or answers nonsense), the
 * SDK settles with a value or a WecomAuthError: never a TypeError, never an unhandled rejection.
 */
import { gatewayErrorCatalog } from '@wecom-auth/gateway';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthStorage, TransportRequest, TransportResponse, WecomAuth } from '../src/index.js';
import { loadBuiltSdk, type Sdk } from './support/built-sdk.js';
import { EMPLOYEE } from './support/fake-gateway.js';

let sdk: Sdk;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(() => {
  sdk = loadBuiltSdk();
  process.on('unhandledRejection', onUnhandled);
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const ERROR_CODES = [
  'code_invalid',
  'token_expired',
  'token_invalid',
  'session_revoked',
  'refresh_token_invalid',
  'refresh_token_expired',
  'unauthorized',
  'rate_limited',
  'wecom_unavailable',
];

/** One thing the transport can do when called. */
type Behaviour =
  | { kind: 'answer'; statusCode: unknown; data: unknown }
  | { kind: 'reject'; reason: unknown }
  | { kind: 'throw'; reason: unknown }
  | { kind: 'nonsense'; value: unknown };

const statusArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(200, 201) },
  fc.constantFrom(204, 400, 401, 403, 429, 500, 502, 503),
  fc.integer({ min: 100, max: 599 }),
  fc.anything(),
);

const employeeArbitrary = fc.oneof(
  fc.constant(EMPLOYEE),
  fc.record({
    userId: fc.anything(),
    corpId: fc.anything(),
    name: fc.anything(),
    departments: fc.anything(),
  }),
  fc.anything(),
);

const bodyArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything(),
  fc.json(),
  fc.string(),
  employeeArbitrary,
  fc.record({
    error: fc.oneof(fc.constantFrom(...ERROR_CODES), fc.string()),
    message: fc.oneof(fc.string(), fc.anything()),
    requestId: fc.anything(),
    wecom: fc.anything(),
  }),
  {
    weight: 3,
    // Mostly well-formed sessions, so that one wrong field is what the SDK has to catch.
    arbitrary: fc.record({
      accessToken: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.anything()),
      refreshToken: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1 }) }, fc.anything()),
      expiresIn: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 86_400 }) },
        fc.double(),
        fc.anything(),
      ),
      refreshExpiresIn: fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 86_400 }) },
        fc.anything(),
      ),
      employee: employeeArbitrary,
    }),
  },
);

const behaviourArbitrary: fc.Arbitrary<Behaviour> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const),
      statusCode: statusArbitrary,
      data: bodyArbitrary,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), reason: fc.anything() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('throw' as const), reason: fc.anything() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nonsense' as const), value: fc.anything() }) },
);

function transportFrom(behaviours: Behaviour[]) {
  let index = 0;
  return (_request: TransportRequest): PromiseLike<TransportResponse> => {
    const behaviour = behaviours[index % behaviours.length] ?? { kind: 'answer', statusCode: 500, data: '' };
    index += 1;
    switch (behaviour.kind) {
      case 'answer':
        return Promise.resolve({
          statusCode: behaviour.statusCode,
          data: behaviour.data,
        } as TransportResponse);
      case 'reject':
        // A broken transport may reject with anything at all, which is the point here.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return Promise.reject(behaviour.reason);
      case 'throw':
        throw behaviour.reason;
      case 'nonsense':
        return Promise.resolve(behaviour.value as TransportResponse);
    }
  };
}

function memory(initial: unknown): AuthStorage {
  let value = initial;
  return {
    get: () => value,
    set: (_key, next) => {
      value = next;
    },
    remove: () => {
      value = undefined;
    },
  };
}

const validStored = {
  version: 1,
  accessToken: 'access-stored',
  refreshToken: 'refresh-stored',
  accessExpiresAt: Date.now() + 600_000,
  refreshExpiresAt: Date.now() + 86_400_000,
  employee: EMPLOYEE,
};

function invoke(auth: WecomAuth, call: 'login' | 'getEmployee' | 'request' | 'decrypt' | 'logout') {
  switch (call) {
    case 'login':
      return auth.login();
    case 'getEmployee':
      return auth.getEmployee();
    case 'request':
      return auth.request({ url: '/api/orders', method: 'POST', data: { item: 1 } });
    case 'decrypt':
      return auth.decrypt('mobile');
    case 'logout':
      return auth.logout();
  }
}

async function settle(promise: Promise<unknown>): Promise<'resolved' | 'rejected'> {
  return promise.then(
    () => 'resolved' as const,
    (error: unknown) => {
      expect(error).toBeInstanceOf(sdk.WecomAuthError);
      expect(error).not.toBeInstanceOf(TypeError);
      return 'rejected' as const;
    },
  );
}

describe('garbage from the network', () => {
  it('always ends in a value or a WecomAuthError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(behaviourArbitrary, { minLength: 1, maxLength: 6 }),
        fc.oneof(fc.constant(validStored), fc.constant(undefined), fc.anything()),
        fc.constantFrom('login', 'getEmployee', 'request', 'decrypt', 'logout'),
        async (behaviours, stored, call) => {
          const auth: WecomAuth = sdk.createAuth({
            baseUrl: 'https://gateway.test',
            request: transportFrom(behaviours),
            storage: memory(stored),
            wx: {
              qy: {
                login: (callbacks) => setTimeout(() => callbacks.success?.({ code: 'code' }), 0),
                getMobile: (callbacks) =>
                  setTimeout(() => callbacks.success?.({ encryptedData: 'data', iv: 'iv' }), 0),
              },
            },
          });
          const outcome = await settle(invoke(auth, call));
          if (call === 'logout') expect(outcome).toBe('resolved');
          // Whatever happened, the session the SDK reports is either absent or well-formed.
          const session = auth.getSession();
          if (session !== null) {
            expect(typeof session.accessToken).toBe('string');
            expect(session.employee.userId).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns: 300 },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(unhandled).toEqual([]);
  });

  it('maps every error body to its gateway code, or to http_error when the code is unknown', async () => {
    const known = Object.keys(gatewayErrorCatalog);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 400, max: 599 }),
        fc.oneof(fc.constantFrom(...known), fc.string()),
        fc.anything(),
        async (statusCode, error, message) => {
          const auth = sdk.createAuth({
            baseUrl: 'https://gateway.test',
            request: () => Promise.resolve({ statusCode, data: JSON.stringify({ error, message }) }),
            storage: memory(validStored),
            wx: { qy: { login: (callbacks) => callbacks.success?.({ code: 'code' }) } },
          });
          const failure = await auth.getEmployee().then(
            () => undefined,
            (reason: unknown) => reason,
          );
          expect(failure).toBeInstanceOf(sdk.WecomAuthError);
          const { code, statusCode: status, message: text } = failure as InstanceType<Sdk['WecomAuthError']>;
          expect(code).toBe(known.includes(error) ? error : 'http_error');
          expect(status).toBe(statusCode);
          expect(typeof text).toBe('string');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('ignores a stored session of any other shape', () => {
    fc.assert(
      fc.property(fc.anything(), (stored) => {
        const auth = sdk.createAuth({
          baseUrl: 'https://gateway.test',
          request: () => Promise.resolve({ statusCode: 500, data: '' }),
          storage: memory(stored),
        });
        expect(auth.getSession()).toBeNull();
      }),
    );
    const restored = sdk.createAuth({
      baseUrl: 'https://gateway.test',
      request: () => Promise.resolve({ statusCode: 500, data: '' }),
      storage: memory(validStored),
    });
    expect(restored.getSession()?.accessToken).toBe('access-stored');
  });
});
