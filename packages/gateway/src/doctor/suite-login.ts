/**
 * The login step of a third-party app, as its gateway runs a login: a `wx.qy.login` code of the suite's mini program,
 * `service/miniprogram/jscode2session` with the suite_access_token (WeCom names the user's corp), the corp's install in
 * the store, its permanent code opened with the data keyring, `get_corp_token`, `user/get` with that corp's token.
 * Against a sandbox the code is minted for the first installed corp's first active member; against WeCom it is pasted.
 */
import { StoreUnavailableError, type SuiteInstallRecord } from '@wecom-auth/store';
import { consolePaths } from './console-paths.js';
import { lostKeyRecovery } from './data-key-recovery.js';
import type { CheckOutcome } from './doctor-check.js';
import type { DoctorContext } from './doctor-context.js';
import type { DoctorSuite } from './doctor-suite.js';
import { sandboxBehind, sandboxLoginCode } from './sandbox-login-code.js';
import { installFix, storeUnreadable } from './suite-outcome.js';
import { causeOf, unexpectedAnswer } from './wecom-outcome.js';

/** The code to log in with: given, minted by a sandbox, or pasted; or why there is none. */
async function loginCode(
  context: DoctorContext,
  suite: DoctorSuite,
): Promise<{ readonly code: string } | { readonly none: string }> {
  const none = { none: 'No login code was given.' };
  if (context.input.code !== undefined) return { code: context.input.code };
  const sandbox = await sandboxBehind(context);
  if (sandbox === undefined) {
    const pasted = await context.input.askForCode?.(
      `Paste a wx.qy.login({ suiteId: '${suite.suiteId}' }) code of mini program ${context.upstream.miniProgramAppId} (an employee of a corp that installed the app), then Enter: `,
    );
    return pasted === undefined ? none : { code: pasted };
  }
  const [install] = (await context.existingStore()?.suites.listInstalls(suite.suiteId, { limit: 1 })) ?? [];
  if (install === undefined) {
    return {
      none: 'Not run: no corp has installed the app (see "Installed corps"), so no employee can log in.',
    };
  }
  return { code: await sandboxLoginCode(context, sandbox, install.corpId, suite.suiteId) };
}

/** Runs the login step for the third-party app `suite`. */
export async function suiteLogin(context: DoctorContext, suite: DoctorSuite): Promise<CheckOutcome> {
  if (context.upstream.mode === 'sandbox') {
    return {
      verdict: 'skip',
      summary:
        "Sandbox mode: the stored installs come from the sandbox wecom-auth serve starts, which this sandbox of the doctor never issued, so a login through it would prove nothing of them. The phone simulator of SANDBOX_APP=suite wecom-auth serve logs in through the suite's mini program.",
    };
  }
  // The login rests on "Suite ID and secret": without its token, that check has said why already.
  const suiteAccessToken = await suite.accessToken().catch(() => undefined);
  if (suiteAccessToken === undefined) {
    return {
      verdict: 'skip',
      summary: 'Not run: get_suite_token gave no suite_access_token (see "Suite ID and secret").',
    };
  }
  try {
    const given = await loginCode(context, suite);
    const code = 'code' in given ? given.code.trim() : '';
    if (code === '') {
      return { verdict: 'skip', summary: 'none' in given ? given.none : 'No login code was given.' };
    }
    return await exchange(context, suite, code);
  } catch (error) {
    if (error instanceof StoreUnavailableError) return storeUnreadable('the installs', error);
    throw error;
  }
}

async function exchange(context: DoctorContext, suite: DoctorSuite, code: string): Promise<CheckOutcome> {
  const miniProgram = context.upstream.miniProgramAppId;
  const session = await suite.call((wecom, token) => wecom.suiteJscode2session(token, code));
  if (session === undefined) return { verdict: 'skip', summary: 'Not run: there is no suite_access_token.' };
  switch (session.errcode) {
    case 0:
      break;
    case 40029:
      return {
        verdict: 'fail',
        summary: 'WeCom refused the code (40029).',
        wecom: causeOf(session),
        fix: {
          text: `A code is single-use and lives 5 minutes: take a fresh one from wx.qy.login (not wx.login) in mini program ${miniProgram}, the app's own (WECOM_MINIPROGRAM_APPID), and do not also send it to a gateway.`,
        },
      };
    case 48003:
      return {
        verdict: 'fail',
        summary: `The code names another third-party app than ${suite.suiteId} (48003): wx.qy.login was given another suiteId.`,
        wecom: causeOf(session),
        fix: {
          text: `In the mini program, log in with wx.qy.login({ suiteId: '${suite.suiteId}' }) (createAuth({ suiteId })), or set ${suite.names.suiteId} to the app the mini program logs in to.`,
          settings: [suite.names.suiteId],
        },
      };
    default:
      return unexpectedAnswer('service/miniprogram/jscode2session', session);
  }
  const corpId = String(session.body.corpid ?? '');
  const userId = String(session.body.userid ?? '');
  const install: SuiteInstallRecord | undefined = await context
    .existingStore()
    ?.suites.install(suite.suiteId, corpId);
  if (install === undefined) {
    return {
      verdict: 'fail',
      summary: `The code is of a user of ${corpId || 'a corp'}, which has not installed the app (or the gateway never heard of its create_auth): the gateway answers 403 corp_not_authorized.`,
      fix: installFix(context),
    };
  }
  const permanentCode = context.dataKeyring().unseal(install.permanentCodeCiphertext, 'permanent_code');
  if (permanentCode === undefined) {
    return {
      verdict: 'fail',
      summary: `The permanent code of ${corpId} opens with none of this configuration's data keys: its users cannot log in.`,
      fix: lostKeyRecovery(context),
    };
  }
  const corpToken = await suite.call((wecom, token) =>
    wecom.getCorpToken(token, corpId, permanentCode.plaintext),
  );
  if (corpToken === undefined)
    return { verdict: 'skip', summary: 'Not run: there is no suite_access_token.' };
  if (corpToken.errcode === 40084 || corpToken.errcode === 48004) {
    return {
      verdict: 'fail',
      summary: `WeCom no longer accepts the permanent code of ${corpId} (${corpToken.errcode}): its authorisation is gone, and the gateway did not hear of it.`,
      wecom: causeOf(corpToken),
      fix: {
        text: 'The corp must install the app again; check that the instruction callback reaches the gateway (see "Installed corps").',
        console: consolePaths.suiteInstructionCallback,
      },
    };
  }
  const accessToken = corpToken.body.access_token;
  if (corpToken.errcode !== 0 || typeof accessToken !== 'string') {
    return unexpectedAnswer('get_corp_token', corpToken);
  }
  const user = await context.wecom.userGet(accessToken, userId);
  if (user.errcode === 60011 || user.errcode === 60111 || user.errcode === 50002) {
    return {
      verdict: 'fail',
      summary: `WeCom knows the code's employee (${userId}) but not to the app in ${corpId}: outside the visible range the corp gave it (${user.errcode}).`,
      wecom: causeOf(user),
      fix: {
        text: "An administrator of the corp adds the employee, or a department of theirs, to the app's visible range (in the corp's admin console: App Management › the app › Visible to); WeCom then sends change_auth.",
      },
    };
  }
  if (user.errcode !== 0) return unexpectedAnswer('user/get', user);
  return {
    verdict: 'pass',
    summary: `Logged in end to end as ${userId} of ${corpId}: code → service/miniprogram/jscode2session → get_corp_token → user/get.`,
  };
}
