/**
 * A scripted stand-in for the HTTP transport, for unit tests of the token logic where every interleaving must be
 * controlled. Tests of behaviour on the wire use the sandbox over real HTTP instead.
 */
import type { Transport, TransportRequest, TransportResponse } from '@wecom-auth/api';

export type Responder = (request: TransportRequest) => TransportResponse | Promise<TransportResponse>;

export function json(body: unknown): TransportResponse {
  return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** One request as the scripted WeCom saw it. */
export interface SeenRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query: Record<string, string>;
  /** The parsed JSON body of a POST. */
  readonly body: unknown;
}

/** The suite a scripted WeCom knows: `service/get_suite_token` answers only these credentials. */
export const scriptedSuite = {
  suiteId: 'wwsuite000000001',
  suiteSecret: 'demo-suite-secret-change-me',
  suiteTicket: 'demo-suite-ticket-0001',
} as const;

export interface ScriptedWecom {
  readonly transport: Transport;
  /** Every request seen, in order, with its method, path, query and body. */
  readonly requests: SeenRequest[];
  count(path: string): number;
  /** Overrides the next answers to `path`, in order; after them the default handler answers again. */
  queue(path: string, ...responders: Responder[]): void;
}

/**
 * A WeCom that hands out `token-1`, `token-2`, … from `gettoken` and accepts only the latest one as `access_token`.
 * It also plays a third-party suite: `service/get_suite_token` (a POST with the {@link scriptedSuite} credentials in
 * its JSON body, answered without errcode as WeCom may) hands out `suite-token-1`, …, and the suite's
 * `service/miniprogram/jscode2session` accepts only the latest one as `suite_access_token` (42009 otherwise).
 */
export function createScriptedWecom(
  options: { expiresIn?: number } = {},
): ScriptedWecom & { latestToken(): string; latestSuiteToken(): string } {
  const requests: SeenRequest[] = [];
  const queues = new Map<string, Responder[]>();
  let issued = 0;
  const latest = (): string => `token-${issued}`;
  let suiteIssued = 0;
  const latestSuite = (): string => `suite-token-${suiteIssued}`;

  const defaults: Record<string, Responder> = {
    '/cgi-bin/gettoken': () => {
      issued += 1;
      return json({
        errcode: 0,
        errmsg: 'ok',
        access_token: latest(),
        expires_in: options.expiresIn ?? 7200,
      });
    },
    '/cgi-bin/service/get_suite_token': (request) => {
      const body = parseBody(request.body);
      // What WeCom answers a GET, whose body is dropped, or a wrong suite_id.
      if (request.method !== 'POST' || body.suite_id !== scriptedSuite.suiteId)
        return json({ errcode: 40083, errmsg: 'invalid suite_id' });
      if (body.suite_secret !== scriptedSuite.suiteSecret)
        return json({ errcode: 40080, errmsg: 'invalid suite_secret' });
      if (body.suite_ticket !== scriptedSuite.suiteTicket)
        return json({ errcode: 40085, errmsg: 'invalid suite_ticket' });
      suiteIssued += 1;
      return json({ suite_access_token: latestSuite(), expires_in: options.expiresIn ?? 7200 });
    },
    '/cgi-bin/service/miniprogram/jscode2session': (request) => {
      const query = Object.fromEntries(request.url.searchParams);
      if (query.suite_access_token !== latestSuite())
        return json({ errcode: 42009, errmsg: 'suite_access_token expired' });
      return json({
        errcode: 0,
        errmsg: 'ok',
        corpid: 'wwcorp0000000001',
        userid: 'zhangsan',
        session_key: 'k',
      });
    },
  };

  const transport: Transport = async (request) => {
    const query = Object.fromEntries(request.url.searchParams);
    requests.push({
      method: request.method,
      path: request.apiPath,
      query,
      body: request.body === undefined ? undefined : JSON.parse(request.body),
    });
    const queued = queues.get(request.apiPath)?.shift();
    if (queued) return queued(request);
    const byDefault = defaults[request.apiPath];
    if (byDefault) return byDefault(request);
    if (query.access_token !== latest()) return json({ errcode: 42001, errmsg: 'access_token expired' });
    return json({ errcode: 0, errmsg: 'ok', userid: query.userid ?? 'zhangsan', name: '张三' });
  };

  return {
    transport,
    requests,
    latestToken: latest,
    latestSuiteToken: latestSuite,
    count: (path) => requests.filter((r) => r.path === path).length,
    queue(path, ...responders) {
      queues.set(path, [...(queues.get(path) ?? []), ...responders]);
    },
  };
}

function parseBody(body: string | undefined): Record<string, unknown> {
  const parsed: unknown = body === undefined ? {} : JSON.parse(body);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/** A promise with its resolver outside, to hold a response until the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
