/**
 * A scripted stand-in for the HTTP transport, for unit tests of the token logic where every interleaving must be
 * controlled. Tests of behaviour on the wire use the sandbox over real HTTP instead.
 */
import type { Transport, TransportRequest, TransportResponse } from '@wecom-auth/api';

export type Responder = (request: TransportRequest) => TransportResponse | Promise<TransportResponse>;

export function json(body: unknown): TransportResponse {
  return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

export interface ScriptedWecom {
  readonly transport: Transport;
  /** Every request seen, in order, with its path and query. */
  readonly requests: { path: string; query: Record<string, string> }[];
  count(path: string): number;
  /** Overrides the next answers to `path`, in order; after them the default handler answers again. */
  queue(path: string, ...responders: Responder[]): void;
}

/** A WeCom that hands out `token-1`, `token-2`, … and accepts only the latest one. */
export function createScriptedWecom(
  options: { expiresIn?: number } = {},
): ScriptedWecom & { latestToken(): string } {
  const requests: { path: string; query: Record<string, string> }[] = [];
  const queues = new Map<string, Responder[]>();
  let issued = 0;
  const latest = (): string => `token-${issued}`;

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
  };

  const transport: Transport = async (request) => {
    const query = Object.fromEntries(request.url.searchParams);
    requests.push({ path: request.apiPath, query });
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
    count: (path) => requests.filter((r) => r.path === path).length,
    queue(path, ...responders) {
      queues.set(path, [...(queues.get(path) ?? []), ...responders]);
    },
  };
}

/** A promise with its resolver outside, to hold a response until the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
