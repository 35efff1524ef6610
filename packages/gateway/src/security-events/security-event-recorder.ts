/**
 * Records the gateway's security facts in the store's event log, shared by every instance, and counts each type in
 * `/metrics`. Recording is off the request's path: the fact is handed to the store's batched write (SQLite's group
 * commit, one Redis round trip per turn of the event loop) and the request goes on; a store that is away loses the
 * fact, which is counted and logged, never the request. The recorder also keeps the log within its retention.
 */
import type { SecurityEventInput, SecurityEventLog } from '@wecom-auth/store';
import type { Logger } from 'pino';
import type { SecurityEvent, SecurityEvents, SecurityEventType } from './security-event.js';

/**
 * The metrics the recorder feeds (`GatewayMetrics` has them).
 *
 * @example
 * const counters: SecurityEventCounters = createGatewayMetrics();
 */
export interface SecurityEventCounters {
  securityEvent(type: SecurityEventType): void;
  securityEventLost(): void;
}

/**
 * What a {@link SecurityEventRecorder} writes to, counts in, and keeps.
 *
 * @example
 * const options: SecurityEventRecorderOptions = { log: store.events, counters: metrics, logger, now: Date.now,
 *   retentionDays: 90, maxEntries: 1_000_000 };
 */
export interface SecurityEventRecorderOptions {
  readonly log: SecurityEventLog;
  readonly counters: SecurityEventCounters;
  readonly logger: Pick<Logger, 'warn'>;
  readonly now: () => number;
  /** How long an event is kept, in days; 0: nothing is written (the counters still count). */
  readonly retentionDays: number;
  /** The most events kept. */
  readonly maxEntries: number;
  /** How often the log is pruned. Default 60 s. */
  readonly pruneIntervalMs?: number;
}

const dayMs = 86_400_000;
/** A store that is away would otherwise be one warning per event. */
const lostWarningIntervalMs = 10_000;

/**
 * The gateway's {@link SecurityEvents}: stamps each fact with the time, counts it, hands it to the store's log
 * without waiting, and prunes the log to its retention.
 *
 * @example
 * const events = new SecurityEventRecorder({ log: store.events, counters: metrics, logger, now: Date.now,
 *   retentionDays: 90, maxEntries: 1_000_000 });
 * events.start();
 * events.record({ type: 'admin.denied', reason: 'wrong_token', client });
 * await events.close();
 */
export class SecurityEventRecorder implements SecurityEvents {
  readonly #options: SecurityEventRecorderOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #appendedSincePrune = 0;
  #pruning: Promise<void> | undefined;
  #lostSinceWarning = 0;
  #lastWarning = Number.NEGATIVE_INFINITY;

  constructor(options: SecurityEventRecorderOptions) {
    this.#options = options;
  }

  /** Whether events are written (`EVENT_RETENTION_DAYS` > 0). */
  get enabled(): boolean {
    return this.#options.retentionDays > 0;
  }

  record(event: SecurityEvent): void {
    const { counters, log } = this.#options;
    counters.securityEvent(event.type);
    if (!this.enabled) return;
    const written = log.append([this.#toInput(event)]).catch((error: unknown) => this.#lost(error));
    this.#inFlight.add(written);
    void written.finally(() => this.#inFlight.delete(written));
    // A flood must not outgrow the cap between two timed prunes: every tenth of it written triggers one.
    this.#appendedSincePrune += 1;
    if (this.#appendedSincePrune >= Math.min(10_000, Math.ceil(this.#options.maxEntries / 10)))
      void this.prune();
  }

  /** Starts the periodic pruning (and prunes once). */
  start(): void {
    if (!this.enabled || this.#timer) return;
    this.#timer = setInterval(() => void this.prune(), this.#options.pruneIntervalMs ?? 60_000);
    this.#timer.unref();
    void this.prune();
  }

  /** Removes what is past the retention; one prune at a time, failures logged. */
  prune(): Promise<void> {
    this.#appendedSincePrune = 0;
    this.#pruning ??= this.#options.log
      .prune({
        before: this.#options.now() - this.#options.retentionDays * dayMs,
        maxEntries: this.#options.maxEntries,
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.#options.logger.warn(
            { code: (error as { code?: unknown }).code },
            'security event log prune failed; retried later',
          ),
      )
      .finally(() => {
        this.#pruning = undefined;
      });
    return this.#pruning;
  }

  /** Resolves once every event recorded so far was written (or lost). */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Stops pruning and waits for the events in flight. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
    await this.#pruning;
  }

  #toInput(event: SecurityEvent): SecurityEventInput {
    const { client } = event;
    return {
      at: this.#options.now(),
      type: event.type,
      ...(event.corpId === undefined ? {} : { corpId: event.corpId }),
      ...(event.userId === undefined ? {} : { userId: event.userId }),
      ...(event.sessionId === undefined ? {} : { sessionId: event.sessionId }),
      ...(client === undefined ? {} : { requestId: client.requestId, clientIp: client.clientIp }),
      ...(event.reason === undefined ? {} : { reason: event.reason }),
    };
  }

  #lost(error: unknown): void {
    this.#options.counters.securityEventLost();
    this.#lostSinceWarning += 1;
    const at = Date.now();
    if (at - this.#lastWarning < lostWarningIntervalMs) return;
    this.#options.logger.warn(
      { code: (error as { code?: unknown }).code, lost: this.#lostSinceWarning },
      'security events could not be written to the store',
    );
    this.#lostSinceWarning = 0;
    this.#lastWarning = at;
  }
}
