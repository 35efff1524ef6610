/**
 * Wires the gateway's services from its configuration, a store and a WeCom client. Kept apart from the HTTP layer
 * so the services can be driven directly (the CLI's key rotation, tests).
 *
 * The parts that read the store at start (signing keys, the revocation mirror) are loaded by {@link
 * GatewayServices.start}, which a server retries in the background: a gateway whose store is down still listens,
 * reports not-ready and answers 503 until the store comes back.
 */
import type { SigningKeyRecord, Store } from '@wecom-auth/store';
import type { Logger } from 'pino';
import { EmployeeDirectory } from './employees/employee-directory.js';
import { GatewayError } from './gateway-error.js';
import type { GatewayMetrics } from './observability/metrics.js';
import { SecurityEventRecorder } from './security-events/security-event-recorder.js';
import { DataKeyUpkeep } from './sessions/data-key-upkeep.js';
import { createDataKeyring, type DataKeyring } from './sessions/data-keyring.js';
import { type DataSealer, deriveDataKey } from './sessions/data-sealer.js';
import { resealableKindsOf } from './sessions/resealable-records.js';
import { RevocationMirror } from './sessions/revocation-mirror.js';
import { SessionService } from './sessions/session-service.js';
import { TokenIssuer } from './sessions/token-issuer.js';
import { isSuiteTenants } from './tenants/suite-tenants.js';
import type { Tenants } from './tenants/tenants.js';

/** The settings the services need, with the WeCom credentials resolved (sandbox mode fills in the demo apps). */
export interface ServiceSettings {
  /**
   * The secret the data key derives from when `dataKey` is unset: the default corp's (sandbox mode: the demo app's).
   */
  readonly dataKeySecret: string;
  readonly miniProgramAppId: string;
  readonly dataKey: string | undefined;
  /**
   * The data keyring (see `dataKeyringOf`): the current key and its fallbacks. When absent, the one key of `dataKey`,
   * else derived from `dataKeySecret`.
   */
  readonly dataKeyring?: DataKeyring;
  /** The configuration names previous data keys or secrets: what they sealed is resealed in the background at start. */
  readonly dataKeyRotationUnderWay?: boolean;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  /**
   * How long a login's answer is kept for a retry of the same request from the same client, in seconds
   * (`LOGIN_RETRY_WINDOW_SECONDS`); none kept when absent or 0.
   */
  readonly loginRetryWindow?: number;
  /**
   * How long after a refresh a repeat of the token it replaced gets the same answer instead of revoking the session,
   * in seconds (`REFRESH_REUSE_INTERVAL_SECONDS`); every repeat revokes when absent or 0.
   */
  readonly refreshReuseInterval?: number;
  readonly profileCacheTtl: number;
  /** The watermark window of `POST /v1/me/decrypt` (`DECRYPT_MAX_AGE_SECONDS`, `DECRYPT_MAX_FUTURE_SKEW_SECONDS`). */
  readonly disclosureWindow?: { readonly maxAgeSeconds: number; readonly maxFutureSkewSeconds: number };
  /**
   * The security event log's retention (`EVENT_RETENTION_DAYS`, 0: off; `EVENT_LOG_MAX_ENTRIES`). Default 90 days and
   * a million events.
   */
  readonly eventLog?: { readonly retentionDays: number; readonly maxEntries: number };
}

