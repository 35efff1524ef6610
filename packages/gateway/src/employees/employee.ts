/**
 * The gateway's normalised employee: what `/v1/sessions` and `/v1/me` return. Sensitive fields (avatar, gender,
 * email, mobile) appear only when WeCom gave them: `user/get` omits them for apps created after 2022-06-20, and a
 * mobile or email decrypted from `wx.qy.getMobile` / `getEmail` is added later.
 */
import type { WecomUser } from '@wecom-auth/api';

/** The WeCom account status of an employee (`user/get`'s `status` 1, 2, 4, 5). */
export type EmployeeStatus = 'active' | 'disabled' | 'inactive' | 'left' | 'unknown';

/** An employee as the gateway answers it (`employee` of a session, `/v1/me`). */
export interface Employee {
  readonly userId: string;
  readonly corpId: string;
  readonly name: string;
  readonly departments: readonly { readonly id: number; readonly name?: string }[];
  readonly mainDepartment?: number;
  readonly position?: string;
  readonly status: EmployeeStatus;
  readonly avatar?: string;
  readonly gender?: 'male' | 'female';
  readonly email?: string;
  readonly mobile?: string;
  /**
   * Third-party apps: the employee's `open_userid`, the same across one service provider's apps (and different
   * across providers), from `user/get` or, when it gives none, from the login's `jscode2session`.
   */
  readonly openUserId?: string;
}

const statusNames: Readonly<Record<number, EmployeeStatus>> = {
  1: 'active',
  2: 'disabled',
  4: 'inactive',
  5: 'left',
};

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function toEmployee(
  user: WecomUser,
  context: { corpId: string; userId: string; departmentNames: ReadonlyMap<number, string> },
): Employee {
  const departments = (user.department ?? []).map((id) => {
    const name = context.departmentNames.get(id);
    return name === undefined ? { id } : { id, name };
  });
  const gender = user.gender === '1' ? 'male' : user.gender === '2' ? 'female' : undefined;
  const position = nonEmpty(user.position);
  const avatar = nonEmpty(user.avatar);
  const email = nonEmpty(user.email);
  const mobile = nonEmpty(user.mobile);
  const openUserId = nonEmpty(user.open_userid);
  return {
    userId: nonEmpty(user.userid) ?? context.userId,
    corpId: context.corpId,
    name: nonEmpty(user.name) ?? context.userId,
    departments,
    ...(typeof user.main_department === 'number' ? { mainDepartment: user.main_department } : {}),
    ...(position ? { position } : {}),
    status: (typeof user.status === 'number' ? statusNames[user.status] : undefined) ?? 'unknown',
    ...(avatar ? { avatar } : {}),
    ...(gender ? { gender } : {}),
    ...(email ? { email } : {}),
    ...(mobile ? { mobile } : {}),
    ...(openUserId ? { openUserId } : {}),
  };
}
