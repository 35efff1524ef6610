/**
 * One JSON exchange with a gateway, as the tests make them: a JSON body and a Bearer token when given, the answer's
 * body parsed when it is JSON. Aborted (and so failed) if it hangs: a lost store must never hold a request.
 */
export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

export interface JsonRequest {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function exchangeJson(url: string, request: JsonRequest = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    ...(request.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(request.timeoutMs) }),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
