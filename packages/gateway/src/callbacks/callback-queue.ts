/**
 * The in-process queue that applies recorded callback events: it drains the store's inbox (`pending`, oldest
 * first), applies each event and marks it applied. The inbox is the queue's only state, so an event recorded
 * before a crash is applied by the next drain after restart, and several instances sharing one store may apply
 * the same event twice: applying is idempotent.
 */
import type { EventInbox, InboxEvent } from '@wecom-auth/store';

/** What applying one event did, for its log line (never a secret). */
export type AppliedEvent = Readonly<Record<string, string | number | boolean>>;

export interface CallbackQueueOptions {
  readonly inbox: EventInbox;
  /**
   * Applies one recorded event; idempotent, because an event may be applied again after a crash or by another
   * instance. Throws to leave the event pending (the sweep retries it); an event that can never apply must resolve.
   */
  readonly apply: (event: InboxEvent) => Promise<AppliedEvent>;
  readonly now: () => number;
  readonly onApplied: (eventId: string, change: AppliedEvent) => void;
  readonly onError: (error: unknown) => void;
  /** After a failed drain (store away) and as a sweep for events other instances recorded. Default 5000 ms. */
  readonly retryIntervalMs?: number;
  /**
   * Test hook: when true, events are recorded but never applied, so a test can kill the process between the
   * acknowledgement and the apply step. Defaults to `WECOM_AUTH_TEST_HOLD_CALLBACKS=1` in the environment.
   */
  readonly hold?: boolean;
}

const batchSize = 50;

export class CallbackQueue {
  readonly #options: CallbackQueueOptions;
  readonly #hold: boolean;
  #draining: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: CallbackQueueOptions) {
    this.#options = options;
    this.#hold = options.hold ?? process.env.WECOM_AUTH_TEST_HOLD_CALLBACKS === '1';
  }

  /** Starts the periodic sweep and drains what was recorded before (a crash between record and apply). */
  start(): void {
    if (this.#hold || this.#stopped || this.#timer) return;
    this.#timer = setInterval(() => this.wake(), this.#options.retryIntervalMs ?? 5_000);
    this.#timer.unref();
    this.wake();
  }

  /** Asks for a drain; one runs at a time, and a wake during a drain runs another right after it. */
  wake(): void {
    if (this.#hold || this.#stopped) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drainLoop().finally(() => {
      this.#draining = undefined;
    });
  }

  /** Resolves when no drain is running (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.idle();
  }

  async #drainLoop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#drainOnce();
      } catch (error) {
        // The store is away or an apply failed: the event stays pending and the sweep retries it.
        this.#options.onError(error);
        return;
      }
    } while (this.#again && !this.#stopped);
  }

  async #drainOnce(): Promise<void> {
    const { inbox, apply, now } = this.#options;
    for (;;) {
      if (this.#stopped) return;
      const events = await inbox.pending(batchSize);
      for (const event of events) {
        if (this.#stopped) return;
        const change = await apply(event);
        await inbox.markApplied(event.id, now());
        this.#options.onApplied(event.id, change);
      }
      if (events.length < batchSize) return;
    }
  }
}
