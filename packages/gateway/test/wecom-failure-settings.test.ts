import { fromErrcode, WecomHttpStatusError, WecomNetworkError, WecomTimeoutError } from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/gateway-error.js';
import { toGatewayError } from '../src/sessions/wecom-failure.js';

const apiPath = '/cgi-bin/miniprogram/jscode2session';

function mapped(error: unknown): GatewayError {
  const result = toGatewayError(error);
  expect(result).toBeInstanceOf(GatewayError);
  return result as GatewayError;
}

describe('toGatewayError', () => {
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
