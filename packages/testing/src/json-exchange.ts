/**
 * One JSON exchange with a gateway, as the tests make them: a JSON body and a Bearer token when given, the answer's
 * body parsed when it is a JSON object.
 */

/** What came back: the status, the headers, the raw text and, when it is a JSON object, the parsed body. */
export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

/** What to send; without `timeoutMs` the exchange waits as long as the server takes. */
export interface JsonRequest {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  /** Abort (and so fail) the exchange after this long: a lost store must never hold a request. */
  readonly timeoutMs?: number;
  /** Aborts the exchange when it fires, for a caller that must tell its own deadline from other failures. */
  readonly signal?: AbortSignal;
}

/**
 * Sends one request to `url` and reads the whole answer.
 *
 * @example
 * const answer = await exchangeJson(`${gateway.url}/v1/me`, { token: accessToken, timeoutMs: 10_000 });
 * expect(answer.body?.userId).toBe('zhangsan');
 */
export async function exchangeJson(url: string, request: JsonRequest = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    ...abortSignal(request),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: parseJsonObject(text), text };
}

function abortSignal(request: JsonRequest): { signal?: AbortSignal } {
  const signals = [
    ...(request.signal ? [request.signal] : []),
    ...(request.timeoutMs === undefined ? [] : [AbortSignal.timeout(request.timeoutMs)]),
  ];
  return signals.length === 0 ? {} : { signal: AbortSignal.any(signals) };
}

/** The JSON object `text` holds, or undefined when it holds something else (nothing, a string, HTML, garbage). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
