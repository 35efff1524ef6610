/**
 * One retry predicate: the retry ladder tries a call again exactly when the error it got says `retryable`. Every
 * error code is produced through the client and the number of tries compared with what the error says of itself.
 */
import {
  type AnyWecomError,
  createWecomClient,
  isWecomError,
  type TransportRequest,
  type TransportResponse,
  type WecomCall,
  type WecomErrorCode,
  WecomNetworkError,
  WecomTimeoutError,
} from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { createScriptedWecom, json } from './scripted-wecom.js';

const maxAttempts = 3;

interface Case {
  readonly name: string;
  /** What WeCom (or the network) does on every try of the call. */
  readonly answer: (request: TransportRequest) => TransportResponse;
  /** The call: a read (`user/get`, idempotent) unless it says otherwise. */
  readonly call?: 'read' | 'effect';
  /** What the error must say, so that a predicate changed on both sides at once still fails here. */
  readonly retryable: boolean;
}

const errcode = (code: number) => () => json({ errcode: code, errmsg: 'scripted' });

/** What the undici transport does when the deadline passes: it passes the request's `idempotent` on. */
const timesOut = (request: TransportRequest): never => {
  throw new WecomTimeoutError({
    timeoutMs: 1,
    apiPath: request.apiPath,
    idempotent: request.idempotent === true,
  });
};

const cases = {
  wecom_api_error: [{ name: '40003 invalid userid', answer: errcode(40003), retryable: false }],
  access_token_invalid: [{ name: '40014 on every token', answer: errcode(40014), retryable: false }],
  system_busy: [{ name: '-1 busy', answer: errcode(-1), retryable: true }],
  rate_limited: [
    { name: '45009 frequency limit', answer: errcode(45009), retryable: false },
    { name: '45033 concurrency limit', answer: errcode(45033), retryable: false },
  ],
  invalid_code: [{ name: '40029 spent code', answer: errcode(40029), call: 'effect', retryable: false }],
  configuration: [{ name: '48002 api forbidden', answer: errcode(48002), retryable: false }],
  outside_visible_range: [{ name: '60011 no privilege', answer: errcode(60011), retryable: false }],
  http_status: [
    { name: 'HTTP 503', answer: () => ({ status: 503, contentType: undefined, body: '' }), retryable: true },
    {
      name: 'HTTP 404',
      answer: () => ({ status: 404, contentType: 'text/html', body: '' }),
      retryable: false,
    },
  ],
  timeout: [
    {
      name: 'timeout of a read',
      answer: timesOut,
      retryable: true,
    },
    {
      name: 'timeout of a call with an effect',
      answer: timesOut,
      call: 'effect',
      retryable: false,
    },
  ],
  network: [
    {
      name: 'connection reset',
      answer: (request) => {
        throw new WecomNetworkError({ apiPath: request.apiPath, causeCode: 'ECONNRESET' });
      },
      retryable: true,
    },
  ],
  malformed_response: [
    {
      name: 'an HTML page',
      answer: () => ({ status: 200, contentType: 'text/html', body: '<html></html>' }),
      retryable: false,
    },
  ],
} satisfies Record<WecomErrorCode, readonly Case[]>;

const allCases = Object.entries(cases).flatMap(([code, list]) =>
  (list as readonly Case[]).map((entry) => [`${code}: ${entry.name}`, code, entry] as const),
);

describe('the retry ladder and WecomError.retryable', () => {
  it.each(allCases)('agree for %s', async (_title, code, entry) => {
    const wecom = createScriptedWecom();
    const path = entry.call === 'effect' ? '/cgi-bin/miniprogram/jscode2session' : '/cgi-bin/user/get';
    wecom.queue(path, ...Array.from({ length: 2 * maxAttempts }, () => entry.answer));
    const calls: WecomCall[] = [];
    const client = createWecomClient({
      corpId: 'wwdemo0000000001',
      secret: 'demo-secret-change-me',
      transport: wecom.transport,
      retry: { maxAttempts, baseDelayMs: 0 },
      onCall: (call) => calls.push(call),
    });

    const error: unknown = await (entry.call === 'effect'
      ? client.miniprogram.code2Session('scripted-code')
      : client.user.get('zhangsan')
    ).catch((caught: unknown) => caught);

    expect(isWecomError(error)).toBe(true);
    const typed = error as AnyWecomError;
    expect(typed.code).toBe(code);
    expect(typed.retryable).toBe(entry.retryable);
    const tries = Math.max(...calls.filter((call) => call.apiPath === path).map((call) => call.attempt));
    expect(tries).toBe(typed.retryable ? maxAttempts : 1);
  });
});
