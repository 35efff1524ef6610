import {
  describeErrcode,
  fromErrcode,
  knownErrcodes,
  WecomAccessTokenError,
  WecomApiError,
  WecomBusyError,
  WecomConfigError,
  WecomInvalidCodeError,
  WecomRateLimitError,
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

  it('names the setting to fix for configuration errors', () => {
    expect(describeErrcode(40001).hint).toContain('WECOM_SECRET');
    expect(describeErrcode(40013).hint).toContain('WECOM_CORP_ID');
    expect(describeErrcode(48002).hint).toContain('WECOM_MINIPROGRAM_APPID');
    expect(describeErrcode(60020).hint).toMatch(/egress IP .* trusted IPs/);
    expect(describeErrcode(40029).hint).toContain('wx.qy.login');
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
    [60111, WecomApiError, 'wecom_api_error'],
  ] as const)('maps %i on an API call to its class', (errcode, type, code) => {
    const error = fromErrcode({ errcode, errmsg: 'text', apiPath });
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error).toMatchObject({ errcode, errmsg: 'text', apiPath });
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

  it('gives rate limits a wait: a minute for 45009, a moment for 45033', () => {
    expect(fromErrcode({ errcode: 45009, errmsg: '', apiPath })).toMatchObject({
      retryAfterSeconds: 60,
      retryable: true,
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
