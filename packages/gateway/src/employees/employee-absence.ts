/**
 * What the gateway tells a client whose employee cannot be let in, in words that fit the case: an employee who left
 * the company is told so, not that they are "outside the visible range".
 */
import type { WecomVisibleRangeError } from '@wecom-auth/api';
import type { EmployeeStatus } from './employee.js';

/**
 * Why an employee whose `user/get` status is not active cannot have a session.
 *
 * @example
 * throw new GatewayError('employee_inactive', inactiveEmployeeMessage(employee.status));
 */
export function inactiveEmployeeMessage(status: EmployeeStatus): string {
  switch (status) {
    case 'left':
      return 'This employee has left the company: WeCom marks their account as departed.';
    case 'disabled':
      return "This employee's WeCom account is disabled by the company's WeCom admin.";
    case 'inactive':
      return 'This employee has not activated their WeCom account yet.';
    case 'active':
    case 'unknown':
      return "This employee's WeCom account is not active.";
  }
}

/**
 * Why `user/get` did not give the employee (50002, 60011, 60111). WeCom answers 60111 `userid not found` for a member
 * who left the company (and for one it does not know); 60011 and 50002 for a member outside the app's visible range.
 *
 * @example
 * throw new GatewayError('not_a_member', absentEmployeeMessage(error));
 */
export function absentEmployeeMessage(error: WecomVisibleRangeError): string {
  if (error.errcode === 60111) {
    return "This employee has left the company: WeCom no longer finds their account (60111 userid not found). If they still work here, check that the app's visible range includes them.";
  }
  return "This employee is outside the app's visible range: a WeCom admin can add them to it (the app's Visible range in the admin console).";
}

/**
 * Whether `user/get` refused the employee because WeCom no longer has them (60111), rather than hiding them.
 *
 * @example
 * const code = isDepartedEmployee(error) ? 'employee_inactive' : 'not_a_member';
 */
export function isDepartedEmployee(error: WecomVisibleRangeError): boolean {
  return error.errcode === 60111;
}
