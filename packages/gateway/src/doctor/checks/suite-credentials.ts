/**
 * `suite-credentials`: a third-party app's SuiteID and Secret, with `get_suite_token` and the ticket the gateway would
 * give it (the newest stored one, while it is younger than its 30 minutes). 40080 is the Secret, 40083 and 48003 the
 * SuiteID, 60020 the provider's IP allowlist. Without a usable ticket, or with one WeCom refuses (40085), the Secret
 * cannot be tested: a warning that says how WeCom's pushes reach the gateway.
 */
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import { describeAge, storeUnreadable, ticketFix } from '../suite-outcome.js';
import { causeOf, unexpectedAnswer } from '../wecom-outcome.js';
import { WecomProbeError } from '../wecom-probe.js';

export const suiteCredentialsCheck: SetupCheck = {
  id: 'suite-credentials',
  title: 'Suite ID and secret (get_suite_token)',
  scope: 'setup',
  needs: ['configuration', 'wecom-reachable'],
  errcodes: [40080, 40083, 40085, 48003, 60020],
  gatewayErrors: ['wecom_error'],
  applies: (context) => context.suite !== undefined,
  async run(context): Promise<CheckOutcome> {
    const suite = context.suite;
    if (suite === undefined) return { verdict: 'skip', summary: 'Not a third-party app.' };
    let attempt: Awaited<ReturnType<typeof suite.token>>;
    try {
      attempt = await suite.token();
    } catch (error) {
      if (error instanceof WecomProbeError) return { verdict: 'fail', summary: error.message };
      return storeUnreadable('the suite_ticket', error);
    }
    const { names, suiteId } = suite;
    if (!attempt.called) {
      return {
        verdict: 'warn',
        summary:
          attempt.ticket.state === 'missing'
            ? `No suite_ticket of ${suiteId} is stored, so the Secret cannot be tested: get_suite_token needs one.`
            : `The newest stored suite_ticket is ${describeAge(attempt.ticket.ageMs)} old, past its 30 minutes, so the Secret cannot be tested: get_suite_token needs a live one.`,
        details: [
          'Until a ticket is stored, logins answer 503 wecom_unavailable, naming the instruction callback URL; they succeed by themselves once it arrives.',
        ],
        fix: ticketFix(context, suite),
      };
    }
    const { answer } = attempt;
    const wecom = causeOf(answer);
    const suiteIdFix = {
      text:
        `Set ${names.suiteId} to the SuiteID of the app's Basic info page in the provider console (it starts with "ww", "wx" or "dk"; ` +
        `not the mini program's appid, nor the provider's CorpID), and ${names.secret} to that same app's Secret.`,
      settings: [names.suiteId],
      console: consolePaths.suiteBasicInfo,
    };
    switch (answer.errcode) {
      case 0:
        return {
          verdict: 'pass',
          summary:
            attempt.ticketFrom === 'store'
              ? 'WeCom accepted the SuiteID and the Secret: get_suite_token gave a suite_access_token with the newest stored ticket.'
              : "WeCom accepted the SuiteID and the Secret: get_suite_token gave a suite_access_token with a ticket the doctor's sandbox issued.",
          ...(attempt.ticketFrom === 'sandbox'
            ? {
                details: [
                  'Sandbox mode: the stored tickets come from the sandbox wecom-auth serve starts, which this sandbox of the doctor never issued ("Suite ticket" shows their age).',
                ],
              }
            : {}),
        };
      case 40080:
        return {
          verdict: 'fail',
          summary: `WeCom refused the Secret of the third-party app ${suiteId}: it is not this app's Secret, or it was regenerated.`,
          wecom,
          details: [
            'A Secret regenerated in the provider console stops the old one at once. With WECOM_AUTH_DATA_KEY unset the data key derives from the Secret: see "Data key and signing keys" before changing it.',
          ],
          fix: {
            text: `Set ${names.secret} to the Secret of the app's Basic info page in the provider console (not the provider's ProviderSecret, nor a self-built app's secret).`,
            settings: [names.secret],
            console: consolePaths.suiteBasicInfo,
          },
        };
      case 40083:
        return {
          verdict: 'fail',
          summary: `WeCom does not know the SuiteID ${suiteId}.`,
          wecom,
          fix: suiteIdFix,
        };
      case 48003:
        return {
          verdict: 'fail',
          summary: `WeCom says what was given with the SuiteID ${suiteId} belongs to another app (48003): the SuiteID is not the app whose ticket and Secret these are.`,
          wecom,
          fix: suiteIdFix,
        };
      case 40085:
        return {
          verdict: 'warn',
          summary: 'WeCom refused the newest stored suite_ticket (40085), so the Secret cannot be tested.',
          wecom,
          details: [
            'WeCom accepts only the tickets it pushed to this app in the last 30 minutes: if another gateway or environment also receives its pushes, or the store holds a ticket of another WeCom, this store misses the live ones. Logins wait for the next push.',
          ],
          fix: ticketFix(context, suite),
        };
      case 60020: {
        const ip = suite.egressIp;
        return {
          verdict: 'fail',
          summary: `WeCom refused calls from ${ip ?? 'this host'}: it is not on the provider's IP allowlist.`,
          wecom,
          details: [
            "Every provider API call (get_suite_token, get_corp_token, the corps' APIs) is checked against it.",
          ],
          fix: {
            text: `Add ${ip ?? "this host's egress IP (the errmsg names it)"} to the provider's IP allowlist.`,
            console: consolePaths.providerTrustedIp,
          },
        };
      }
      default:
        return unexpectedAnswer('get_suite_token', answer);
    }
  },
};
