/**
 * The gateway's Fastify application: each area an encapsulated plugin, one error envelope, one log line per request.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { WecomApiError } from '@wecom-auth/api';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { CallbackSettings } from './callbacks/callback-settings.js';
import { ContactChangeApplier } from './callbacks/contact-change-applier.js';
import { SuiteInstructionApplier } from './callbacks/suite-instruction-applier.js';
import { answerClientError } from './client-error.js';
import { CorpLoginBudget } from './edge/corp-login-budget.js';
import { LoginGuard } from './edge/login-guard.js';
import { GatewayError } from './gateway-error.js';
import { toHttpError } from './http-errors.js';
import { defaultServerLimits, type ServerLimits, serverFactoryWith } from './http-server.js';
import { lazyChildLoggerFactory } from './observability/lazy-request-logger.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { requestIdOf } from './observability/request-id.js';
import { recordAnsweredRequest } from './observability/request-record.js';
import { decorateAccessToken } from './routes/access-token.js';
import { callbackRoutes } from './routes/callback.js';
import { meRoutes } from './routes/me.js';
import { operationsRoutes } from './routes/operations.js';
import { sessionRoutes } from './routes/sessions.js';
import { type SuiteCallbackSettings, suiteCallbackRoutes } from './routes/suite-callback.js';
import { verifyRoutes } from './routes/verify.js';
import { createVerifyFastPath } from './routes/verify-fast-path.js';
import type { GatewayServices } from './services.js';
import type { SessionService } from './sessions/session-service.js';
import { isSuiteTenants } from './tenants/suite-tenants.js';

/** What {@link buildGatewayApp} needs: the services and how the HTTP side behaves. */
export interface GatewayAppOptions {
  /** The started (or starting) services; requests that need the store answer 503 until they have started. */
  readonly services: GatewayServices;
  readonly metrics: GatewayMetrics;
  /** A pino logger (pino's `Logger` satisfies Fastify's logger interface). */
  readonly logger: FastifyBaseLogger;
  /**
   * Whom to believe about the client address in `X-Forwarded-For` (Fastify's `trustProxy`): all or no peers, a number
   * of proxy hops, or the proxies' addresses/CIDRs.
   */
  readonly trustProxy: boolean | number | readonly string[];
  /** Origins allowed by CORS; CORS is off when empty. */
  readonly corsOrigins: readonly string[];
  /** Logins per minute from one client address. */
  readonly loginRateLimit: number;
  /**
   * A Redis client for rate-limit and login-budget counters shared across instances (an ioredis client);
   * in-process counters otherwise.
   */
  readonly rateLimitRedis?: unknown;
  /**
   * Logins a minute and an hour one corp may send to WeCom (see `edge/corp-login-budget.ts`). Default 6,000 / 100,000.
   */
  readonly loginBudget?: { readonly perMinute: number; readonly perHour: number };
  /** Request deadlines and the connection cap. Default: the settings' defaults (10 s, 15 s, 5,000). */
  readonly serverLimits?: ServerLimits;
  /**
   * Whether `/readyz`, `/metrics`, `/openapi.json` and `/docs` are served here (the default), or left to the admin
   * listener (`OPERATIONS_LISTENER=admin`), which then serves this app's document.
   */
  readonly operationsOnPublicPort?: boolean;
  /**
   * The WeCom contact-change callbacks of the corps that have one: `/v1/callback/{corpId}` for each, and
   * `/v1/callback` for the default corp. No callback routes when empty or absent.
   */
  readonly callbacks?: readonly CallbackSettings[];
  /**
   * A third-party app's instruction callback (`/v1/suite/callback`), when the tenants are a suite's installs.
   */
  readonly suiteCallback?: SuiteCallbackSettings;
  /**
   * The clock of the services (epoch ms; default `Date.now`). The callbacks judge a timestamp's age by it, and an
   * event reaches only the sessions created before it was received, so it must be the clock the sessions are
   * stamped with.
   */
  readonly now?: () => number;
  /**
   * How often the callbacks' recorded events that failed to apply are tried again (and those other instances
   * recorded are looked for). Default 5000 ms.
   */
  readonly callbackRetryIntervalMs?: number;
}

