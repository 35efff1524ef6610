/**
 * The suite_ticket as the API client asks for it: the newest one any instance received, read from the store, so a
 * restart or a second instance never waits up to ten minutes for WeCom's next push (the peers' `40085` after every
 * redeploy). A ticket older than its 30-minute life is not offered: WeCom would refuse it.
 */
import type { SuiteTicketSource } from '@wecom-auth/api';
import type { SuiteStore, SuiteTicketRecord } from '@wecom-auth/store';

/** WeCom: "suite_ticket实际有效期为30分钟". */
export const SUITE_TICKET_LIFETIME_MS = 30 * 60_000;

/** Where the newest ticket stands: for readiness and for the message of a login that cannot proceed. */
export type TicketState =
  | { readonly state: 'fresh'; readonly ageMs: number }
  | { readonly state: 'expired'; readonly ageMs: number }
  | { readonly state: 'missing' };

/**
 * The state of `record` at `now`.
 *
 * @example
 * ticketState(await store.suites.ticket(suiteId), Date.now()); // { state: 'fresh', ageMs: 42_000 }
 */
export function ticketState(record: SuiteTicketRecord | undefined, now: number): TicketState {
  if (record === undefined) return { state: 'missing' };
  const ageMs = Math.max(0, now - record.receivedAt);
  return ageMs < SUITE_TICKET_LIFETIME_MS ? { state: 'fresh', ageMs } : { state: 'expired', ageMs };
}

/**
 * A {@link SuiteTicketSource} over the store's newest ticket of `suiteId`.
 *
 * @example
 * const suite = createSuiteClient({
 *   suiteId,
 *   suiteSecret,
 *   tickets: storedSuiteTicket({ suiteId, suites: store.suites, now: Date.now }),
 * });
 */
export function storedSuiteTicket(options: {
  readonly suiteId: string;
  readonly suites: Pick<SuiteStore, 'ticket'>;
  readonly now: () => number;
}): SuiteTicketSource {
  return {
    async current() {
      const record = await options.suites.ticket(options.suiteId);
      return ticketState(record, options.now()).state === 'fresh' ? record?.ticket : undefined;
    },
  };
}
