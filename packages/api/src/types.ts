/**
 * WeCom payload types. Following WeCom's own advice, every payload field is optional (error answers can carry empty
 * success keys, successes can omit fields) and unknown keys are kept at run time. Where WeCom documents the fields of
 * an answer (a member), the type names exactly those, so a misspelt field is a compile error; a field WeCom adds
 * later is added to the type by declaration merging (see {@link WecomUser}).
 */
import type { WecomEnvelope, WecomPayload } from './request-core.js';

/** The normalised result of `miniprogram/jscode2session`. */
export interface Code2SessionResult {
  /** The corp the user belongs to: compare it with your own corp before trusting `userId`. */
  readonly corpId: string;
  /** The member's userid, or an encrypted `wo…` id when the user's corp is not the token's corp. */
  readonly userId: string;
  /** The session key for `encryptedData`. Keep it on the server; never send it to the mini program. */
  readonly sessionKey: string;
  /** The device id, when WeCom sends a non-empty one. */
  readonly deviceId?: string;
}

/** Member status: 1 active, 2 disabled, 4 not yet activated, 5 left the corp. */
export type MemberStatus = 1 | 2 | 4 | 5;

/**
 * One custom attribute of a member (`extattr.attrs[]`, `external_profile.external_attr[]`): text (`type` 0), web
 * link (1) or mini program (2), each under its own key.
 *
 * @example
 * const phone = user.extattr?.attrs?.find((attr) => attr.name === 'Extension')?.text?.value;
 */
export interface ExtattrItem {
  readonly type?: number;
  readonly name?: string;
  readonly text?: { readonly value?: string };
  readonly web?: { readonly url?: string; readonly title?: string };
  readonly miniprogram?: { readonly appid?: string; readonly pagepath?: string; readonly title?: string };
}

/**
 * `user/get`, as WeCom sends it (snake_case). Apps created after 2022-06-20 get no avatar, thumb_avatar, mobile,
 * email, biz_mail, qr_code or address, and gender `"0"`: use `wx.qy.getMobile` and friends for those.
 *
 * Only the documented fields are typed, so `user.nmae` does not compile. The company's own fields are the typed
 * extension attributes `extattr.attrs` and `external_profile.external_attr` ({@link ExtattrItem}); a field WeCom adds
 * later arrives all the same, and is typed by merging it into this interface.
 *
 * @example
 * ```ts
 * declare module '@wecom-auth/api' {
 *   interface WecomUser {
 *     readonly new_field_from_wecom?: string;
 *   }
 * }
 * ```
 */
export interface WecomUser extends WecomEnvelope {
  readonly userid?: string;
  readonly name?: string;
  readonly department?: readonly number[];
  readonly order?: readonly number[];
  readonly position?: string;
  readonly mobile?: string;
  /** A string: `"0"` unknown, `"1"` male, `"2"` female. */
  readonly gender?: '0' | '1' | '2' | (string & {});
  readonly email?: string;
  readonly biz_mail?: string;
  readonly is_leader_in_dept?: readonly number[];
  readonly direct_leader?: readonly string[];
  readonly avatar?: string;
  readonly thumb_avatar?: string;
  readonly telephone?: string;
  readonly alias?: string;
  readonly address?: string;
  readonly open_userid?: string;
  readonly main_department?: number;
  readonly extattr?: { readonly attrs?: readonly ExtattrItem[] };
  readonly status?: MemberStatus | (number & {});
  readonly qr_code?: string;
  readonly external_position?: string;
  readonly external_profile?: {
    readonly external_corp_name?: string;
    readonly wechat_channels?: { readonly nickname?: string; readonly status?: number };
    readonly external_attr?: readonly ExtattrItem[];
  };
}

/** A department, as `department/list` and `department/get` send it. */
export interface WecomDepartment {
  readonly id?: number;
  readonly name?: string;
  readonly name_en?: string;
  readonly department_leader?: readonly string[];
  readonly parentid?: number;
  readonly order?: number;
  readonly [key: string]: unknown;
}

/** `department/list`: the department and its sub-departments. */
export interface DepartmentListResult extends WecomPayload {
  readonly department?: readonly WecomDepartment[];
}

/** `department/simplelist`: ids and parent ids only. */
export interface DepartmentSimpleListResult extends WecomPayload {
  readonly department_id?: readonly {
    readonly id?: number;
    readonly parentid?: number;
    readonly order?: number;
  }[];
}

/** `department/get`: one department. */
export interface DepartmentGetResult extends WecomPayload {
  readonly department?: WecomDepartment;
}

/** `user/convert_to_openid`: the member's WeChat openid. */
export interface ConvertToOpenidResult extends WecomPayload {
  readonly openid?: string;
}

/** `batch/userid_to_openuserid`: the converted ids, and the userids that could not be converted. */
export interface UseridToOpenuseridResult extends WecomPayload {
  readonly open_userid_list?: readonly { readonly userid?: string; readonly open_userid?: string }[];
  readonly invalid_userid_list?: readonly string[];
}
