/**
 * `wecom-miniprogram`: the app whose secret is configured can exchange mini-program login codes. A made-up code tells
 * without a real login: 40029 (invalid code) means the app has a mini program whose codes it exchanges; 40014 means
 * its token is not a mini-program app's (no association, or a contacts or customer-contact secret); 48002 means the
 * app may not call `jscode2session`. Whether the associated mini program is the one `WECOM_MINIPROGRAM_APPID` names
 * only a real code proves: the `login` step (`--login`).
 */
import { consolePaths } from '../console-paths.js';
import type { CorpCheck } from '../doctor-check.js';
import { causeOf, secretOfTheMiniProgramApp, unexpectedAnswer } from '../wecom-outcome.js';

export const wecomMiniprogramCheck: CorpCheck = {
  id: 'wecom-miniprogram',
  title: 'Mini program association',
  scope: 'corp',
  needs: ['wecom-trusted-ip'],
  errcodes: [40014, 40029, 48002],
  gatewayErrors: ['code_invalid'],
  async run(context, corp) {
    const probe = await corp.codeProbe();
    if (probe === undefined) return { verdict: 'skip', summary: 'Not run: gettoken gave no access token.' };
    const wecom = causeOf(probe);
    const notAssociated = secretOfTheMiniProgramApp(
      corp,
      `Associate mini program ${context.upstream.miniProgramAppId} with the corp (${consolePaths.associate.en}), then use its Secret.`,
    );
    switch (probe.errcode) {
      case 40029:
        return {
          verdict: 'pass',
          summary:
            'The app exchanges mini-program login codes: a made-up code was refused as invalid (40029), as it should be.',
          details: [
            `That the app's mini program is ${context.upstream.miniProgramAppId} (WECOM_MINIPROGRAM_APPID) only a real code proves: run wecom-auth doctor --login.`,
          ],
        };
      case 40014:
        return {
          verdict: 'fail',
          summary:
            "The app has no mini program: WeCom refused its token for jscode2session (40014). The secret may be another app's, or a Contacts sync or Customer Contact secret.",
          wecom,
          fix: notAssociated,
        };
      case 48002:
        return {
          verdict: 'fail',
          summary:
            'The app may not exchange mini-program login codes (48002): the secret belongs to an app without this mini program.',
          wecom,
          fix: notAssociated,
        };
      default:
        return unexpectedAnswer('jscode2session', probe);
    }
  },
};
