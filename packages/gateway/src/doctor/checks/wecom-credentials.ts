/**
 * `wecom-credentials`: `gettoken` with the corp's ID and secret. 40013 is the corp ID, 40001 and 40091 the secret (a
 * secret of another app or corp, or one reset in the console), 45009 an IP WeCom blocks for a while after many bad
 * secrets. 60020 comes after WeCom has found the app by its secret (the trusted IPs are the app's), so the
 * credentials are right and `wecom-trusted-ip` says what to change.
 */
import { consolePaths } from '../console-paths.js';
import type { CorpCheck } from '../doctor-check.js';
import { causeOf, secretOfTheMiniProgramApp, unexpectedAnswer } from '../wecom-outcome.js';

export const wecomCredentialsCheck: CorpCheck = {
  id: 'wecom-credentials',
  title: 'Corp ID and secret (gettoken)',
  scope: 'corp',
  needs: ['configuration', 'wecom-reachable'],
  errcodes: [40001, 40013, 40091, 41002, 41004, 45009],
  gatewayErrors: ['wecom_error'],
  async run(_context, corp) {
    const answer = await corp.token();
    const wecom = causeOf(answer);
    switch (answer.errcode) {
      case 0:
        return {
          verdict: 'pass',
          summary: 'WeCom accepted the corp ID and the secret: gettoken gave an access_token.',
        };
      case 60020:
        return {
          verdict: 'pass',
          summary:
            'WeCom accepted the corp ID and the secret, then refused this host by its IP: see "Trusted IP".',
          wecom,
        };
      case 40013:
        return {
          verdict: 'fail',
          summary: `WeCom does not know the corp ID ${corp.corpId}.`,
          wecom,
          fix: {
            text: `Set ${corp.names.corpId} to the Corp ID of My Company › Company Information (it starts with "ww"; not the mini program's appid).`,
            settings: [corp.names.corpId],
            console: consolePaths.corpId,
          },
        };
      case 40001:
        return {
          verdict: 'fail',
          summary: `WeCom refused the secret for ${corp.corpId}: it is not the secret of one of this corp's apps, the app is disabled, or the secret was reset.`,
          wecom,
          details: [
            `A secret reset in the console stops the old one at once; keep the old one in ${corp.names.previousSecrets} while WECOM_AUTH_DATA_KEY is unset, so sessions survive (docs/operations.md).`,
          ],
          fix: secretOfTheMiniProgramApp(corp, 'The secret is wrong.'),
        };
      case 40091:
        return {
          verdict: 'fail',
          summary: `The secret belongs to another corp than ${corp.corpId}.`,
          wecom,
          fix: secretOfTheMiniProgramApp(
            corp,
            `Check that ${corp.names.corpId} and the secret are of the same corp.`,
          ),
        };
      case 45009:
        return {
          verdict: 'fail',
          summary:
            'WeCom is blocking this host for a while: too many calls, or many wrong secrets (an hour).',
          wecom,
          fix: {
            text: 'Wait for the block to end (at most an hour after wrong secrets; WeCom offers a self-service unblock at https://open.work.weixin.qq.com/wwopen/devtool/checkCorpSpamBlock), then correct the secret before trying again.',
          },
        };
      default:
        return unexpectedAnswer('gettoken', answer);
    }
  },
};
