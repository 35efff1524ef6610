import type { Store } from '@wecom-auth/store';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { RevocationMirror } from '../sessions/revocation-mirror.js';
import type { TokenIssuer } from '../sessions/token-issuer.js';
import type { Tenants } from '../tenants/tenants.js';
import { errorResponses, healthSchema, jwksSchema, plainTextSchema, readinessSchema } from './schemas.js';

/** The public keys and liveness: on the public port whatever `OPERATIONS_LISTENER` says. */
function publicOperations(app: FastifyInstance, issuer: OperationsRoutesOptions['issuer']): void {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['discovery'],
        summary: 'Public keys of the access tokens',
        // 503 until the store has been reached: the keys live there.
        response: { 200: jwksSchema, ...errorResponses(503) },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(issuer().jwks()),
  );

  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: healthSchema } } },
    async () => ({ status: 'ok' as const }),
  );
}

export interface OperationsRoutesOptions {
  /** Read per request: the issuer exists once the store has been reached. */
  readonly issuer: () => Pick<TokenIssuer, 'jwks'>;
  readonly store: Pick<Store, 'kind' | 'ping'>;
  /** The tenants: readiness shows their part (each corp's WeCom token state, or the suite's; never a token). */
  readonly corps: Pick<Tenants, 'readiness'>;
  readonly revocations: Pick<RevocationMirror, 'ready'>;
  readonly metrics: GatewayMetrics;
  /**
   * `all` (default); `public`: the public keys and liveness only; `internal`: readiness and metrics only (the admin
   * listener's share when `OPERATIONS_LISTENER=admin`).
   */
  readonly parts?: 'all' | 'public' | 'internal';
}

/** Health, readiness, metrics and the public keys. */
export const operationsRoutes: FastifyPluginAsync<OperationsRoutesOptions> = async (
  app,
  { issuer, store: sessionStore, corps, revocations, metrics, parts = 'all' },
) => {
  if (parts !== 'internal') publicOperations(app, issuer);
  if (parts === 'public') return;

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: store reachable, revocations in sync, tenants able to log in',
        response: { 200: readinessSchema, 503: readinessSchema, ...errorResponses() },
      },
    },
    async (_request, reply) => {
      let store: 'ok' | 'unavailable' = 'ok';
      try {
        await sessionStore.ping();
      } catch {
        store = 'unavailable';
      }
      const { ready: tenantsReady, ...tenants } = await corps.readiness();
      const ready = store === 'ok' && revocations.ready && tenantsReady;
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        store: { kind: sessionStore.kind, status: store },
        revocations: revocations.ready ? 'in_sync' : 'resyncing',
        ...tenants,
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: plainTextSchema.describe('The Prometheus text exposition format.') },
      },
    },
    async (_request, reply) =>
      reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
