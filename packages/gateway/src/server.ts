/**
 * Starts a gateway from a validated configuration: opens the store, builds the WeCom client and the services,
 * listens. In sandbox mode (no credentials) it first starts the sandbox with the demo corp and points everything
 * at it. A store that cannot be reached does not stop the start: the gateway listens, `/readyz` answers 503 and
 * the store is retried in the background (see `StoreSupervisor`).
 */
import type { AddressInfo } from 'node:net';
import { createWecomClient } from '@wecom-auth/api';
import type { SandboxControl } from '@wecom-auth/sandbox';
import { openStore, type Store } from '@wecom-auth/store';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildGatewayApp } from './app.js';
import { connectSandboxCallback, resolveCallbackSettings } from './callbacks/callback-wiring.js';
import type { GatewayConfig } from './config/load-config.js';
import { createGatewayMetrics } from './observability/metrics.js';
import { closeRateLimitRedis, createRateLimitRedis } from './rate-limit-redis.js';
import { type GatewayServices, openGatewayServices } from './services.js';
import { type StoreState, StoreSupervisor } from './store-supervisor.js';

export interface RunningGateway {
  readonly url: string;
  /** The sandbox's URL in sandbox mode. */
  readonly sandboxUrl: string | undefined;
  readonly mode: GatewayConfig['mode'];
  readonly app: FastifyInstance;
  readonly services: GatewayServices;
  /** `starting` until the store first answered, then `up` or `down`. */
  storeState(): StoreState;
  close(): Promise<void>;
}

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
}

/**
 * Each Redis call of a request gives up after this long, so a request that needs a lost Redis answers 503 within
 * about 2 s instead of hanging.
 */
const redisCommandTimeoutMs = 1_500;

interface ResolvedUpstream {
  readonly corpId: string;
  readonly secret: string;
  readonly miniProgramAppId: string;
  readonly apiBase: string;
  readonly sandbox: { url: string; control: SandboxControl; close(): Promise<void> } | undefined;
}

async function resolveUpstream(config: GatewayConfig, logger: Logger): Promise<ResolvedUpstream> {
  if (config.credentials) return { ...config.credentials, apiBase: config.apiBase, sandbox: undefined };
  // Loaded only in sandbox mode, so a production deployment never runs emulator code.
  const { createSandbox, DEMO_APP, DEMO_CORP_ID, DEMO_MINI_PROGRAM_APP_ID } = await import(
    '@wecom-auth/sandbox'
  );
  const sandbox = await createSandbox({
    port: config.sandboxPort,
    host: config.host,
    logger: logger.child({ component: 'sandbox' }),
    // The phone-simulator page at the sandbox's `/` talks to this gateway.
    simulator: { gatewayUrl: `http://${urlHost(config.host)}:${config.port}` },
  });
  return {
    corpId: DEMO_CORP_ID,
    secret: DEMO_APP.secret,
    miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
    apiBase: sandbox.url,
    sandbox,
  };
}

/** A host as it appears in a URL (IPv6 in brackets; the wildcard addresses as the loopback a browser can reach). */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function simulatorOrigins(sandboxUrl: string): string[] {
  const { port } = new URL(sandboxUrl);
  return [sandboxUrl, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const upstream = await resolveUpstream(config, logger);
  const store =
    options.store ??
    openStore(
      config.redisUrl
        ? { redisUrl: config.redisUrl, commandTimeoutMs: redisCommandTimeoutMs }
        : { sqlitePath: config.dbPath },
    );
  const metrics = createGatewayMetrics();
  const wecom = createWecomClient({
    corpId: upstream.corpId,
    secret: upstream.secret,
    baseUrl: upstream.apiBase,
    store: store.accessTokens,
    timeoutMs: config.wecomTimeoutMs,
    logger: logger.child({ component: 'wecom' }),
    now,
    onCall: (call) => metrics.wecomCall(call),
    onTokenFetch: (outcome) => metrics.tokenFetch(outcome),
  });
  const services = openGatewayServices({
    settings: {
      corpId: upstream.corpId,
      secret: upstream.secret,
      miniProgramAppId: upstream.miniProgramAppId,
      dataKey: config.dataKey,
      issuer: config.issuer,
      audience: config.audience,
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
      profileCacheTtl: config.profileCacheTtl,
    },
    store,
    wecom,
    logger,
    metrics,
    now,
    ...(options.keyCheckIntervalMs === undefined ? {} : { keyCheckIntervalMs: options.keyCheckIntervalMs }),
  });
  // Login limits are counted in Redis when there is one, so they hold across every instance.
  const rateLimitRedis = config.redisUrl ? createRateLimitRedis(config.redisUrl) : undefined;
  const callback = resolveCallbackSettings(config, upstream.corpId, upstream.sandbox !== undefined);
  const app = await buildGatewayApp({
    services,
    metrics,
    logger,
    trustProxy: config.trustProxy,
    // In sandbox mode the phone-simulator page (another origin: the sandbox) calls the gateway from the browser.
    corsOrigins: upstream.sandbox
      ? [...config.corsOrigins, ...simulatorOrigins(upstream.sandbox.url)]
      : config.corsOrigins,
    loginRateLimit: config.loginRateLimit,
    ...(rateLimitRedis ? { rateLimitRedis } : {}),
    ...(callback ? { callback } : {}),
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
  if (callback && upstream.sandbox) {
    await connectSandboxCallback(
      upstream.sandbox.control,
      `http://${host}:${address.port}`,
      callback,
      logger,
    );
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    sandboxUrl: upstream.sandbox?.url,
    mode: config.mode,
    app,
    services,
    storeState: () => supervisor.state,
    close() {
      closing ??= (async () => {
        await supervisor.stop();
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
