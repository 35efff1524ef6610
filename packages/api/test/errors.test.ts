import {
  type AnyWecomError,
  describeErrcode,
  fromErrcode,
  isWecomError,
  knownErrcodes,
  suiteAccessTokenAttachment,
  WecomAccessTokenError,
  WecomApiError,
  WecomAuthorizationGoneError,
  WecomBusyError,
  WecomConfigError,
  WecomHttpStatusError,
  WecomInvalidCodeError,
  WecomMalformedResponseError,
  WecomNetworkError,
  WecomRateLimitError,
  WecomRequestError,
  WecomSuiteTicketMissingError,
  WecomTimeoutError,
  WecomVisibleRangeError,
} from '@wecom-auth/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const apiPath = '/cgi-bin/miniprogram/jscode2session';

describe('errcode table', () => {
  it('covers every errcode of the reference error table', () => {
    const reference = [
      -1, 6000, 40001, 40003, 40013, 40014, 40029, 40031, 40058, 40063, 40091, 41001, 41002, 41004, 41009,
      42001, 42013, 43004, 45009, 45033, 46004, 48001, 48002, 50001, 50002, 50003, 60003, 60011, 60020, 60111,
      60123, 81013, 84014, 84015, 301002,
      // A third-party suite's (wecom-suite.md §3).
      40078, 40080, 40082, 40083, 40084, 40085, 40086, 41021, 41022, 41023, 41024, 41025, 42007, 42009, 48003,
      48004, 2000002,
    ];
    const known = new Set(knownErrcodes.map((info) => info.errcode));
    expect(reference.filter((code) => !known.has(code))).toEqual([]);
  });

  it('gives every known errcode a meaning and an actionable hint', () => {
    for (const info of knownErrcodes) {
      expect(info.meaning.length, String(info.errcode)).toBeGreaterThan(3);
      expect(info.hint.length, String(info.errcode)).toBeGreaterThan(20);
    }
  });

  it('says where in the WeCom admin console a configuration error is fixed', () => {
    expect(describeErrcode(40001).hint).toContain('App Management > the app > Secret');
    expect(describeErrcode(40013).hint).toContain('My Company > Company Information');
    expect(describeErrcode(48002).hint).toContain('associated with in the WeCom admin console');
    expect(describeErrcode(60020).hint).toMatch(/egress IP .* trusted IPs/);
    expect(describeErrcode(40029).hint).toContain('wx.qy.login');
    expect(describeErrcode(40080).hint).toContain('WeCom provider console');
    expect(describeErrcode(40085).hint).toContain('instruction callback URL');
  });

  it('classifies the suite errcodes: configuration, refused suite token, authorisation gone', () => {
    const classOf = (errcode: number) => describeErrcode(errcode).class;
    expect([40080, 40083, 40085, 41021, 41023, 41024, 41025, 48003].map(classOf)).toEqual(
      Array(8).fill('config'),
    );
    expect([40082, 42009].map(classOf)).toEqual(['token', 'token']);
    expect([40084, 48004].map(classOf)).toEqual(['authorization', 'authorization']);
    expect([40078, 40086, 42007, 2000002].map(classOf)).toEqual(Array(4).fill('client'));
  });

  it('names no setting of an application using the client, only the WeCom app and its admin console', () => {
    const clientHints = [
      new WecomHttpStatusError({ status: 502, apiPath }).hint,
      new WecomTimeoutError({ timeoutMs: 1, apiPath }).hint,
      new WecomNetworkError({ apiPath, causeCode: 'ECONNRESET' }).hint,
      new WecomMalformedResponseError({ apiPath, reason: 'r', contentType: undefined, bodyLength: 0 }).hint,
      new WecomSuiteTicketMissingError({ suiteId: 'ww1', apiPath }).hint,
    ];
    for (const hint of [...knownErrcodes.map((info) => info.hint), ...clientHints]) {
      expect(hint).not.toMatch(/[A-Z]+_[A-Z_]+/);
    }
  });

  it('points unknown errcodes at the official lookup tool', () => {
    expect(describeErrcode(99999)).toMatchObject({
      class: 'client',
      hint: expect.stringContaining('e=99999'),
    });
  });
});

