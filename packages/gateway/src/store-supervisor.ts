/**
 * Keeps the gateway's services in step with its store. At start it loads them in the background until the store
 * answers, so a gateway whose Redis is down still listens and reports not-ready instead of crashing. Afterwards it
 * pings the store: when the store goes away the revocation mirror is marked stale (verifies answer 503, since
 * revocations made elsewhere would be missed), and when it returns the mirror is re-read before tokens are
 * accepted again.
 */
import { StoreUnavailableError } from '@wecom-auth/store';
import type { Logger } from 'pino';
import type { GatewayServices } from './services.js';

export type StoreState = 'starting' | 'up' | 'down';

export interface StoreSupervisorOptions {
  readonly services: GatewayServices;
  readonly logger: Logger;
  /** Pause between two checks (and between two start attempts). Default 1000 ms. */
  readonly intervalMs?: number;
}

/** A failed start attempt is logged again after this many quiet retries, so a long outage stays visible. */
const repeatLogEvery = 30;

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

export class StoreSupervisor {
  readonly #services: GatewayServices;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #state: StoreState = 'starting';
  #failedAttempts = 0;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #stopped = false;
  /** A first start attempt that failed for a reason other than the store being unreachable. */
  #fatal: Error | undefined;
  #reportedBroken = false;

  constructor(options: StoreSupervisorOptions) {
    if (options.intervalMs !== undefined && !(options.intervalMs > 0)) {
      throw new TypeError('StoreSupervisor: intervalMs must be a positive number');
    }
    this.#services = options.services;
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 1_000;
  }

  get state(): StoreState {
    return this.#state;
  }

  /**
   * Runs the first check (resolving whether or not the store answered), then keeps checking in the background.
   * Rejects only when the services cannot start for a reason other than the store being unreachable (a data key
   * that cannot open the stored signing key, say): waiting would not fix that.
   */
  async start(): Promise<void> {
    await this.#run();
    if (this.#fatal !== undefined) {
      await this.stop();
      throw this.#fatal;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#tick;
  }

  async #run(): Promise<void> {
    this.#tick = this.#check();
    await this.#tick;
    this.#tick = undefined;
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#run().catch(() => {});
    }, this.#intervalMs);
    // Background checks alone must not keep the process alive.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    const services = this.#services;
    if (!services.started) {
      await this.#tryStart();
      return;
    }
    try {
      await services.store.ping();
    } catch (error) {
      if (this.#state !== 'down') {
        services.revocations.markStale();
        this.#state = 'down';
        this.#logger.error(
          { store: services.store.kind, code: errorCode(error) },
          'store unreachable: requests that need it answer 503 store_unavailable until it returns',
        );
      }
      return;
    }
    if (this.#state === 'up' && services.revocations.ready) return;
    try {
      // Whatever was published while the store was away is read back before tokens are accepted again.
      await services.revocations.resync();
    } catch (error) {
      this.#logger.warn({ code: errorCode(error) }, 'revocation resync failed; retrying');
      return;
    }
    if (this.#state === 'down') {
      this.#logger.info({ store: services.store.kind }, 'store reachable again; revocations resynchronised');
    }
    this.#state = 'up';
  }

  async #tryStart(): Promise<void> {
    const services = this.#services;
    try {
      await services.start();
    } catch (error) {
      this.#failedAttempts += 1;
      if (!(error instanceof StoreUnavailableError)) {
        if (this.#failedAttempts === 1) {
          this.#fatal = error instanceof Error ? error : new Error(String(error));
          return;
        }
        // The store answered after an outage, but what it holds cannot be used: retrying is all that is left.
        if (this.#failedAttempts % repeatLogEvery === 0 || !this.#reportedBroken) {
          this.#reportedBroken = true;
          this.#logger.error(
            { store: services.store.kind, reason: error instanceof Error ? error.message : String(error) },
            'the gateway cannot start with what the store holds; check WECOM_AUTH_DATA_KEY and the secret',
          );
        }
        return;
      }
      if (this.#failedAttempts === 1 || this.#failedAttempts % repeatLogEvery === 0) {
        this.#logger.error(
          {
            store: services.store.kind,
            code: errorCode(error),
            reason: error instanceof Error ? error.message : String(error),
            attempts: this.#failedAttempts,
          },
          `store unreachable at start: listening anyway, /readyz answers 503, retrying every ${this.#intervalMs} ms`,
        );
      }
      return;
    }
    if (this.#failedAttempts > 0) {
      this.#logger.info(
        { store: services.store.kind, attempts: this.#failedAttempts + 1 },
        'store reachable: the gateway is ready',
      );
    }
    this.#state = 'up';
  }
}
