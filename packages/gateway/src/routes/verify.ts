import type { FastifyPluginAsync } from 'fastify';
import type { GatewayServices } from '../services.js';

/**
 * `GET /v1/verify`: the forward-auth endpoint (nginx `auth_request`, Traefik `forwardAuth`). It is the hot path, so
 * it has no body schema and verifies from the in-memory caches only.
 */
export const verifyRoutes: FastifyPluginAsync<{ services: GatewayServices }> = async (app, { services }) => {
  app.get(
    '/v1/verify',
    {
      schema: {
        tags: ['forward-auth'],
        summary: 'Verify a Bearer token',
        description: 'Answers 204 with X-WeCom-UserId and X-WeCom-CorpId for a valid token, 401 otherwise.',
        security: [{ bearerAuth: [] }],
      },
    },
    async (request, reply) => {
      const claims = await services.sessions.verify(request.headers.authorization);
      return reply
        .code(204)
        .header('x-wecom-userid', claims.userId)
        .header('x-wecom-corpid', claims.corpId)
        .header('cache-control', 'no-store')
        .send();
    },
  );
};
