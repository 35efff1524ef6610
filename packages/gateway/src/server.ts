/**
 * Starts a gateway from a validated configuration: opens the store, builds the WeCom client and the services,
 * listens. In sandbox mode (no credentials) `sandbox-mode.ts` first starts the sandbox with the demo corp and
 * everything points at it. A store that cannot be reached does not stop the start: the gateway listens, `/readyz`
 * answers 503 and the store is retried in the background (see `StoreSupervisor`).
 */
import type { AddressInfo } from 'node:net';
import { createSuiteClient, createWecomClient } from '@wecom-auth/api';
import { openStore, type Store } from '@wecom-auth/store';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildAdminApp } from './admin/admin-app.js';
import { generateAdminToken } from './admin/admin-tokens.js';
import { buildGatewayApp } from './app.js';
import { callbackSettingsOf } from './callbacks/callback-settings.js';
import { dataKeyringOf, hasConfiguredFallbacks } from './config/data-keys.js';
import type { GatewayConfig } from './config/load-config.js';
import { redisConnectionOf, storeConfigFrom } from './config/store-config.js';
import { createGatewayMetrics } from './observability/metrics.js';
import { closeRateLimitRedis, createRateLimitRedis } from './rate-limit-redis.js';
import { resolveUpstream, suiteKeySource } from './sandbox-mode.js';
import { type GatewayServices, openGatewayServices } from './services.js';
import type { DataSealer } from './sessions/data-sealer.js';
import { type StoreState, StoreSupervisor } from './store-supervisor.js';
import { createCorpClients } from './tenants/corp-clients.js';
import { storedSuiteTicket } from './tenants/stored-suite-ticket.js';
import { createSuiteTenants } from './tenants/suite-tenants.js';
import type { Tenants } from './tenants/tenants.js';

/** A gateway listening, as {@link startGateway} returns it. */
export interface RunningGateway {
  readonly url: string;
  /** The sandbox's URL in sandbox mode. */
  readonly sandboxUrl: string | undefined;
  readonly mode: GatewayConfig['mode'];
  readonly app: FastifyInstance;
  /** The admin listener's URL; undefined when no admin token is configured (it does not start then). */
  readonly adminUrl: string | undefined;
  /** The admin listener's application, when it runs. */
  readonly adminApp: FastifyInstance | undefined;
  /** In sandbox mode without a configured admin token: the one generated at start, to print. Secret. */
  readonly generatedAdminToken: string | undefined;
  readonly services: GatewayServices;
  /** `starting` until the store first answered, then `up` or `down`. */
  storeState(): StoreState;
  close(): Promise<void>;
}

/** What {@link startGateway} needs: a validated configuration and a logger; the rest is for tests. */
export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Injected for tests; defaults to the store the configuration selects. */
  readonly store?: Store;
  readonly now?: () => number;
  /** How often the store is checked (and, while it is unreachable at start, retried). Default 1000 ms. */
  readonly storeCheckIntervalMs?: number;
  /** How often the signing keys are checked for a rotation made elsewhere. Default 5000 ms. */
  readonly keyCheckIntervalMs?: number;
  /** How often callback events that failed to apply are tried again. Default 5000 ms. */
  readonly callbackRetryIntervalMs?: number;
}

/**
 * Starts the gateway a configuration describes, in sandbox mode when it has no WeCom credentials.
 *
 * @example
 * const config = loadConfig({ env: process.env });
 * const gateway = await startGateway({ config, logger: createLogger({ level: config.logLevel }) });
 * console.log(`listening on ${gateway.url}`);
 * // later
 * await gateway.close();
 */
