/**
 * One HTTP exchange with a gateway under fault, classified the way a client experiences it: answered (with a status
 * and a body), cut (the connection failed: refused, reset, closed mid-answer) or hung (no answer within the
 * deadline). A crashed gateway must cost cut connections, never a 5xx; a lost store must cost 503s, never a hang.
 * Every body read is recorded as evidence for the suite's secret scan.
 */
import { exchangeJson, type JsonAnswer } from '@wecom-auth/testing';
import { recordEvidence } from './evidence.js';

export interface ExchangeRequest {
  readonly method?: string;
  readonly body?: unknown;
  readonly token?: string;
  /** Abort after this long (default 10 s): an exchange that needs it counts as hung. */
  readonly timeoutMs?: number;
}

export type Exchange =
  | {
      readonly outcome: 'answered';
      readonly status: number;
      readonly headers: Headers;
      readonly body: Record<string, unknown> | undefined;
      readonly text: string;
    }
  | { readonly outcome: 'cut'; readonly reason: string }
  | { readonly outcome: 'hung' };

/** The `error` code of an answered exchange's body, if it has one. */
export function errorCode(exchange: Exchange): string | undefined {
  if (exchange.outcome !== 'answered') return undefined;
  const code = exchange.body?.error;
  return typeof code === 'string' ? code : undefined;
}

/** `status error` of an answered exchange (`401 session_revoked`), else the outcome: readable in assertion diffs. */
export function describeExchange(exchange: Exchange): string {
  if (exchange.outcome !== 'answered') return exchange.outcome;
  const code = errorCode(exchange);
  return code === undefined ? String(exchange.status) : `${exchange.status} ${code}`;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** What undici says went wrong with the connection: the innermost cause's code or message. */
function connectionFailure(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause !== undefined) current = current.cause;
  if (current instanceof Error) return (current as NodeJS.ErrnoException).code ?? current.message;
  return String(current);
}

/**
 * Sends one request to `baseUrl + path`. Never throws for a failed connection: a test under fault counts those.
 * `evidenceSource` names the evidence file the body is appended to.
 */
export async function exchange(
  baseUrl: string,
  path: string,
  request: ExchangeRequest,
  evidenceSource: string,
): Promise<Exchange> {
  const { timeoutMs = 10_000, ...sent } = request;
  const signal = AbortSignal.timeout(timeoutMs);
  let answer: JsonAnswer;
  try {
    // The body can be cut too: a process killed between the headers and the end of the body.
    answer = await exchangeJson(baseUrl + path, { ...sent, signal });
  } catch (error) {
    if (isAbort(error) || signal.aborted) return { outcome: 'hung' };
    return { outcome: 'cut', reason: connectionFailure(error) };
  }
  recordEvidence('response', evidenceSource, answer.text);
  return { outcome: 'answered', ...answer };
}
