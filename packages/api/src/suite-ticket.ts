/**
 * Where a third-party suite's newest suite_ticket comes from. WeCom pushes one to the suite's instruction callback
 * URL every 10 minutes, and only the newest is valid (for 30 minutes). The client never keeps a ticket itself: one
 * kept in process memory is lost on every restart and differs between instances, the failure the mature SDKs' users
 * report most. Whatever receives the pushes stores them durably and implements this port over that store.
 */
import { WecomSuiteTicketMissingError } from './errors.js';

/**
 * The newest suite_ticket of one suite, read each time the suite token is fetched (never cached by the client), so a
 * ticket stored a moment ago is used at once.
 *
 * @example
 * // Over the store the instruction callback writes every pushed ticket to:
 * const tickets: SuiteTicketSource = {
 *   current: async () => (await store.get(`suite-ticket|${suiteId}`))?.ticket,
 * };
 * const suite = createSuiteClient({ suiteId, suiteSecret, tickets });
 */
export interface SuiteTicketSource {
  /**
   * The newest ticket WeCom pushed for the suite, or `undefined` when none has been received yet (then the suite
   * token is not fetched, and the call throws `WecomSuiteTicketMissingError`). An error it throws (a store that is
   * down) reaches the caller unchanged.
   */
  current(): Promise<string | undefined>;
}

/** Reads the newest ticket, or throws the typed error that says where tickets come from. */
export async function readSuiteTicket(
  tickets: SuiteTicketSource,
  context: { readonly suiteId: string; readonly apiPath: string },
): Promise<string> {
  const ticket: unknown = await tickets.current();
  if (ticket === undefined || ticket === '') {
    throw new WecomSuiteTicketMissingError({ suiteId: context.suiteId, apiPath: context.apiPath });
  }
  if (typeof ticket !== 'string') throw new TypeError('tickets.current() must resolve a string or undefined');
  return ticket;
}
