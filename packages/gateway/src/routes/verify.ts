import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { SessionService } from '../sessions/session-service.js';
import type { AccessTokenClaims } from '../sessions/token-issuer.js';
import { verifyBearer } from './access-token.js';
import { bearerSecurity, errorResponses, noContentSchema } from './schemas.js';

/** The headers of a 204 from `/v1/verify`: who the caller is, for the service behind the proxy. */
export function verifiedHeaders(claims: AccessTokenClaims): Record<string, string> {
  return {
    'x-wecom-userid': claims.userId,
    'x-wecom-corpid': claims.corpId,
    // A proxy must never cache an identity: the next request may carry another token, or this one revoked.
    'cache-control': 'no-store',
  };
}

const headerPairsOfClaims = new WeakMap<AccessTokenClaims, readonly string[]>();

/**
 * {@link verifiedHeaders} as `[name, value, …]` pairs for `ServerResponse.writeHead`, made once per verified token:
 * the claims of a cached token are one object for its whole life, and the fast path answers it many times.
 */
export function verifiedHeaderPairs(claims: AccessTokenClaims): readonly string[] {
  let pairs = headerPairsOfClaims.get(claims);
  if (!pairs) {
    pairs = Object.entries(verifiedHeaders(claims)).flat();
    headerPairsOfClaims.set(claims, pairs);
  }
  return pairs;
}

function answer(reply: FastifyReply, claims: AccessTokenClaims): FastifyReply {
  return reply.code(204).headers(verifiedHeaders(claims)).send();
}

/**
 * `GET /v1/verify`: the forward-auth endpoint (nginx `auth_request`, Traefik `forwardAuth`). It is the hot path, so
 * it has no body schema and verifies from the in-memory caches only. Tokens seen before are usually answered by the
 * fast path in front of Fastify (verify-fast-path.ts); this route answers the rest, failures included.
 */
export const verifyRoutes: FastifyPluginAsync<{
  /** Read per request: the session service exists once the store has been reached. */
  sessions: () => SessionService;
}> = async (app, { sessions }) => {
  app.get(
    '/v1/verify',
    {
      schema: {
        tags: ['forward-auth'],
        summary: 'Verify a Bearer token',
        description: 'Answers 204 with X-WeCom-UserId and X-WeCom-CorpId for a valid token, 401 otherwise.',
        security: bearerSecurity,
        response: { 204: noContentSchema, ...errorResponses(401, 503) },
      },
    },
    // Not async: a token seen before is answered without a promise; a new one waits for its signature check.
    (request, reply) => {
      const claims = verifyBearer(sessions(), request.headers.authorization);
      return claims instanceof Promise
        ? claims.then((verified) => answer(reply, verified))
        : answer(reply, claims);
    },
  );
};
