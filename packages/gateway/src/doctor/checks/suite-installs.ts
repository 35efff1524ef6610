/**
 * `suite-installs`: the corps that installed the third-party app, as the store knows them (each from WeCom's
 * `create_auth`). None: every login answers 403 corp_not_authorized. Then one installed corp as a login would use
 * it: its sealed permanent code opens with this configuration's data keys, and `get_corp_token` gives its token.
 * WeCom refusing the code (40084, 48004) means the authorisation is gone and the gateway did not hear of it.
 */
import type { SuiteInstallRecord } from '@wecom-auth/store';
import { consolePaths } from '../console-paths.js';
import { lostKeyRecovery } from '../data-key-recovery.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import { installFix, storeUnreadable } from '../suite-outcome.js';
import { causeOf, unexpectedAnswer } from '../wecom-outcome.js';
import { type WecomAnswer, WecomProbeError } from '../wecom-probe.js';

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

export const suiteInstallsCheck: SetupCheck = {
  id: 'suite-installs',
  title: 'Installed corps',
  scope: 'setup',
  needs: ['configuration'],
  errcodes: [40084, 48004],
  gatewayErrors: ['corp_not_authorized'],
  applies: (context) => context.suite !== undefined,
  async run(context): Promise<CheckOutcome> {
    const suite = context.suite;
    if (suite === undefined) return { verdict: 'skip', summary: 'Not a third-party app.' };
    let count = 0;
    let install: SuiteInstallRecord | undefined;
    try {
      const store = context.existingStore();
      if (store !== undefined) {
        count = await store.suites.countInstalls(suite.suiteId);
        if (count > 0) [install] = await store.suites.listInstalls(suite.suiteId, { limit: 1 });
      }
    } catch (error) {
      return storeUnreadable('the installs', error);
    }
    if (install === undefined) {
      return {
        verdict: 'warn',
        summary: `No corp has installed the app ${suite.suiteId} yet: every login answers 403 corp_not_authorized.`,
        fix: installFix(context),
      };
    }
    const installed = `${plural(count, 'corp')} ${count === 1 ? 'has' : 'have'} installed the app`;
    const corp = `${install.corpId} (${install.corpName})`;
    const keyring = context.dataKeyring();
    const opened = keyring.unseal(install.permanentCodeCiphertext, 'permanent_code');
    if (opened === undefined) {
      return {
        verdict: 'fail',
        summary: `${installed}, but the permanent code of ${corp} opens with none of this configuration's data keys: its users cannot log in.`,
        details: [
          `Keys tried: ${keyring.sources.join(', ')}. "Data key and signing keys" counts every record that does not open.`,
        ],
        fix: lostKeyRecovery(context),
      };
    }
    const details = [`The permanent code of ${corp} opens with the data key ${opened.source}.`];
    if (context.upstream.mode === 'sandbox') {
      details.push(
        'Sandbox mode: the stored permanent codes come from the sandbox wecom-auth serve starts, which this sandbox of the doctor never issued, so get_corp_token is not tried.',
      );
      return { verdict: 'pass', summary: `${installed}.`, details };
    }
    let answer: WecomAnswer | undefined;
    try {
      answer = await suite.call((wecom, suiteAccessToken) =>
        wecom.getCorpToken(suiteAccessToken, install.corpId, opened.plaintext),
      );
    } catch (error) {
      if (error instanceof WecomProbeError) return { verdict: 'fail', summary: error.message, details };
      // The ticket could not be read: "Suite ID and secret" says so; the installs themselves were read.
      answer = undefined;
    }
    if (answer === undefined) {
      details.push(
        'get_corp_token was not tried: there is no suite_access_token (see "Suite ID and secret").',
      );
      return { verdict: 'pass', summary: `${installed}.`, details };
    }
    switch (answer.errcode) {
      case 0:
        return {
          verdict: 'pass',
          summary: `${installed}; get_corp_token gives ${install.corpId} its access token.`,
          details,
        };
      case 40084:
      case 48004:
        return {
          verdict: 'fail',
          summary: `${installed}, but WeCom no longer accepts the permanent code of ${corp} (${answer.errcode}): its authorisation is gone (the corp uninstalled the app, or it was reset), and the gateway did not hear of it.`,
          wecom: causeOf(answer),
          details: [
            ...details,
            "Its users' logins answer 403 corp_not_authorized. The gateway learns of an uninstall from cancel_auth, and of a new permanent code from reset_permanent_code, on the instruction callback: one did not arrive.",
          ],
          fix: {
            text:
              "The corp must install the app again (an administrator, from the app marketplace or the provider's install link): WeCom then sends " +
              'create_auth and the gateway stores its new permanent code. Check that the instruction callback reaches the gateway, so that the next instruction is not missed.',
            console: consolePaths.suiteInstructionCallback,
          },
        };
      default:
        return { ...unexpectedAnswer('get_corp_token', answer), details };
    }
  },
};