describe('fromErrcode', () => {
  it.each([
    [40014, WecomAccessTokenError, 'access_token_invalid'],
    [42001, WecomAccessTokenError, 'access_token_invalid'],
    [40001, WecomAccessTokenError, 'access_token_invalid'],
    [-1, WecomBusyError, 'system_busy'],
    [45009, WecomRateLimitError, 'rate_limited'],
    [45033, WecomRateLimitError, 'rate_limited'],
    [40029, WecomInvalidCodeError, 'invalid_code'],
    [48002, WecomConfigError, 'configuration'],
    [60020, WecomConfigError, 'configuration'],
    [60011, WecomVisibleRangeError, 'outside_visible_range'],
    [60111, WecomVisibleRangeError, 'outside_visible_range'],
    [50002, WecomVisibleRangeError, 'outside_visible_range'],
    [40084, WecomAuthorizationGoneError, 'authorization_gone'],
    [48004, WecomAuthorizationGoneError, 'authorization_gone'],
    [40080, WecomConfigError, 'configuration'],
    [40085, WecomConfigError, 'configuration'],
    [40082, WecomConfigError, 'configuration'],
    [40003, WecomRequestError, 'wecom_api_error'],
    [99999, WecomRequestError, 'wecom_api_error'],
  ] as const)('maps %i on an API call to its class', (errcode, type, code) => {
    const error = fromErrcode({ errcode, errmsg: 'text', apiPath });
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error).toMatchObject({ errcode, errmsg: 'text', apiPath });
  });

  it('treats 40082 and 42009 as a refused token only where the call carried a suite token', () => {
    for (const errcode of [40082, 42009]) {
      const refused = fromErrcode({
        errcode,
        errmsg: '',
        apiPath,
        refusedTokenErrcodes: suiteAccessTokenAttachment.refusedErrcodes,
      });
      expect(refused).toBeInstanceOf(WecomAccessTokenError);
      expect(fromErrcode({ errcode, errmsg: '', apiPath })).toBeInstanceOf(WecomConfigError);
    }
  });

  it('treats 40001 at gettoken as a bad secret, not a bad token', () => {
    const error = fromErrcode({
      errcode: 40001,
      errmsg: 'invalid credential',
      apiPath: '/cgi-bin/gettoken',
      context: 'gettoken',
    });
    expect(error).toBeInstanceOf(WecomConfigError);
  });

  it('gives rate limits a wait, a minute for 45009 and a moment for 45033, instead of a retry', () => {
    expect(fromErrcode({ errcode: 45009, errmsg: '', apiPath })).toMatchObject({
      retryAfterSeconds: 60,
      retryable: false,
    });
    expect(fromErrcode({ errcode: 45033, errmsg: '', apiPath })).toMatchObject({ retryAfterSeconds: 1 });
  });

  it('always yields a WecomApiError that serialises without loss of the upstream fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 10_000_000 }), fc.string(), (errcode, errmsg) => {
        const error = fromErrcode({ errcode, errmsg, apiPath });
        expect(error).toBeInstanceOf(WecomApiError);
        const json = JSON.parse(JSON.stringify(error)) as Record<string, unknown>;
        expect(json).toMatchObject({ errcode, errmsg, apiPath, code: error.code });
      }),
    );
  });
});

describe('AnyWecomError', () => {
  /**
   * Reads a field only one class has, after narrowing on `code` alone: this compiles only if the union discriminates.
   */
  function detail(error: AnyWecomError): string | number | boolean | undefined {
    switch (error.code) {
      case 'rate_limited':
        return error.retryAfterSeconds;
      case 'http_status':
        return error.status;
      case 'timeout':
        return error.timeoutMs;
      case 'network':
        return error.causeCode;
      case 'malformed_response':
        return error.bodyLength;
      case 'suite_ticket_missing':
        return error.suiteId;
      case 'authorization_gone':
        return error.corpId;
      case 'wecom_api_error':
      case 'access_token_invalid':
      case 'system_busy':
      case 'invalid_code':
      case 'configuration':
      case 'outside_visible_range':
        return error.errcode;
    }
  }

  it('narrows on code to the class that carries the field', () => {
    expect(detail(fromErrcode({ errcode: 45033, errmsg: '', apiPath }))).toBe(1);
    expect(detail(fromErrcode({ errcode: 60011, errmsg: '', apiPath }))).toBe(60011);
    expect(detail(new WecomHttpStatusError({ status: 502, apiPath }))).toBe(502);
    expect(detail(new WecomTimeoutError({ timeoutMs: 150, apiPath }))).toBe(150);
    expect(detail(new WecomSuiteTicketMissingError({ suiteId: 'ww1', apiPath }))).toBe('ww1');
    expect(
      detail(new WecomAuthorizationGoneError({ errcode: 48004, errmsg: '', apiPath, corpId: 'wpX' })),
    ).toBe('wpX');
  });

  it('isWecomError recognises the errors of the client and nothing else', () => {
    expect(isWecomError(fromErrcode({ errcode: 40029, errmsg: '', apiPath }))).toBe(true);
    expect(isWecomError(new WecomNetworkError({ apiPath, causeCode: undefined }))).toBe(true);
    expect(isWecomError(new Error('WeCom'))).toBe(false);
    expect(isWecomError({ code: 'timeout', errcode: 60011 })).toBe(false);
    expect(isWecomError(undefined)).toBe(false);
  });

  it('keeps WecomApiError as the common base of every errcode error', () => {
    for (const errcode of [-1, 40001, 40029, 45009, 48002, 60011, 40003]) {
      expect(fromErrcode({ errcode, errmsg: '', apiPath })).toBeInstanceOf(WecomApiError);
    }
  });
});
