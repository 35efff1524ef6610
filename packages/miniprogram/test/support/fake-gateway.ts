/**
 * An in-memory stand-in for the gateway behind the SDK's `request` option, for what a real gateway cannot be made
 * to do on demand: garbage answers, exact interleavings, a login still in flight.
 */
import type { TransportRequest, TransportResponse, WxLike } from '../../src/index.js';

export const EMPLOYEE = {
  userId: 'zhangsan',
  corpId: 'ww-test-corp',
  name: '张三',
  departments: [{ id: 4 }],
  status: 'active',
};

export function sessionBody(suffix: string, expiresIn = 900): Record<string, unknown> {
  return {
    accessToken: `access-${suffix}`,
    tokenType: 'Bearer',
    expiresIn,
    refreshToken: `refresh-${suffix}`,
    refreshExpiresIn: 2_592_000,
    employee: EMPLOYEE,
  };
}

export type Answer = TransportResponse | Error | Promise<TransportResponse>;

/** Answers requests from a handler and records them; `wx.qy.login` hands out `code-1`, `code-2`, … */
export function fakeGateway(handler: (request: TransportRequest) => Answer) {
  const requests: TransportRequest[] = [];
  /** The `suiteId` each `wx.qy.login` call was given (undefined: none). */
  const loginSuites: (string | undefined)[] = [];
  let codes = 0;
  const wx: WxLike = {
    qy: {
      login(callbacks) {
        loginSuites.push(callbacks.suiteId);
        codes += 1;
        const code = `code-${codes}`;
        setTimeout(() => callbacks.success?.({ code }), 0);
      },
    },
  };
  return {
    wx,
    requests,
    loginSuites,
    codes: () => codes,
    /** `METHOD path` of each request. */
    lines: () =>
      requests.map((request) => `${request.method} ${request.url.replace(/^https?:\/\/[^/]+/, '')}`),
    request(request: TransportRequest): Promise<TransportResponse> {
      requests.push(request);
      const answer = handler(request);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
}

export function answer(statusCode: number, data: unknown): TransportResponse {
  return { statusCode, data, header: {} };
}

export function gatewayError(statusCode: number, error: string): TransportResponse {
  return answer(statusCode, { error, message: `the gateway says ${error}`, requestId: 'req-1' });
}
