/**
 * What every answered request leaves behind: one log line and one latency observation. Shared by the Fastify
 * `onResponse` hook and the `/v1/verify` fast path, so both leave exactly the same trace.
 */
import type { FastifyBaseLogger } from 'fastify';

export interface AnsweredRequest {
  readonly requestId: string;
  readonly method: string;
  /** The route pattern (`/v1/me`), never the URL: no query string, no ids, no tokens. */
  readonly route: string;
  readonly status: number;
  readonly elapsedMs: number;
}

/**
 * @param observeLatency the latency observer of this route, method and status (`GatewayMetrics.requestObserver`):
 *   the verify fast path resolves its own once, the others per request.
 */
export function recordAnsweredRequest(
  logger: FastifyBaseLogger,
  observeLatency: (durationSeconds: number) => void,
  answered: AnsweredRequest,
): void {
  observeLatency(answered.elapsedMs / 1000);
  // From the root logger, not a per-request child: creating a child costs more than the line.
  logger.info(
    {
      reqId: answered.requestId,
      method: answered.method,
      route: answered.route,
      status: answered.status,
      ms: Math.round(answered.elapsedMs * 10) / 10,
    },
    'request',
  );
}
