/**
 * One retry predicate: the retry ladder tries a call again exactly when the error it got says `retryable`. Every
 * error code is produced through the client and the number of tries compared with what the error says of itself.
 */
import {
  type AnyWecomError,
  createSuiteClient,
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
import { createScriptedWecom, json, scriptedSuite } from './scripted-wecom.js';

const maxAttempts = 3;

interface Case {
  readonly name: string;
  /** What WeCom (or the network) does on every try of the call. */
  readonly answer: (request: TransportRequest) => TransportResponse;
  /**
   * The call: a read (`user/get`, idempotent) unless it says otherwise; `suite-token` is a suite's login whose
   * `get_suite_token` gets the answer.
   */
  readonly call?: 'read' | 'effect' | 'suite-token';
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
  authorization_gone: [{ name: '48004 authorisation cancelled', answer: errcode(48004), retryable: false }],
  suite_ticket_missing: [
    { name: '40085 refused ticket', answer: errcode(40085), call: 'suite-token', retryable: false },
  ],
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
    const path = {
      read: '/cgi-bin/user/get',
      effect: '/cgi-bin/miniprogram/jscode2session',
      'suite-token': '/cgi-bin/service/get_suite_token',
    }[entry.call ?? 'read'];
    wecom.queue(path, ...Array.from({ length: 2 * maxAttempts }, () => entry.answer));
    const calls: WecomCall[] = [];
    const settings = {
      transport: wecom.transport,
      retry: { maxAttempts, baseDelayMs: 0 },
      onCall: (call: WecomCall) => calls.push(call),
    };
    const client = createWecomClient({
      corpId: 'wwdemo0000000001',
      secret: 'demo-secret-change-me',
      ...settings,
    });
    const suite = createSuiteClient({
      suiteId: scriptedSuite.suiteId,
      suiteSecret: scriptedSuite.suiteSecret,
      tickets: { current: async () => scriptedSuite.suiteTicket },
      ...settings,
    });

    const error: unknown = await (entry.call === 'effect'
      ? client.miniprogram.code2Session('scripted-code')
      : entry.call === 'suite-token'
        ? suite.miniprogram.code2Session('scripted-code')
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
