/**
 * Starts a gateway from a validated configuration: opens the store, builds the WeCom client and the services,
 * listens. In sandbox mode (no credentials) it first starts the sandbox with the demo corp and points everything
 * at it.
 */
import type { AddressInfo } from 'node:net';
import { createWecomClient } from '@wecom-auth/api';
import { openStore, type Store } from '@wecom-auth/store';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildGatewayApp } from './app.js';
import type { GatewayConfig } from './config/load-config.js';
import { createGatewayMetrics } from './observability/metrics.js';
import { createGatewayServices, type GatewayServices } from './services.js';

export interface RunningGateway {
  readonly url: string;
  /** The sandbox's URL in sandbox mode. */
  readonly sandboxUrl: string | undefined;
  readonly mode: GatewayConfig['mode'];
  readonly app: FastifyInstance;
  readonly services: GatewayServices;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Injected for tests; defaults to the store the configuration selects. */
  readonly store?: Store;
  readonly now?: () => number;
}

interface ResolvedUpstream {
  readonly corpId: string;
  readonly secret: string;
  readonly miniProgramAppId: string;
  readonly apiBase: string;
  readonly sandbox: { url: string; close(): Promise<void> } | undefined;
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
  });
  return {
    corpId: DEMO_CORP_ID,
    secret: DEMO_APP.secret,
    miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
    apiBase: sandbox.url,
    sandbox,
  };
}

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const upstream = await resolveUpstream(config, logger);
  const store =
    options.store ??
    openStore(config.redisUrl ? { redisUrl: config.redisUrl } : { sqlitePath: config.dbPath });
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
  const services = await createGatewayServices({
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
  });
  const app = await buildGatewayApp({
    services,
    metrics,
    logger,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    loginRateLimit: config.loginRateLimit,
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    sandboxUrl: upstream.sandbox?.url,
    mode: config.mode,
    app,
    services,
    close() {
      closing ??= (async () => {
        await app.close();
        await services.stop();
        await store.close();
        await upstream.sandbox?.close();
      })();
      return closing;
    },
  };
}
