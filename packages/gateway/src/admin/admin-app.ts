/**
 * The admin listener's Fastify application: the admin API (sessions, security events) and, with
 * `OPERATIONS_LISTENER=admin`, readiness, metrics and the public API's document. Every request carries a bearer
 * token of `WECOM_AUTH_ADMIN_TOKEN`; one without (unknown paths included, so that the API's shape is not shown to
 * strangers) is answered 401 and recorded as `admin.denied`. It has its own OpenAPI document, at
 * `/admin/v1/openapi.json`.
 */
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from 'fastify';
import { answerAsTheGateway, openApiOfTheGateway, readJsonAsTheGateway, sendError } from '../app.js';
import { answerClientError } from '../client-error.js';
import { GatewayError } from '../gateway-error.js';
import { defaultServerLimits, type ServerLimits, serverFactoryWith } from '../http-server.js';
import { lazyChildLoggerFactory } from '../observability/lazy-request-logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { requestIdOf } from '../observability/request-id.js';
import { operationsRoutes } from '../routes/operations.js';
import { clientContextOf } from '../security-events/client-context.js';
import type { GatewayServices } from '../services.js';
import { adminRoutes } from './admin-routes.js';
import { adminAuthorizer } from './admin-tokens.js';
import { SessionAdministration } from './session-administration.js';

/** What {@link buildAdminApp} needs. */
export interface AdminAppOptions {
  readonly services: GatewayServices;
  readonly metrics: GatewayMetrics;
  readonly logger: FastifyBaseLogger;
  /** The accepted bearer tokens (at least one). */
  readonly tokens: readonly string[];
  /** Request deadlines and the connection cap. Default: the settings' defaults (10 s, 15 s, 5,000). */
  readonly serverLimits?: ServerLimits;
  /**
   * Set with `OPERATIONS_LISTENER=admin`: readiness and metrics are served here, and `/openapi.json` answers the
   * public API's document (the public app's, read when asked).
   */
  readonly operations?: { readonly publicDocument: () => unknown };
  /** The services' clock (epoch ms; default `Date.now`). */
  readonly now?: () => number;
}

/**
 * The admin application, not listening; `startGateway` starts it on `ADMIN_HOST:ADMIN_PORT` when an admin token is
 * configured.
 *
 * @example
 * const admin = await buildAdminApp({ services, metrics, logger, tokens: config.adminTokens });
 * await admin.listen({ host: '127.0.0.1', port: 8081 });
 */
export async function buildAdminApp(options: AdminAppOptions): Promise<FastifyInstance> {
  const { services, metrics } = options;
  const authorize = adminAuthorizer(options.tokens);
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    // The admin listener is reached directly by operators and their tools, never through the public proxy.
    trustProxy: false,
    bodyLimit: 16 * 1024,
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers),
    childLoggerFactory: lazyChildLoggerFactory,
    serverFactory: serverFactoryWith(undefined, options.serverLimits ?? defaultServerLimits),
    clientErrorHandler: answerClientError,
    frameworkErrors: (error, request, reply) => void sendError(error, request, reply as FastifyReply),
  });
  readJsonAsTheGateway(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const authorization = authorize(request.headers.authorization);
    if (authorization === 'granted') return;
    services.events.record({
      type: 'admin.denied',
      reason: authorization === 'missing' ? 'missing_token' : 'wrong_token',
      client: clientContextOf(request),
    });
    reply.header('www-authenticate', 'Bearer realm="wecom-auth-admin"');
    throw new GatewayError(
      'admin_unauthorized',
      'Send an admin token of WECOM_AUTH_ADMIN_TOKEN as "Authorization: Bearer <token>".',
    );
  });
  answerAsTheGateway(app, options.logger, metrics);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'WeCom Auth admin API',
        version: '1',
        description:
          "Operator control of the gateway: one employee's sessions, and the security event log. Served on the admin listener only (ADMIN_HOST:ADMIN_PORT).",
      },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    },
    ...openApiOfTheGateway,
  });
  app.get('/admin/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(adminRoutes, {
    administration: new SessionAdministration({
      store: services.store.sessions,
      sessions: () => services.sessions,
      revocations: services.revocations,
      events: services.events,
      now: options.now ?? Date.now,
    }),
    events: services.store.events,
  });

  const { operations } = options;
  if (operations) {
    await app.register(operationsRoutes, {
      issuer: () => services.issuer,
      store: services.store,
      corps: services.corps,
      revocations: services.revocations,
      metrics,
      parts: 'internal',
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => operations.publicDocument());
  }
  return app;
}