export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const upstream = await resolveUpstream(config, logger);
  const store = options.store ?? openStore(storeConfigFrom(config));
  const metrics = createGatewayMetrics();
  const wecomSettings = {
    baseUrl: upstream.apiBase,
    store: store.accessTokens,
    timeoutMs: config.wecomTimeoutMs,
    now,
    onCall: (call: Parameters<typeof metrics.wecomCall>[0]) => metrics.wecomCall(call),
  };
  const { suite } = upstream;
  // Self-built apps: one client, so one token manager, per configured corp, created on its first login or
  // callback. A third-party app: one suite client, and a client per installed corp made from its permanent code.
  const corps: Tenants | ((sealer: DataSealer) => Tenants) =
    suite === undefined
      ? createCorpClients(upstream.corps, (corp) =>
          createWecomClient({
            ...wecomSettings,
            corpId: corp.corpId,
            secret: corp.secret,
            logger: logger.child({ component: 'wecom', corpId: corp.corpId }),
            onTokenFetch: (outcome) => metrics.tokenFetch({ ...outcome, corpId: corp.corpId }),
          }),
        )
      : (sealer) =>
          createSuiteTenants({
            suite: createSuiteClient({
              ...wecomSettings,
              suiteId: suite.suiteId,
              suiteSecret: suite.suiteSecret,
              tickets: storedSuiteTicket({ suiteId: suite.suiteId, suites: store.suites, now }),
              logger: logger.child({ component: 'wecom', suiteId: suite.suiteId }),
              onTokenFetch: (outcome) => metrics.tokenFetch({ ...outcome, corpId: 'suite' }),
            }),
            suites: store.suites,
            sealer,
            now,
            onError: (error) =>
              logger.warn({ code: (error as { code?: unknown }).code }, 'suite installs resync failed'),
          });
  const dataKeySettings = {
    dataKey: config.dataKey,
    dataKeyFallbacks: config.dataKeyFallbacks,
    // A third-party app's data key derives from its suite secret, a self-built app's from its corps' secrets.
    corps: suite === undefined ? upstream.corps : [suiteKeySource(suite)],
  };
  const dataKeySecret = dataKeySettings.corps[0]?.secret;
  if (dataKeySecret === undefined) throw new TypeError('at least one corp or a suite is required');
  const services = openGatewayServices({
    settings: {
      dataKeySecret,
      miniProgramAppId: upstream.miniProgramAppId,
      dataKey: config.dataKey,
      dataKeyring: dataKeyringOf(dataKeySettings),
      dataKeyRotationUnderWay: hasConfiguredFallbacks(dataKeySettings),
      issuer: config.issuer,
      audience: config.audience,
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
      loginRetryWindow: config.loginRetryWindow,
      refreshReuseInterval: config.refreshReuseInterval,
      profileCacheTtl: config.profileCacheTtl,
      disclosureWindow: {
        maxAgeSeconds: config.decryptMaxAge,
        maxFutureSkewSeconds: config.decryptMaxFutureSkew,
      },
      eventLog: { retentionDays: config.eventRetentionDays, maxEntries: config.eventLogMaxEntries },
    },
    store,
    corps,
    logger,
    metrics,
    now,
    ...(options.keyCheckIntervalMs === undefined ? {} : { keyCheckIntervalMs: options.keyCheckIntervalMs }),
  });
  // Login limits are counted in Redis when there is one, so they hold across every instance.
  const redisConnection = redisConnectionOf(config);
  const rateLimitRedis = redisConnection ? createRateLimitRedis(redisConnection) : undefined;
  const callbacks = callbackSettingsOf(upstream.corps, config.callbackMaxAge);
  // Sandbox mode needs no configuration to show the admin API: it makes a token up and prints it.
  const generatedAdminToken =
    config.adminTokens.length === 0 && upstream.sandbox ? generateAdminToken() : undefined;
  const adminTokens = generatedAdminToken === undefined ? config.adminTokens : [generatedAdminToken];
  const operationsOnAdmin = config.operationsListener === 'admin' && adminTokens.length > 0;
  const serverLimits = {
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxConnections: config.maxConnections,
  };
  const app = await buildGatewayApp({
    services,
    metrics,
    logger,
    trustProxy: config.trustProxy,
    corsOrigins: [...config.corsOrigins, ...(upstream.sandbox?.corsOrigins ?? [])],
    loginRateLimit: config.loginRateLimit,
    ...(rateLimitRedis ? { rateLimitRedis } : {}),
    loginBudget: { perMinute: config.loginCorpBudgetPerMinute, perHour: config.loginCorpBudgetPerHour },
    serverLimits,
    operationsOnPublicPort: !operationsOnAdmin,
    callbacks,
    ...(suite === undefined
      ? {}
      : {
          suiteCallback: {
            suiteId: suite.suiteId,
            token: suite.token,
            encodingAESKey: suite.encodingAESKey,
            maxAgeSeconds: config.callbackMaxAge,
          },
        }),
    now,
    ...(options.callbackRetryIntervalMs === undefined
      ? {}
      : { callbackRetryIntervalMs: options.callbackRetryIntervalMs }),
  });
  const adminApp =
    adminTokens.length === 0
      ? undefined
      : await buildAdminApp({
          services,
          metrics,
          logger: logger.child({ listener: 'admin' }),
          tokens: adminTokens,
          serverLimits,
          ...(operationsOnAdmin ? { operations: { publicDocument: () => app.swagger() } } : {}),
          now,
        });
  const supervisor = new StoreSupervisor({
    services,
    logger: logger.child({ component: 'store' }),
    ...(options.storeCheckIntervalMs === undefined ? {} : { intervalMs: options.storeCheckIntervalMs }),
  });
  // The first attempt is awaited so a healthy gateway is ready when it starts listening; a failed one is retried.
  try {
    await supervisor.start();
  } catch (error) {
    await services.stop();
    if (rateLimitRedis) await closeRateLimitRedis(rateLimitRedis);
    await store.close();
    await upstream.sandbox?.close();
    throw error;
  }
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let adminUrl: string | undefined;
  if (adminApp) {
    try {
      await adminApp.listen({ port: config.adminPort, host: config.adminHost });
    } catch (error) {
      await app.close();
      await services.stop();
      if (rateLimitRedis) await closeRateLimitRedis(rateLimitRedis);
      await store.close();
      await upstream.sandbox?.close();
      throw error;
    }
    adminUrl = listenUrl(adminApp.server.address() as AddressInfo);
  }
  if (upstream.sandbox) await upstream.sandbox.connectCallbacks(`http://${host}:${address.port}`, callbacks);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    sandboxUrl: upstream.sandbox?.url,
    mode: config.mode,
    app,
    adminUrl,
    adminApp,
    generatedAdminToken,
    services,
    storeState: () => supervisor.state,
    close() {
      closing ??= (async () => {
        await supervisor.stop();
        await adminApp?.close();
        await app.close();
        await services.stop();
        if (rateLimitRedis) await closeRateLimitRedis(rateLimitRedis);
        await store.close();
        await upstream.sandbox?.close();
      })();
      return closing;
    },
  };
}

/** The URL of a listening address (IPv6 in brackets). */
function listenUrl(address: AddressInfo): string {
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}
