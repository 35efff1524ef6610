/**
 * `login` (`--login`, or `--code <code>`): the whole chain with one employee, as the gateway runs it: a real
 * `wx.qy.login` code, `jscode2session` with the default corp's token, the corp WeCom answers, `user/get` (a third-party
 * app's chain: see `suite-login.ts`). Against real WeCom the code is pasted in (from the mini program: `wx.qy.login` in
 * the developer tools on a phone signed in to WeCom); against a sandbox the doctor points at the phone simulator and
 * mints a code for a demo employee itself.
 */
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, SetupCheck } from '../doctor-check.js';
import type { DoctorContext } from '../doctor-context.js';
import type { DoctorCorp } from '../doctor-corp.js';
import { sandboxBehind, sandboxLoginCode } from '../sandbox-login-code.js';
import { suiteLogin } from '../suite-login.js';
import { causeOf, secretOfTheMiniProgramApp, unexpectedAnswer } from '../wecom-outcome.js';

async function exchange(context: DoctorContext, corp: DoctorCorp, code: string): Promise<CheckOutcome> {
  const session = await corp.call((wecom, accessToken) => wecom.jscode2session(accessToken, code));
  if (session === undefined) return { verdict: 'skip', summary: 'Not run: gettoken gave no access token.' };
  const miniProgram = context.upstream.miniProgramAppId;
  switch (session.errcode) {
    case 0:
      break;
    case 40029:
      return {
        verdict: 'fail',
        summary: 'WeCom refused the code (40029).',
        wecom: causeOf(session),
        fix: {
          text: `A code is single-use and lives 5 minutes: take a fresh one from wx.qy.login (not wx.login) in mini program ${miniProgram}, and do not also send it to a gateway.`,
        },
      };
    case 40014:
    case 48002:
      return {
        verdict: 'fail',
        summary: `The code comes from a mini program this app is not associated with (${session.errcode}): WECOM_MINIPROGRAM_APPID is ${miniProgram}.`,
        wecom: causeOf(session),
        fix: {
          ...secretOfTheMiniProgramApp(
            corp,
            `Check that the mini program the code came from is ${miniProgram} and is associated with the corp (${consolePaths.associate.en}).`,
          ),
          settings: ['WECOM_MINIPROGRAM_APPID', corp.names.secret],
        },
      };
    default:
      return unexpectedAnswer('jscode2session', session);
  }
  const corpId = String(session.body.corpid ?? '');
  const userId = String(session.body.userid ?? '');
  if (corpId !== corp.corpId) {
    const served = context.corps.some((candidate) => candidate.corpId === corpId);
    return served
      ? {
          verdict: 'pass',
          summary: `The code is of an employee of ${corpId}, another corp this gateway serves: the gateway answers corp_mismatch and the SDK logs in again with that corp, by itself.`,
        }
      : {
          verdict: 'fail',
          summary: `The code is of a user of ${corpId || 'another corp'}, which this gateway does not serve: the gateway answers not_a_member.`,
          fix: {
            text: 'Log in as an employee of a corp this gateway serves (WECOM_CORP_ID or WECOM_CORPS).',
          },
        };
  }
  const user = await corp.call((wecom, accessToken) => wecom.userGet(accessToken, userId));
  if (user === undefined) return { verdict: 'skip', summary: 'Not run: gettoken gave no access token.' };
  if (user.errcode === 60011 || user.errcode === 60111 || user.errcode === 50002) {
    return {
      verdict: 'fail',
      summary: `WeCom knows the code's employee (${userId}) but not to this app: outside its visible range (${user.errcode}).`,
      wecom: causeOf(user),
      fix: {
        text: 'Add the employee, or a department of theirs, to the visible range.',
        console: consolePaths.visibleRange,
      },
    };
  }
  if (user.errcode !== 0) return unexpectedAnswer('user/get', user);
  return {
    verdict: 'pass',
    summary: `Logged in end to end as ${userId} of ${corpId}: code → jscode2session → user/get.`,
  };
}

export const loginCheck: SetupCheck = {
  id: 'login',
  title: 'One real login, end to end',
  scope: 'setup',
  needs: ['wecom-trusted-ip'],
  errcodes: [40029, 48002, 60011],
  gatewayErrors: ['code_invalid', 'not_a_member', 'corp_mismatch', 'corp_not_authorized'],
  applies: (context) => context.input.login === true || context.input.code !== undefined,
  async run(context): Promise<CheckOutcome> {
    // A third-party app's login goes through its suite token and an installed corp's permanent code.
    if (context.suite !== undefined) return suiteLogin(context, context.suite);
    const corp = context.corps[0];
    if (corp === undefined) return { verdict: 'skip', summary: 'Not run: no corp is configured.' };
    let code = context.input.code;
    if (code === undefined) {
      const sandbox = await sandboxBehind(context);
      code =
        sandbox === undefined
          ? await context.input.askForCode?.(
              `Paste a wx.qy.login code of mini program ${context.upstream.miniProgramAppId} (an employee of ${corp.corpId}), then Enter: `,
            )
          : await sandboxLoginCode(context, sandbox, corp.corpId);
    }
    code = code?.trim();
    if (code === undefined || code === '') {
      return { verdict: 'skip', summary: 'No login code was given.' };
    }
    return exchange(context, corp, code);
  },
};
