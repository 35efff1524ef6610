/**
 * The in-process queue that applies recorded callback events: it drains the store's inbox (`pending`, oldest
 * first), applies each event and marks it applied. The inbox is the queue's only state, so an event recorded
 * before a crash is applied by the next drain after restart, and several instances sharing one store may apply
 * the same event twice: applying is idempotent.
 *
 * An event that fails to apply stays pending and holds back the later events of its order key only (by default its
 * corp), never those of other keys: one corp's event that WeCom keeps refusing must not stall every other corp's
 * events until their auth codes expire.
 */
import { type EventInbox, type InboxEvent, StoreUnavailableError } from '@wecom-auth/store';

/** What applying one event did, for its log line (never a secret). */
export type AppliedEvent = Readonly<Record<string, string | number | boolean>>;

export interface CallbackQueueOptions {
  readonly inbox: EventInbox;
  /**
   * Applies one recorded event; idempotent, because an event may be applied again after a crash or by another
   * instance. Throws to leave the event pending (the sweep retries it); an event that can never apply must resolve.
   */
  readonly apply: (event: InboxEvent) => Promise<AppliedEvent>;
  /**
   * The events that must apply in the order they were received share a key: a failed event holds back the later
   * events of its key until it applies. Default: the event's corp (`corpId`, or one key for events without one).
   */
  readonly orderKey?: (event: InboxEvent) => string;
  readonly now: () => number;
  readonly onApplied: (eventId: string, change: AppliedEvent) => void;
  /** Told of an event that failed to apply (`eventId`), or of a drain the store stopped (no `eventId`). */
  readonly onError: (error: unknown, eventId?: string) => void;
  /** After a failed drain (store away) and as a sweep for events other instances recorded. Default 5000 ms. */
  readonly retryIntervalMs?: number;
  /**
   * Test hook: when true, events are recorded but never applied, so a test can kill the process between the
   * acknowledgement and the apply step. Defaults to `WECOM_AUTH_TEST_HOLD_CALLBACKS=1` in the environment.
   */
  readonly hold?: boolean;
}

const batchSize = 50;

const byCorp = (event: InboxEvent): string => event.corpId ?? '';

export class CallbackQueue {
  readonly #options: CallbackQueueOptions;
  readonly #hold: boolean;
  readonly #orderKey: (event: InboxEvent) => string;
  #draining: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: CallbackQueueOptions) {
    this.#options = options;
    this.#hold = options.hold ?? process.env.WECOM_AUTH_TEST_HOLD_CALLBACKS === '1';
    this.#orderKey = options.orderKey ?? byCorp;
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
        // The store is away: every event stays pending and the sweep retries them.
        this.#options.onError(error);
        return;
      }
    } while (this.#again && !this.#stopped);
  }

  async #drainOnce(): Promise<void> {
    const { inbox, apply, now } = this.#options;
    /** Events this drain tried (or held back) and left pending: the next pages skip them. */
    const left = new Set<string>();
    /** Order keys with a failed event in this drain: their later events wait for the next drain. */
    const blocked = new Set<string>();
    for (;;) {
      if (this.#stopped) return;
      // The events left pending come first again (oldest first): ask for that many more.
      const limit = batchSize + left.size;
      const events = await inbox.pending(limit);
      for (const event of events) {
        if (this.#stopped) return;
        if (left.has(event.id)) continue;
        const key = this.#orderKey(event);
        if (blocked.has(key)) {
          left.add(event.id);
          continue;
        }
        let change: AppliedEvent;
        try {
          change = await apply(event);
        } catch (error) {
          // Without the store nothing else can apply either: end the drain.
          if (error instanceof StoreUnavailableError) throw error;
          left.add(event.id);
          blocked.add(key);
          this.#options.onError(error, event.id);
          continue;
        }
        await inbox.markApplied(event.id, now());
        this.#options.onApplied(event.id, change);
      }
      if (events.length < limit) return;
    }
  }
}
