/**
 * What each failure of the WeCom client becomes at the gateway's HTTP edge: the code the mini program branches on,
 * the status, whether WeCom's errcode travels along, and the Retry-After of what is temporary. Messages are the
 * operator's to read and are not pinned here.
 */
import {
  fromErrcode,
  WecomHttpStatusError,
  WecomMalformedResponseError,
  WecomNetworkError,
  WecomSuiteTicketMissingError,
  WecomTimeoutError,
} from '@wecom-auth/api';
import { GatewayError } from '@wecom-auth/gateway';
import { StoreUnavailableError } from '@wecom-auth/store';
import { describe, expect, it } from 'vitest';
import { toGatewayError } from '../src/sessions/wecom-failure.js';

const apiPath = '/cgi-bin/miniprogram/jscode2session';

function mapped(error: unknown): GatewayError {
  const result = toGatewayError(error);
  expect(result).toBeInstanceOf(GatewayError);
  return result as GatewayError;
}

describe('WeCom errcodes to gateway errors', () => {
  it.each([
    // errcode, context, gateway code, status, Retry-After
    [40029, 'api', 'code_invalid', 401, undefined],
    [-1, 'api', 'wecom_unavailable', 503, 2],
    [45009, 'api', 'wecom_unavailable', 503, 60],
    [45033, 'api', 'wecom_unavailable', 503, 1],
    [40013, 'gettoken', 'wecom_error', 502, undefined],
    [40001, 'gettoken', 'wecom_error', 502, undefined],
    [60020, 'api', 'wecom_error', 502, undefined],
    [42001, 'api', 'wecom_error', 502, undefined],
    [60111, 'api', 'wecom_error', 502, undefined],
  ] as const)('errcode %i (%s) becomes %s %i', (errcode, context, code, status, retryAfterSeconds) => {
    const error = mapped(fromErrcode({ errcode, errmsg: `errmsg of ${errcode}`, apiPath, context }));
    expect(error.code).toBe(code);
    expect(error.statusCode).toBe(status);
    expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
    // What WeCom said travels along, for the operator and the error body.
    expect(error.wecom).toEqual({ errcode, errmsg: `errmsg of ${errcode}` });
  });
});

describe('transport failures to gateway errors', () => {
  it.each([
    ['a timeout', new WecomTimeoutError({ timeoutMs: 1_000, apiPath }), 'wecom_unavailable', 503, 2],
    [
      'a dropped connection',
      new WecomNetworkError({ apiPath, causeCode: 'ECONNRESET' }),
      'wecom_unavailable',
      503,
      2,
    ],
    [
      'an HTTP 502 after the retries',
      new WecomHttpStatusError({ status: 502, apiPath }),
      'wecom_unavailable',
      503,
      2,
    ],
    [
      'an HTTP 404 (a wrong API base)',
      new WecomHttpStatusError({ status: 404, apiPath }),
      'wecom_error',
      502,
      undefined,
    ],
    [
      'a malformed answer',
      new WecomMalformedResponseError({
        apiPath,
        reason: 'not JSON',
        contentType: 'text/html',
        bodyLength: 12,
      }),
      'wecom_error',
      502,
      undefined,
    ],
  ] as const)('%s becomes %s %i', (_name, failure, code, status, retryAfterSeconds) => {
    const error = mapped(failure);
    expect(error.code).toBe(code);
    expect(error.statusCode).toBe(status);
    expect(error.retryAfterSeconds).toBe(retryAfterSeconds);
    // No errcode was involved, so none is claimed.
    expect(error.wecom).toBeUndefined();
  });
});

describe('a third-party app without a usable suite_ticket', () => {
  const suiteApi = '/cgi-bin/service/get_suite_token';

  it('is temporary (503, Retry-After 30) and claims no errcode when WeCom was not asked', () => {
    const error = mapped(new WecomSuiteTicketMissingError({ suiteId: 'wwsuite', apiPath: suiteApi }));
    expect(error).toMatchObject({ code: 'wecom_unavailable', statusCode: 503, retryAfterSeconds: 30 });
    expect(error.wecom).toBeUndefined();
    expect(error.message).toContain('no valid suite_ticket yet');
  });

  it("carries WeCom's 40085 when WeCom refused the ticket, as every answer WeCom caused does", () => {
    const error = mapped(
      new WecomSuiteTicketMissingError({
        suiteId: 'wwsuite',
        apiPath: suiteApi,
        errcode: 40085,
        errmsg: 'invalid suite_ticket',
      }),
    );
    expect(error).toMatchObject({ code: 'wecom_unavailable', statusCode: 503, retryAfterSeconds: 30 });
    expect(error.wecom).toEqual({ errcode: 40085, errmsg: 'invalid suite_ticket' });
    expect(error.message).toContain('WeCom refused');
  });
});

describe('everything else', () => {
  it('turns a lost store into 503 store_unavailable with a Retry-After', () => {
    const error = mapped(new StoreUnavailableError('connection refused'));
    expect(error).toMatchObject({ code: 'store_unavailable', statusCode: 503, retryAfterSeconds: 1 });
  });

  it('passes a gateway error through as it is', () => {
    const original = new GatewayError('token_expired', 'expired');
    expect(toGatewayError(original)).toBe(original);
  });

  it('leaves errors it does not know alone, for the 500 handler', () => {
    const bug = new TypeError('undefined is not a function');
    expect(toGatewayError(bug)).toBe(bug);
    expect(toGatewayError('a string')).toBe('a string');
  });
});

describe('the settings a message names', () => {
  it.each([
    [40001, 'WECOM_SECRET (or WECOM_SECRET_FILE)'],
    [40013, 'WECOM_CORP_ID'],
    [48002, 'WECOM_MINIPROGRAM_APPID'],
  ])('follows the hint of errcode %i with the gateway settings behind it', (errcode, setting) => {
    const error = fromErrcode({ errcode, errmsg: 'scripted', apiPath, context: 'gettoken' });
    const gateway = mapped(error);
    expect(gateway.code).toBe('wecom_error');
    expect(gateway.message).toContain(error.hint);
    expect(gateway.message).toMatch(/Gateway settings to check: .*WECOM_/);
    expect(gateway.message).toContain(setting);
  });

  it('names where the gateway sends its calls when the exchange itself failed', () => {
    expect(mapped(new WecomNetworkError({ apiPath, causeCode: 'ECONNREFUSED' })).message).toContain(
      'WECOM_API_BASE',
    );
    expect(mapped(new WecomHttpStatusError({ status: 404, apiPath })).message).toContain('WECOM_API_BASE');
    expect(mapped(new WecomTimeoutError({ timeoutMs: 300, apiPath })).message).toContain('WECOM_TIMEOUT_MS');
  });

  it('adds no setting where none is the cause', () => {
    const gateway = mapped(fromErrcode({ errcode: 40029, errmsg: 'invalid code', apiPath }));
    expect(gateway.code).toBe('code_invalid');
    expect(gateway.message).not.toContain('Gateway settings');
  });

  it('keeps a member outside the visible range a WeCom refusal outside the login, with the errcode', () => {
    const gateway = mapped(
      fromErrcode({ errcode: 60011, errmsg: 'no privilege', apiPath: '/cgi-bin/user/get' }),
    );
    expect(gateway).toMatchObject({ code: 'wecom_error' });
    expect(gateway.message).toContain('visible range');
  });
});