/** The gateway's services over one store and one WeCom client, as {@link openGatewayServices} wires them. */
export interface GatewayServices {
  /** Throws `503 store_unavailable` until {@link GatewayServices.started}. */
  readonly sessions: SessionService;
  readonly directory: EmployeeDirectory;
  /** Throws `503 store_unavailable` until {@link GatewayServices.started}. */
  readonly issuer: TokenIssuer;
  readonly revocations: RevocationMirror;
  /** Where the security facts go: the store's event log, and a counter per type. */
  readonly events: SecurityEventRecorder;
  readonly store: Store;
  /** The tenants: the corps served and their WeCom clients. */
  readonly corps: Tenants;
  /** Seals what the gateway keeps secret at rest (session keys, signing keys, permanent codes). */
  readonly sealer: DataSealer;
  /** True once the signing keys and the revocations have been read from the store. */
  readonly started: boolean;
  /** Reads what the services need from the store; rejects when it cannot be reached. Safe to call again. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What {@link openGatewayServices} wires the services from. */
export interface GatewayServicesInput {
  readonly settings: ServiceSettings;
  readonly store: Store;
  /** The tenants: the corps served and their WeCom clients (`createCorpClients`, `createSuiteTenants`). */
  readonly corps: Tenants | ((sealer: DataSealer) => Tenants);
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly now: () => number;
  /** How often the signing keys are checked for a rotation made elsewhere. Default 5000 ms. */
  readonly keyCheckIntervalMs?: number;
}

/**
 * The signing keys are checked this often, so a `rotate-keys` run reaches every instance within seconds and
 * without a restart (a check is one read of the key list; the keys are re-imported only when it changed).
 */
const defaultKeyCheckIntervalMs = 5_000;

/** Which keys exist and which are retired: changes exactly when a rotation or a prune happened. */
function keyListFingerprint(records: readonly SigningKeyRecord[]): string {
  return records.map((record) => `${record.kid}:${record.retiredAt ?? ''}`).join(',');
}

function notStarted(): GatewayError {
  return new GatewayError(
    'store_unavailable',
    'The gateway is starting and cannot reach its store yet; try again shortly.',
    { retryAfterSeconds: 1 },
  );
}

/**
 * The services, not yet started: nothing touches the store until `start()`.
 *
 * @example
 * const services = openGatewayServices({ settings, store, corps, logger, metrics, now: Date.now });
 * await services.start();
 */
export function openGatewayServices(input: GatewayServicesInput): GatewayServices {
  const { settings, store, logger, metrics, now } = input;
  const sealer: DataKeyring =
    settings.dataKeyring ??
    createDataKeyring([
      {
        key: deriveDataKey({ configuredKey: settings.dataKey, secret: settings.dataKeySecret }),
        source: settings.dataKey === undefined ? 'derived from the secret' : 'WECOM_AUTH_DATA_KEY',
      },
    ]);
  // A tenant source that keeps sealed credentials (a third-party app's permanent codes) is given the sealer.
  const corps = typeof input.corps === 'function' ? input.corps(sealer) : input.corps;
  const dataKeys = new DataKeyUpkeep({
    keyring: sealer,
    kinds: resealableKindsOf(store, now, isSuiteTenants(corps) ? corps.suiteId : undefined),
    signingKeys: store.signingKeys,
    rotationUnderWay: settings.dataKeyRotationUnderWay ?? false,
    logger,
  });
  const revocations = new RevocationMirror({
    sessions: store.sessions,
    now,
    horizonMs: settings.accessTokenTtl * 1000,
    onError: (error) =>
      logger.warn(
        { code: (error as { code?: unknown }).code },
        'revocation resync failed; verifies answer 503',
      ),
  });
  const events = new SecurityEventRecorder({
    log: store.events,
    counters: metrics,
    logger,
    now,
    retentionDays: settings.eventLog?.retentionDays ?? 90,
    maxEntries: settings.eventLog?.maxEntries ?? 1_000_000,
  });
  const directory = new EmployeeDirectory({
    corps,
    cache: store.cache,
    profileTtlMs: settings.profileCacheTtl * 1000,
    now,
    onWarning: (object, message) => logger.warn(object, message),
  });
  let issuer: TokenIssuer | undefined;
  let sessions: SessionService | undefined;
  let starting: Promise<void> | undefined;
  let timers: NodeJS.Timeout[] = [];

  const startOnce = async (): Promise<void> => {
    issuer ??= await TokenIssuer.create({
      keys: store.signingKeys,
      sealer,
      issuer: settings.issuer,
      audience: settings.audience,
      ttlSeconds: settings.accessTokenTtl,
      now,
      // A data key that was dropped must not stop the gateway: it starts with a fresh signing key and says so.
      onUnreadableActiveKey: (kid) => dataKeys.reportLostSigningKey(kid),
    });
    await revocations.start();
    await corps.start();
    sessions = new SessionService({
      corps,
      miniProgramAppId: settings.miniProgramAppId,
      directory,
      sessions: store.sessions,
      loginRetries: store.loginRetries,
      issuer,
      revocations,
      sealer,
      refreshTtlSeconds: settings.refreshTokenTtl,
      loginRetryWindowSeconds: settings.loginRetryWindow ?? 0,
      refreshReuseIntervalSeconds: settings.refreshReuseInterval ?? 0,
      ...(settings.disclosureWindow === undefined ? {} : { disclosureWindow: settings.disclosureWindow }),
      now,
      onLogin: (outcome, corpLabel) => metrics.login(outcome, corpLabel),
      events,
    });
    events.start();
    const startedIssuer = issuer;
    let knownKeys = keyListFingerprint(await store.signingKeys.list());
    const sweeper = setInterval(() => {
      revocations.prune();
      metrics.revocationMirrorSize(revocations.size);
      store.sessions
        .deleteExpired(now())
        .catch((error: unknown) =>
          logger.warn({ code: (error as { code?: unknown }).code }, 'session sweep failed'),
        );
    }, 60_000);
    const keyReloader = setInterval(() => {
      (async () => {
        const fingerprint = keyListFingerprint(await store.signingKeys.list());
        if (fingerprint === knownKeys) return;
        await startedIssuer.reload();
        knownKeys = fingerprint;
        logger.info({}, 'signing keys changed in the store; reloaded');
      })().catch((error: unknown) =>
        logger.warn({ code: (error as { code?: unknown }).code }, 'signing key check failed'),
      );
    }, input.keyCheckIntervalMs ?? defaultKeyCheckIntervalMs);
    sweeper.unref();
    keyReloader.unref();
    timers = [sweeper, keyReloader];
    dataKeys.start();
  };

  return {
    get sessions(): SessionService {
      if (!sessions) throw notStarted();
      return sessions;
    },
    get issuer(): TokenIssuer {
      if (!issuer || !sessions) throw notStarted();
      return issuer;
    },
    directory,
    revocations,
    events,
    store,
    corps,
    sealer,
    get started(): boolean {
      return sessions !== undefined;
    },
    start() {
      if (sessions) return Promise.resolve();
      starting ??= startOnce().finally(() => {
        starting = undefined;
      });
      return starting;
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await dataKeys.stop();
      await events.close();
      await revocations.stop();
      await corps.stop();
      await issuer?.close();
    },
  };
}

/**
 * The services, started: rejects when the store cannot be reached.
 *
 * @example
 * const services = await createGatewayServices({ settings, store, corps, logger, metrics, now: Date.now });
 * const { accessToken } = await services.sessions.login(code);
 */
export async function createGatewayServices(input: GatewayServicesInput): Promise<GatewayServices> {
  const services = openGatewayServices(input);
  await services.start();
  return services;
}
