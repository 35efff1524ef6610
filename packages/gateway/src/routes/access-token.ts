/**
 * The access token of a request, read the HTTP way: from `Authorization: Bearer …`. Routes that need a logged-in
 * employee add {@link requireAccessToken} as a preHandler and read the verified claims with {@link accessTokenOf};
 * the session service itself only ever sees a token.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { GatewayError } from '../gateway-error.js';
import type { SessionService } from '../sessions/session-service.js';
import type { AccessTokenClaims } from '../sessions/token-issuer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The claims of the request's verified, unrevoked access token. Set by {@link requireAccessToken} on the routes
     * that use it; `null` on every other route.
     */
    accessToken: AccessTokenClaims | null;
  }
}

/** The token of an `Authorization: Bearer …` header; `unauthorized` when there is none or it is malformed. */
export function parseBearer(authorization: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9_\-.]{10,4096})$/i.exec(authorization?.trim() ?? '');
  if (!match?.[1]) {
    throw new GatewayError('unauthorized', 'Send the access token as "Authorization: Bearer <token>".');
  }
  return match[1];
}

/**
 * The token to look up among the tokens already verified. The usual form of the header is sliced as it is: the
 * Bearer parse (a regular expression over a token of some 330 characters) was most of the cost of a cached
 * verification, and a token in the cache was parsed when it was first seen, so a malformed one can only miss. Any
 * other form goes through {@link parseBearer}, which refuses what is malformed.
 */
export function bearerLookupToken(authorization: string | undefined): string {
  return authorization?.startsWith('Bearer ')
    ? authorization.slice('Bearer '.length)
    : parseBearer(authorization);
}

/** The claims of the request's access token: from the verified tokens when seen before, else fully verified. */
export function verifyBearer(
  sessions: SessionService,
  authorization: string | undefined,
): AccessTokenClaims | Promise<AccessTokenClaims> {
  const cached = sessions.verifyCached(bearerLookupToken(authorization));
  return cached ?? sessions.verify(parseBearer(authorization));
}

/** Declares `request.accessToken` on the app; once, before the routes that use {@link requireAccessToken}. */
export function decorateAccessToken(app: FastifyInstance): void {
  app.decorateRequest('accessToken', null);
}

/**
 * A preHandler that refuses a request without a valid, unrevoked access token (401, or 503 while the store is
 * unreachable) and puts its claims on `request.accessToken`.
 *
 * @param sessions - read per request: the session service exists once the store has been reached.
 * @example
 * app.get('/v1/me', { preHandler: requireAccessToken(() => services.sessions) }, (request) => request.accessToken);
 */
export function requireAccessToken(sessions: () => SessionService): preHandlerAsyncHookHandler {
  return async (request) => {
    request.accessToken = await verifyBearer(sessions(), request.headers.authorization);
  };
}

/** The claims {@link requireAccessToken} put on the request; a route without that preHandler is a bug (500). */
export function accessTokenOf(request: FastifyRequest): AccessTokenClaims {
  if (request.accessToken === null)
    throw new Error(`${request.url}: route lacks the requireAccessToken preHandler`);
  return request.accessToken;
}
