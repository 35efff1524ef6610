import type { FastifyPluginAsync } from 'fastify';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { GatewayServices } from '../services.js';

/** Health, readiness, metrics and the public keys. */
export const operationsRoutes: FastifyPluginAsync<{
  services: GatewayServices;
  metrics: GatewayMetrics;
}> = async (app, { services, metrics }) => {
  app.get(
    '/.well-known/jwks.json',
    { schema: { tags: ['discovery'], summary: 'Public keys of the access tokens' } },
    async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(services.issuer.jwks()),
  );

  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness: store reachable, revocations in sync' } },
    async (_request, reply) => {
      let store: 'ok' | 'unavailable' = 'ok';
      try {
        await services.store.ping();
      } catch {
        store = 'unavailable';
      }
      const token = services.wecom.status();
      const ready = store === 'ok' && services.revocations.ready;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        store: { kind: services.store.kind, status: store },
        revocations: services.revocations.ready ? 'in_sync' : 'resyncing',
        wecomAccessToken: {
          fresh: token.fresh,
          refreshing: token.refreshing,
          consecutiveFailures: token.consecutiveFailures,
        },
      });
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_request, reply) =>
      reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
