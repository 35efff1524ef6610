/**
 * `suite-callback`: a third-party app's instruction callback (指令回调), where WeCom pushes the suite_ticket and the
 * installs. WeCom accepts the URL only once it has answered a verification GET with the decrypted `echostr`; with
 * `--public-url` the doctor sends that GET, sealed with the suite's Token and EncodingAESKey for receiveId = SuiteID
 * exactly as WeCom seals it, to `<public-url>/v1/suite/callback`, from this host.
 */
import { verifyCallbackUrl } from '../callback-verification.js';
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';

export const suiteCallbackCheck: SetupCheck = {
  id: 'suite-callback',
  title: 'Instruction callback URL',
  scope: 'setup',
  needs: ['configuration'],
  gatewayErrors: ['callback_signature_invalid', 'callback_expired', 'callback_malformed'],
  applies: (context) => context.suite !== undefined,
  async run(context): Promise<CheckOutcome> {
    const suite = context.suite;
    if (suite === undefined) return { verdict: 'skip', summary: 'Not a third-party app.' };
    const publicUrl = context.input.publicUrl;
    if (publicUrl === undefined) {
      return {
        verdict: 'skip',
        summary:
          "Give --public-url https://<gateway> to check that the instruction callback answers WeCom's verification from outside.",
      };
    }
    const url = `${publicUrl.replace(/\/+$/, '')}/v1/suite/callback`;
    return verifyCallbackUrl(context, {
      url,
      route: '/v1/suite/callback',
      token: suite.config.token,
      encodingAESKey: suite.config.encodingAESKey,
      receiveId: suite.suiteId,
      notFound: `the gateway there does not run as the third-party app (no WECOM_SUITE_* settings), or the address is not the gateway.`,
      console: consolePaths.suiteInstructionCallback,
      fix: {
        text: `In the provider console, the instruction callback URL must be ${url}, with the Token and EncodingAESKey of ${suite.names.callback}, and the gateway there must run as the app ${suite.suiteId}.`,
        ...(context.upstream.mode === 'wecom'
          ? { settings: ['WECOM_SUITE_TOKEN', 'WECOM_SUITE_AES_KEY'] }
          : {}),
        console: consolePaths.suiteInstructionCallback,
      },
    });
  },
};
