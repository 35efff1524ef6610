/**
 * `suite-ticket`: the age of the newest suite_ticket the store holds. WeCom pushes one to the instruction callback
 * every 10 minutes and each lives 30 minutes: without a live one the gateway cannot get a suite_access_token, and
 * every login answers 503 until the next push arrives.
 */
import { SUITE_TICKET_LIFETIME_MS } from '../../tenants/stored-suite-ticket.js';
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import { describeAge, storeUnreadable, ticketFix } from '../suite-outcome.js';

/** WeCom's push interval, and the slack past it before a push counts as missed. */
const pushIntervalMs = 10 * 60_000;
const pushSlackMs = 60_000;

export const suiteTicketCheck: SetupCheck = {
  id: 'suite-ticket',
  title: 'Suite ticket',
  scope: 'setup',
  needs: ['configuration'],
  gatewayErrors: ['wecom_unavailable'],
  applies: (context) => context.suite !== undefined,
  async run(context): Promise<CheckOutcome> {
    const suite = context.suite;
    if (suite === undefined) return { verdict: 'skip', summary: 'Not a third-party app.' };
    let state: Awaited<ReturnType<typeof suite.ticketState>>;
    try {
      state = await suite.ticketState();
    } catch (error) {
      return storeUnreadable('the suite_ticket', error);
    }
    const consequence =
      'Without a live ticket the gateway gets no suite_access_token: logins answer 503 wecom_unavailable, naming the instruction callback URL, and succeed by themselves once a ticket is stored.';
    if (state.state === 'missing') {
      const noStore = context.existingStore() === undefined;
      return {
        verdict: 'warn',
        summary: `No suite_ticket of ${suite.suiteId} is stored: WeCom's pushes have not reached the gateway${noStore ? ' (the store does not exist yet: no gateway has run with it)' : ''}.`,
        details: [consequence],
        fix: ticketFix(context, suite),
      };
    }
    const age = describeAge(state.ageMs);
    if (state.state === 'expired') {
      return {
        verdict: 'warn',
        summary: `The newest suite_ticket is ${age} old, past its 30 minutes: no push has reached the gateway since.`,
        details: [consequence],
        fix: ticketFix(context, suite),
      };
    }
    const missed = state.ageMs > pushIntervalMs + pushSlackMs;
    return {
      verdict: 'pass',
      summary: `The newest suite_ticket is ${age} old: live (WeCom pushes one every 10 minutes; each lives 30).`,
      ...(missed
        ? {
            details: [
              `Older than WeCom's 10-minute push: a push did not arrive. It is accepted for another ${describeAge(SUITE_TICKET_LIFETIME_MS - state.ageMs)}; check that the instruction callback still reaches the gateway (provider console: ${consolePaths.suiteInstructionCallback.en}).`,
            ],
          }
        : {}),
    };
  },
};
