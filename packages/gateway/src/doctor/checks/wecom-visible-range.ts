/**
 * `wecom-visible-range`: the app's visible range reaches someone. `user/get` answers 60011 for a member outside it, so
 * an employee the range leaves out cannot log in (`403 not_a_member`). WeCom lists the departments in the range
 * (`department/simplelist`); members added to it by name alone are not listed, and the `login` step proves them.
 */
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, CorpCheck } from '../doctor-check.js';
import { causeOf, unexpectedAnswer } from '../wecom-outcome.js';

const widen = {
  text: 'Add the departments (or members) who use the mini program to its visible range.',
  console: consolePaths.visibleRange,
};

export const wecomVisibleRangeCheck: CorpCheck = {
  id: 'wecom-visible-range',
  title: 'Visible range',
  scope: 'corp',
  needs: ['wecom-trusted-ip'],
  errcodes: [50002, 60011, 60111],
  gatewayErrors: ['not_a_member'],
  async run(_context, corp): Promise<CheckOutcome> {
    const answer = await corp.call((wecom, accessToken) => wecom.departmentSimplelist(accessToken));
    if (answer === undefined) return { verdict: 'skip', summary: 'Not run: gettoken gave no access token.' };
    if (answer.errcode === 60011) {
      return {
        verdict: 'fail',
        summary:
          "Nothing is in the app's visible range (60011): user/get refuses every member, so nobody can log in.",
        wecom: causeOf(answer),
        fix: widen,
      };
    }
    if (answer.errcode !== 0) return unexpectedAnswer('department/simplelist', answer);
    const departments = Array.isArray(answer.body.department_id) ? answer.body.department_id.length : 0;
    if (departments === 0) {
      return {
        verdict: 'fail',
        summary:
          "No department is in the app's visible range: user/get answers 60011 for every member outside it, who then cannot log in.",
        details: [
          'Members added to the range by name are not listed by WeCom: if that is how the range is set, wecom-auth doctor --login proves it with one of them.',
        ],
        fix: widen,
      };
    }
    return {
      verdict: 'pass',
      summary: `The app's visible range reaches ${departments} department${departments === 1 ? '' : 's'} (with their members).`,
    };
  },
};
