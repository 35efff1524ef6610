/**
 * Wires the gateway's services from its configuration, a store and a WeCom client. Kept apart from the HTTP layer
 * so the services can be driven directly (the CLI's key rotation, tests).
 */
import type { WecomClient } from '@wecom-auth/api';
import type { Store } from '@wecom-auth/store';
import type { Logger } from 'pino';
import { EmployeeDirectory } from './employees/employee-directory.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { createDataSealer, deriveDataKey } from './sessions/data-sealer.js';
import { RevocationMirror } from './sessions/revocation-mirror.js';
import { SessionService } from './sessions/session-service.js';
import { TokenIssuer } from './sessions/token-issuer.js';

/** The settings the services need, with the WeCom credentials resolved (sandbox mode fills in the demo app). */
export interface ServiceSettings {
  readonly corpId: string;
  readonly secret: string;
  readonly miniProgramAppId: string;
  readonly dataKey: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly profileCacheTtl: number;
}

export interface GatewayServices {
  readonly sessions: SessionService;
  readonly directory: EmployeeDirectory;
  readonly issuer: TokenIssuer;
  readonly revocations: RevocationMirror;
  readonly store: Store;
  readonly wecom: WecomClient;
  stop(): Promise<void>;
}

export async function createGatewayServices(input: {
  settings: ServiceSettings;
  store: Store;
  wecom: WecomClient;
  logger: Logger;
  metrics: GatewayMetrics;
  now: () => number;
}): Promise<GatewayServices> {
  const { settings, store, wecom, logger, metrics, now } = input;
  const sealer = createDataSealer(
    deriveDataKey({ configuredKey: settings.dataKey, secret: settings.secret }),
  );
  const issuer = await TokenIssuer.create({
    keys: store.signingKeys,
    sealer,
    issuer: settings.issuer,
    audience: settings.audience,
    ttlSeconds: settings.accessTokenTtl,
    now,
  });
  const revocations = new RevocationMirror({
    sessions: store.sessions,
    now,
    horizonMs: settings.accessTokenTtl * 1000,
    onError: (error) => logger.error({ err: error }, 'revocation resync failed'),
  });
  await revocations.start();
  const directory = new EmployeeDirectory({
    wecom,
    cache: store.cache,
    profileTtlMs: settings.profileCacheTtl * 1000,
    disclosedTtlMs: settings.refreshTokenTtl * 1000,
    onWarning: (object, message) => logger.warn(object, message),
  });
  const sessions = new SessionService({
    corpId: settings.corpId,
    miniProgramAppId: settings.miniProgramAppId,
    wecom,
    directory,
    sessions: store.sessions,
    issuer,
    revocations,
    sealer,
    refreshTtlSeconds: settings.refreshTokenTtl,
    now,
    onLogin: (outcome) => metrics.login(outcome),
  });
  const sweeper = setInterval(() => {
    revocations.prune();
    metrics.revocationMirrorSize(revocations.size);
    store.sessions
      .deleteExpired(now())
      .catch((error: unknown) => logger.warn({ err: error }, 'session sweep failed'));
  }, 60_000);
  sweeper.unref();
  return {
    sessions,
    directory,
    issuer,
    revocations,
    store,
    wecom,
    async stop() {
      clearInterval(sweeper);
      await revocations.stop();
    },
  };
}
