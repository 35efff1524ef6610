/**
 * Turns a directory edit into the `change_contact` event WeCom would push: the member's changed fields (all of them
 * for a new member), `NewUserID` for a rename; `Id`, `Name`, `ParentId`, `Order` for departments.
 */
import type {
  ContactPartyFields,
  ContactUserFields,
  CreatePartyEvent,
  CreateUserEvent,
  UpdatePartyEvent,
  UpdateUserEvent,
} from '@wecom-auth/crypto';
import type { DepartmentFixture, UserFixture } from './directory-schema.js';

type WithoutRaw<T> = Omit<T, 'raw'>;

function userFields(user: UserFixture): ContactUserFields {
  return {
    name: user.name,
    department: user.department,
    ...(user.main_department === undefined ? {} : { mainDepartment: user.main_department }),
    ...(user.is_leader_in_dept === undefined ? {} : { isLeaderInDept: user.is_leader_in_dept }),
    directLeader: user.direct_leader,
    position: user.position,
    mobile: user.mobile,
    gender: Number(user.gender),
    email: user.email,
    bizMail: user.biz_mail,
    status: user.status,
    avatar: user.avatar,
    alias: user.alias,
    telephone: user.telephone,
    address: user.address,
  };
}

/** `update_user` with the fields that differ between `before` and `after`. */
export function updateUserEvent(before: UserFixture, after: UserFixture): WithoutRaw<UpdateUserEvent> {
  const old = userFields(before);
  const next = userFields(after);
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(value) !== JSON.stringify(old[key as keyof ContactUserFields])) changed[key] = value;
  }
  return {
    kind: 'update_user',
    userId: before.userid,
    ...(after.userid === before.userid ? {} : { newUserId: after.userid }),
    ...(changed as ContactUserFields),
  };
}

export function createUserEvent(user: UserFixture): WithoutRaw<CreateUserEvent> {
  return { kind: 'create_user', userId: user.userid, ...userFields(user) };
}

function partyFields(dept: DepartmentFixture): ContactPartyFields {
  return { id: dept.id, name: dept.name, parentId: dept.parentid, order: dept.order };
}

export function partyEvent(
  kind: 'create_party' | 'update_party',
  dept: DepartmentFixture,
): WithoutRaw<CreatePartyEvent> | WithoutRaw<UpdatePartyEvent> {
  return { kind, ...partyFields(dept) };
}
