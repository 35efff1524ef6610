/**
 * The outcomes the WeCom checks share: WeCom's own answer kept as it came, an errcode no check expects explained by
 * the API client's errcode table, and the secret fix every check that meets a wrong app gives.
 */
import { describeErrcode } from '@wecom-auth/api';
import { consolePaths } from './console-paths.js';
import type { CheckOutcome, Fix, WecomVerdictCause } from './doctor-check.js';
import type { DoctorCorp } from './doctor-corp.js';
import type { WecomAnswer } from './wecom-probe.js';

/** The errcode and errmsg of an answer, for a check's `wecom`. */
export function causeOf(answer: WecomAnswer): WecomVerdictCause {
  return { errcode: answer.errcode, errmsg: answer.errmsg };
}

/** A failure for an errcode the check has no specific words for: the errcode table's meaning and hint. */
export function unexpectedAnswer(what: string, answer: WecomAnswer): CheckOutcome {
  const info = describeErrcode(answer.errcode);
  return {
    verdict: 'fail',
    summary: `${what} failed: ${info.meaning} (errcode ${answer.errcode}).`,
    wecom: causeOf(answer),
    fix: { text: info.hint },
  };
}

/** Use the secret of the app the mini program is associated with: the fix of every wrong-app finding. */
export function secretOfTheMiniProgramApp(corp: DoctorCorp, lead: string): Fix {
  return {
    text:
      `${lead} Set ${corp.names.secret} to the Secret of the app the mini program is associated with: in the admin ` +
      'console the mini program is listed among the apps, with its own Secret. Not the Contacts sync secret, nor the ' +
      'Customer Contact secret: they get a token but cannot exchange login codes.',
    settings: [corp.names.secret],
    console: consolePaths.secret,
  };
}