/** The header of `/docs`: the product's name where swagger-ui shows its own logo. */
const docsLogo =
  '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40" viewBox="0 0 240 40">' +
  '<text x="0" y="28" font-family="sans-serif" font-size="22" font-weight="bold" fill="#ffffff">WeCom Auth gateway</text>' +
  '</svg>';

/** Every error answer: the stable envelope, `Retry-After` where the error has one; bugs logged with their stack. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const httpError = toHttpError(error);
  if (httpError.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
  // WeCom's own text (its hint id and the egress address the answer leaves out) is the operator's.
  if (httpError.wecom && httpError.cause instanceof WecomApiError) {
    const { errcode, errmsg, apiPath } = httpError.cause;
    request.log.warn({ wecom: { errcode, errmsg }, apiPath }, 'WeCom refused a call');
  }
  if (httpError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(httpError.retryAfterSeconds));
  return reply.code(httpError.statusCode).send({
    error: httpError.code,
    message: httpError.message,
    requestId: request.id,
    ...(httpError.wecom ? { wecom: httpError.wecom } : {}),
    ...(httpError.corpId === undefined ? {} : { corpId: httpError.corpId }),
  });
}

/**
 * How every listener of the gateway documents its routes: `@fastify/swagger`'s `transform` and `transformObject` for
 * the zod schemas. The schemas with an id (the error body) become named components that the operations reference;
 * the error body is only ever answered, so its request-side twin is not part of the API.
 */
export const openApiOfTheGateway: Pick<FastifyDynamicSwaggerOptions, 'transform' | 'transformObject'> = {
  transform: jsonSchemaTransform,
  transformObject: (input) => {
    const document = jsonSchemaTransformObject(input) as {
      components?: { schemas?: Record<string, unknown> };
    };
    delete document.components?.schemas?.ErrorBodyInput;
    return document as ReturnType<typeof jsonSchemaTransformObject>;
  },
};

/**
 * How every listener of the gateway reads and writes JSON: the zod schemas validate and serialize, and an empty JSON
 * body is no body (wx.request sends `content-type: application/json` on every call, bodiless DELETEs included).
 * Anything else goes to Fastify's own parser (prototype-poisoning safe).
 */
export function readJsonAsTheGateway(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, body.toString(), done);
  });
}

/**
 * What every listener of the gateway does with what it answers: one log line and one latency observation per
 * request, the one error envelope, and `404 not_found` for a path it does not serve.
 */
export function answerAsTheGateway(
  app: FastifyInstance,
  logger: FastifyBaseLogger,
  metrics: Pick<GatewayMetrics, 'requestObserver'>,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const observeLatency = metrics.requestObserver(route, request.method, reply.statusCode);
    recordAnsweredRequest(logger, observeLatency, {
      requestId: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      elapsedMs: reply.elapsedTime,
    });
    done();
  });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'No such endpoint.', requestId: request.id }),
  );
}

/**
 * Fastify's `trustProxy` for our setting. Fastify ignores a bare hop count (it cannot tell a proxy from a client
 * that sends enough forged hops), so a count becomes the trust function Express uses: the nearest `hops` peers are
 * proxies. That is right only when every request comes through them; the address list is the form that holds when
 * clients can also reach the gateway directly.
 */
