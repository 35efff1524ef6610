/**
 * `GET /v1/verify` for a token already verified, answered before Fastify sees the request.
 *
 * Forward auth runs once for every request of every service behind the proxy, so whatever it costs is paid many
 * times over. For this endpoint the token check is a map lookup; nearly all of a Fastify route's cost is Fastify's
 * per-request machinery (routing, request and reply objects, hook runners). So the one common case, a valid token
 * seen before, is answered here from the raw request, with the same status, headers, log line and latency metric as
 * the route. Everything else falls through to Fastify untouched: a token not seen yet, any failure (the error body,
 * its code and `Retry-After` are made in one place only), CORS requests, other methods and a closing server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requestIdOf } from '../observability/request-id.js';
import { recordAnsweredRequest } from '../observability/request-record.js';
import type { SessionService } from '../sessions/session-service.js';
import type { AccessTokenClaims } from '../sessions/token-issuer.js';
import { bearerLookupToken } from './access-token.js';
import { verifiedHeaderPairs } from './verify.js';

export const VERIFY_ROUTE = '/v1/verify';

export interface VerifyFastPathOptions {
  /** Read per request: the session service exists only once the store has been reached. */
  readonly sessions: () => Pick<SessionService, 'verifyCached'>;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
  /**
   * With CORS configured, the cors plugin adds `Vary: Origin` to every answer (caches must key on the origin), so
   * the fast path does too.
   */
  readonly varyOnOrigin: boolean;
  /** True once the server is closing: Fastify then answers 503, so the fast path steps aside. */
  readonly closing: () => boolean;
}

/** Answers the request and returns true, or returns false having touched nothing, for Fastify to handle it. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

function isVerifyUrl(url: string | undefined): boolean {
  return url === VERIFY_ROUTE || url?.startsWith(`${VERIFY_ROUTE}?`) === true;
}

export function createVerifyFastPath(options: VerifyFastPathOptions): FastPath {
  const vary: readonly string[] = options.varyOnOrigin ? ['vary', 'Origin'] : [];
  const observeLatency = options.metrics.requestObserver(VERIFY_ROUTE, 'GET', 204);
  return (request, response) => {
    if (request.method !== 'GET' || !isVerifyUrl(request.url)) return false;
    // CORS headers are the cors plugin's to add.
    if (request.headers.origin !== undefined || options.closing()) return false;
    const started = performance.now();
    let claims: AccessTokenClaims | undefined;
    try {
      claims = options.sessions().verifyCached(bearerLookupToken(request.headers.authorization));
    } catch {
      // Malformed, expired, revoked, the revocation mirror not in sync or the store not reached yet: Fastify's
      // route answers with the error.
      return false;
    }
    if (!claims) return false;
    const requestId = requestIdOf(request.headers);
    try {
      response.writeHead(204, ['x-request-id', requestId, ...vary, ...verifiedHeaderPairs(claims)]);
    } catch (error) {
      // Node refuses a header value it cannot write (ERR_INVALID_CHAR). Thrown here, outside Fastify, it would end
      // the process; nothing was sent, so Fastify answers instead, with its own error handling.
      options.logger.error(
        { requestId, code: (error as { code?: unknown }).code },
        'verify fast path could not write its headers',
      );
      return false;
    }
    response.end();
    recordAnsweredRequest(options.logger, observeLatency, {
      requestId,
      method: 'GET',
      route: VERIFY_ROUTE,
      status: 204,
      elapsedMs: performance.now() - started,
    });
    return true;
  };
}
