/**
 * Pushes each suite's suite_ticket to its instruction callback URL as WeCom does: at once when the URL is
 * registered, then every ten minutes of the sandbox clock. A clock jump runs what fell due during it — one push per
 * suite, stamped with the new time, however many ten-minute marks the jump crossed (the skipped tickets would have
 * expired or been superseded anyway).
 */
import type { CallbackDelivery, CallbackDispatcher } from './callback-dispatcher.js';
import type { SandboxClock } from './clock.js';
import { sendInstruction } from './suite-instructions.js';
import { SUITE_TICKET_TTL_SECONDS, type SuiteEntry, type SuiteRegistry } from './suite-registry.js';

/** A pushed (or, without a callback URL, only issued) suite_ticket. */
export interface SuiteTicketPush {
  suiteId: string;
  /** The ticket itself: the sandbox is a test double and shows it, so tests need no receiver to get one. */
  ticket: string;
  /** ISO time on the sandbox clock. */
  issuedAt: string;
  /** Seconds it is accepted by get_suite_token: 1800. */
  expiresIn: number;
  /** The callback delivery after its first try; `null` when the suite has no callback URL. */
  delivery: CallbackDelivery | null;
}

// setTimeout's largest delay; a later due time is re-checked when the timer fires.
const MAX_TIMER_MS = 2_147_483_647;

export class SuiteTicketPusher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly firstTries = new Set<Promise<unknown>>();
  private started = false;
  private closed = false;

  constructor(
    private readonly registry: SuiteRegistry,
    private readonly dispatcher: CallbackDispatcher,
    private readonly clock: SandboxClock,
  ) {
    clock.onAdvance(() => this.runDue());
  }

  /** Pushes a first ticket to every suite registered with a callback URL and starts the schedule. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.pushToRegistered();
  }

  /** Issues a ticket now (the console's 刷新ticket) and delivers it when the suite has a callback URL. */
  push(entry: SuiteEntry): Promise<SuiteTicketPush> {
    const record = this.registry.issueTicket(entry);
    const pushed = sendInstruction(
      this.dispatcher,
      entry.config,
      entry.callbackUrl,
      { infoType: 'suite_ticket', suiteTicket: record.ticket },
      Math.floor(record.issuedAtMs / 1000),
    ).then((delivery) => ({
      suiteId: entry.config.suiteId,
      ticket: record.ticket,
      issuedAt: new Date(record.issuedAtMs).toISOString(),
      expiresIn: SUITE_TICKET_TTL_SECONDS,
      delivery,
    }));
    this.track(pushed);
    this.schedule();
    return pushed;
  }

  /** Resolves once every push under way has had its first try. */
  async settled(): Promise<void> {
    while (this.firstTries.size > 0) await Promise.allSettled([...this.firstTries]);
  }

  /** Pushes to every suite whose next ticket is due on the sandbox clock. */
  runDue(): void {
    if (!this.started || this.closed) return;
    const now = this.clock.nowMs();
    for (const entry of this.registry.list()) {
      if (
        entry.callbackUrl !== undefined &&
        entry.nextTicketDueMs !== undefined &&
        entry.nextTicketDueMs <= now
      ) {
        void this.push(entry);
      }
    }
    this.schedule();
  }

  /** After a sandbox reset: the registered suites get a fresh ticket, as after registering their URL. */
  restart(): void {
    if (!this.started || this.closed) return;
    this.pushToRegistered();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pushToRegistered(): void {
    for (const entry of this.registry.list()) {
      if (entry.callbackUrl !== undefined) void this.push(entry);
    }
    this.schedule();
  }

  private track(first: Promise<unknown>): void {
    const tracked = first.then(
      () => undefined,
      () => undefined,
    );
    this.firstTries.add(tracked);
    void tracked.finally(() => this.firstTries.delete(tracked));
  }

  /** One timer for the earliest due push; real time moves the sandbox clock too. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.started || this.closed) return;
    let due: number | undefined;
    for (const entry of this.registry.list()) {
      const next = entry.callbackUrl === undefined ? undefined : entry.nextTicketDueMs;
      if (next !== undefined && (due === undefined || next < due)) due = next;
    }
    if (due === undefined) return;
    const delay = Math.min(Math.max(0, due - this.clock.nowMs()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.runDue(), delay);
    this.timer.unref();
  }
}