function fastifyTrustProxy(
  trustProxy: GatewayAppOptions['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return typeof trustProxy === 'boolean' ? trustProxy : [...trustProxy];
}

/**
 * The gateway's Fastify application, not listening: the routes, the error envelope, rate limits, CORS, OpenAPI at
 * `/openapi.json` and `/docs`. {@link startGateway} builds one from a configuration; build your own to embed the
 * gateway in a process that already holds the services.
 *
 * @example
 * const app = await buildGatewayApp({ services, metrics: createGatewayMetrics(), logger, trustProxy: false,
 *   corsOrigins: [], loginRateLimit: 600 });
 * await app.listen({ port: 8080 });
 */
export async function buildGatewayApp(options: GatewayAppOptions): Promise<FastifyInstance> {
  let closing = false;
  const { services, metrics } = options;
  const sessions = (): SessionService => services.sessions;
  const verifyFastPath = createVerifyFastPath({
    sessions,
    metrics,
    logger: options.logger,
    varyOnOrigin: options.corsOrigins.length > 0,
    closing: () => closing,
  });
  const app = Fastify({
    loggerInstance: options.logger,
    // Fastify's two lines per request are replaced by the one line of the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: fastifyTrustProxy(options.trustProxy),
    bodyLimit: 128 * 1024,
    // genReqId reads X-Request-Id itself, so that a malformed one (log injection) is replaced, not trusted.
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers),
    routerOptions: { maxParamLength: 200 },
    childLoggerFactory: lazyChildLoggerFactory,
    serverFactory: serverFactoryWith(verifyFastPath, options.serverLimits ?? defaultServerLimits),
    clientErrorHandler: answerClientError,
    // A path that does not decode is refused by the router before any route or error handler runs.
    // The reply's generic type is the route's; here there is no route, so it is the plain reply.
    frameworkErrors: (error, request, reply) => void sendError(error, request, reply as FastifyReply),
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  readJsonAsTheGateway(app);

  // Callback-style hooks: these run on every request, /v1/verify included, and need no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  answerAsTheGateway(app, options.logger, metrics);

  if (options.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...options.corsOrigins], methods: ['GET', 'POST', 'DELETE'] });
  }
  await app.register(rateLimit, {
    global: false,
    // With Redis the counters are shared by every instance. When Redis is away the limiter is skipped, not the
    // request failed: the requests that need the store answer 503 by themselves.
    ...(options.rateLimitRedis
      ? { redis: options.rateLimitRedis, nameSpace: 'wecom-auth:ratelimit:', skipOnError: true }
      : {}),
    errorResponseBuilder: (_request, context) =>
      new GatewayError(
        'rate_limited',
        `Too many logins from this address; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        {
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        },
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'WeCom Auth gateway',
        version: '1',
        description: 'Turns a wx.qy.login code into an employee and the app’s own session.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    ...openApiOfTheGateway,
  });
  const operationsHere = options.operationsOnPublicPort ?? true;
  if (operationsHere) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // The product, not the framework: its name in the title and header, the document it serves.
      uiConfig: { url: '/openapi.json' },
      logo: { type: 'image/svg+xml', content: Buffer.from(docsLogo) },
      theme: { title: 'WeCom Auth gateway' },
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }

  // Each area gets what it uses. The session service and the issuer are read per request: they exist only once
  // the store has been reached, and until then the services answer 503 store_unavailable.
  decorateAccessToken(app);
  const guard = new LoginGuard({
    corps: services.corps,
    budget: new CorpLoginBudget({
      perMinute: options.loginBudget?.perMinute ?? 6_000,
      perHour: options.loginBudget?.perHour ?? 100_000,
      redis: options.rateLimitRedis as ConstructorParameters<typeof CorpLoginBudget>[0]['redis'],
      now: options.now ?? Date.now,
    }),
    events: services.events,
    metrics,
  });
  await app.register(sessionRoutes, { sessions, loginRateLimit: options.loginRateLimit, guard });
  await app.register(meRoutes, { sessions, directory: services.directory, events: services.events });
  await app.register(verifyRoutes, { sessions });
  await app.register(operationsRoutes, {
    issuer: () => services.issuer,
    store: services.store,
    corps: services.corps,
    revocations: services.revocations,
    metrics,
    parts: operationsHere ? 'all' : 'public',
  });
  const retryInterval =
    options.callbackRetryIntervalMs === undefined ? {} : { retryIntervalMs: options.callbackRetryIntervalMs };
  if (options.callbacks && options.callbacks.length > 0) {
    await app.register(callbackRoutes, {
      store: services.store,
      directory: services.directory,
      revocations: services.revocations,
      callbacks: options.callbacks,
      defaultCorpId: services.corps.defaultCorpId,
      events: services.events,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...retryInterval,
    });
  }
  const tenants = services.corps;
  if (options.suiteCallback && isSuiteTenants(tenants)) {
    const now = options.now ?? Date.now;
    await app.register(suiteCallbackRoutes, {
      settings: options.suiteCallback,
      store: services.store,
      applier: new SuiteInstructionApplier({
        tenants,
        suites: services.store.suites,
        sessions: services.store.sessions,
        accessTokens: services.store.accessTokens,
        sealer: services.sealer,
        contacts: new ContactChangeApplier({
          sessions: services.store.sessions,
          directory: services.directory,
          revocations: services.revocations,
          now,
          events: services.events,
        }),
        now,
        events: services.events,
      }),
      now,
      ...retryInterval,
    });
  }
  return app;
}
