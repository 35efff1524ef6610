/**
 * Payload and result types of third-party (suite) apps. WeCom's nested structures keep its field names, make every
 * field optional and keep unknown keys, like the other payload types; what the client normalises is camelCase.
 */

import type { WecomEnvelope } from './request-core.js';
import type { GrantedToken } from './token-grant.js';
import type { MemberStatus, WecomUser } from './types.js';

/**
 * The installing corp, as `get_permanent_code` and `get_auth_info` send it (`auth_corp_info`).
 *
 * @example
 * const { corp_name, corp_user_max } = install.authCorpInfo;
 */
export interface SuiteAuthCorpInfo {
  /** The corp ID: encrypted for third parties and case-sensitive. */
  readonly corpid?: string;
  /** The corp's short name. */
  readonly corp_name?: string;
  /** `verified` or `unverified`. */
  readonly corp_type?: string;
  /** The corp's square logo. */
  readonly corp_square_logo_url?: string;
  /** How many members the corp may have. */
  readonly corp_user_max?: number;
  /** The corp's full (legal) name. */
  readonly corp_full_name?: string;
  /** 1 enterprise, 2 government or public institution, 3 other organisation, 4 team. */
  readonly subject_type?: number;
  /** When the verification expires, in epoch seconds. */
  readonly verified_end_time?: number;
  /** The QR code to join the corp's WeChat-connected directory. */
  readonly corp_wxqrcode?: string;
  /** The corp's size band, as text. */
  readonly corp_scale?: string;
  /** The corp's industry. */
  readonly corp_industry?: string;
  /** The corp's sub-industry. */
  readonly corp_sub_industry?: string;
  readonly [key: string]: unknown;
}

/**
 * What one app of the suite may see in the installing corp (`auth_info.agent[].privilege`): its visible range.
 *
 * @example
 * const everyone = agent.privilege?.allow_party?.includes(1);
 */
export interface SuiteAgentPrivilege {
  /** WeCom's contact-permission level of the app. */
  readonly level?: number;
  /** Departments in the visible range. */
  readonly allow_party?: readonly number[];
  /** Members in the visible range. */
  readonly allow_user?: readonly string[];
  /** Tags in the visible range. */
  readonly allow_tag?: readonly number[];
  /** Departments with extra (editable) rights. */
  readonly extra_party?: readonly number[];
  /** Members with extra (editable) rights. */
  readonly extra_user?: readonly string[];
  /** Tags with extra (editable) rights. */
  readonly extra_tag?: readonly number[];
  readonly [key: string]: unknown;
}

/**
 * One app of the suite as the corp installed it (`auth_info.agent[]`).
 *
 * @example
 * const agentId = install.authInfo?.agent?.[0]?.agentid;
 */
export interface SuiteAuthAgent {
  /** The app's agent ID in the installing corp. */
  readonly agentid?: number;
  /** The app's name. */
  readonly name?: string;
  /** The app's round logo. */
  readonly round_logo_url?: string;
  /** The app's square logo. */
  readonly square_logo_url?: string;
  /** The app's ID within the suite (old multi-app suites). */
  readonly appid?: number;
  /** 0 admin authorisation, 1 member authorisation. */
  readonly auth_mode?: number;
  /** A customised (代开发) app. */
  readonly is_customized_app?: boolean;
  /** Authorised through another third-party app's API. */
  readonly auth_from_thirdapp?: boolean;
  /** Its visible range. */
  readonly privilege?: SuiteAgentPrivilege;
  /** The corp that shared the app, for a shared app: `share_type` 0 interconnected corps, 1 upstream/downstream. */
  readonly shared_from?: { readonly corpid?: string; readonly share_type?: number };
  readonly [key: string]: unknown;
}

/**
 * The apps the corp installed and what they may see (`auth_info`).
 *
 * @example
 * const { authInfo } = await suite.service.getAuthInfo(corpId, permanentCode);
 * const agents = authInfo.agent ?? [];
 */
export interface SuiteAuthInfo {
  /** The installed apps of the suite. */
  readonly agent?: readonly SuiteAuthAgent[];
  readonly [key: string]: unknown;
}

/**
 * The administrator who installed the app (`auth_user_info`); absent when the install was not by an admin.
 *
 * @example
 * const installer = install.authUser?.open_userid;
 */
export interface SuiteAuthUserInfo {
  /** The admin's userid in the corp (encrypted). */
  readonly userid?: string;
  /** The admin's ID across the provider's apps. */
  readonly open_userid?: string;
  /** The admin's name, when WeCom sends one. */
  readonly name?: string;
  /** The admin's avatar, when WeCom sends one. */
  readonly avatar?: string;
  readonly [key: string]: unknown;
}

/**
 * The dealer (reseller) corp, for apps installed through one (`dealer_corp_info`).
 *
 * @example
 * const dealer = install.dealerCorpInfo?.corp_name;
 */
export interface SuiteDealerCorpInfo {
  /** The dealer's corp ID. */
  readonly corpid?: string;
  /** The dealer's name. */
  readonly corp_name?: string;
  readonly [key: string]: unknown;
}

/**
 * The install, as `service.getPermanentCode` normalises it from either answer of `get_permanent_code` (the full one,
 * with `auth_info` and a corp token, or the simplified one) or of its `v2` successor. Holds the permanent code: never
 * log this object.
 *
 * @example
 * const { corpId, corpName, permanentCode } = await suite.service.getPermanentCode(authCode);
 */
export interface SuitePermanentCode {
  /** The permanent code: store it (encrypted) with the corp; every corp token is obtained with it. A secret. */
  readonly permanentCode: string;
  /** The installing corp's ID (encrypted for third parties, case-sensitive): pass it exactly as given. */
  readonly corpId: string;
  /** The corp's name; empty only if WeCom left it out, which none of its documented answers does. */
  readonly corpName: string;
  /** `auth_corp_info` as WeCom sent it. */
  readonly authCorpInfo: SuiteAuthCorpInfo;
  /** `auth_info`: the apps installed and their visible ranges (the full answer only; else `getAuthInfo`). */
  readonly authInfo?: SuiteAuthInfo;
  /** `auth_user_info`: the admin who installed the app, when WeCom sent it. */
  readonly authUser?: SuiteAuthUserInfo;
  /** `dealer_corp_info`, for an install through a dealer. */
  readonly dealerCorpInfo?: SuiteDealerCorpInfo;
  /** The `state` of the install link, when it carried one. */
  readonly state?: string;
  /**
   * The corp token the full answer carries. The suite client has already stored it where its `corpClient` finds
   * it, so it is rarely needed. A secret.
   */
  readonly corpToken?: GrantedToken;
}

/**
 * `service.getAuthInfo`: the corp's current authorisation (after a `change_auth` event, say).
 *
 * @example
 * const { corpName, authInfo } = await suite.service.getAuthInfo(corpId, permanentCode);
 */
export interface SuiteAuthInfoResult {
  /** The corp ID, as WeCom sent it (else the one asked for). */
  readonly corpId: string;
  /** The corp's name; empty if WeCom left it out. */
  readonly corpName: string;
  /** `auth_corp_info` as WeCom sent it. */
  readonly authCorpInfo: SuiteAuthCorpInfo;
  /** `auth_info` as WeCom sent it (empty when it sent none). */
  readonly authInfo: SuiteAuthInfo;
  /** `dealer_corp_info`, for an install through a dealer. */
  readonly dealerCorpInfo?: SuiteDealerCorpInfo;
}

/**
 * `service.getPreAuthCode`: the code an install link carries.
 *
 * @example
 * const { preAuthCode, expiresInSeconds } = await suite.service.getPreAuthCode();
 */
export interface SuitePreAuthCode {
  /** Goes into the install link `https://open.work.weixin.qq.com/3rdapp/install?suite_id=…&pre_auth_code=…`. */
  readonly preAuthCode: string;
  /** Its lifetime (1200 s as documented). */
  readonly expiresInSeconds: number;
}

/**
 * The normalised result of the third-party `service/miniprogram/jscode2session`. Holds the session key: never log it.
 *
 * @example
 * const { corpId, userId, openUserId } = await suite.miniprogram.code2Session(code);
 */
export interface SuiteCode2SessionResult {
  /** The member's corp (encrypted, case-sensitive): look up its install before trusting anything else. */
  readonly corpId: string;
  /** The member's userid in that corp; encrypted when the corp has not installed this app. */
  readonly userId: string;
  /** The member's ID across all apps of this provider (and only this provider): the stable key for a person. */
  readonly openUserId: string;
  /** The session key for `encryptedData`. A secret: keep it on the server, never log it or send it to the client. */
  readonly sessionKey: string;
}

/**
 * `user/get` as a third-party app gets it: WeCom withholds the person's name (use the contact display component to
 * show one), the mobile, email, business mail, address and QR code; avatar and gender only a contact-sync suite gets.
 * `userid` is the member's (possibly encrypted) userid, `open_userid` the provider-wide one. Assignable to
 * {@link WecomUser}, so code written for a corp's own app reads it unchanged.
 *
 * @example
 * const member: ThirdPartyUser = await suite.corpClient({ corpId, permanentCode }).user.get(userId);
 * member.open_userid; // the person across the provider's apps; member.mobile does not exist for a third party
 */
export interface ThirdPartyUser extends WecomEnvelope {
  /** The member's userid in the corp; encrypted where the corp's ID is. */
  readonly userid?: string;
  /** The member's ID across all apps of this provider. */
  readonly open_userid?: string;
  /** Withheld from third-party apps (a contact-sync suite's excepted), or the userid in its place. */
  readonly name?: string;
  /** Department IDs (names are withheld from third parties). */
  readonly department?: readonly number[];
  /** The member's order in each department. */
  readonly order?: readonly number[];
  /** The main department. */
  readonly main_department?: number;
  /** 1 where the member leads the department of the same index. */
  readonly is_leader_in_dept?: readonly number[];
  /** The member's direct leaders' userids. */
  readonly direct_leader?: readonly string[];
  /** The job title. */
  readonly position?: string;
  /** Only for a contact-sync suite: a string, `"0"` unknown, `"1"` male, `"2"` female. */
  readonly gender?: '0' | '1' | '2' | (string & {});
  /** Only for a contact-sync suite. */
  readonly avatar?: string;
  /** Only for a contact-sync suite. */
  readonly thumb_avatar?: string;
  /** The landline number. */
  readonly telephone?: string;
  /** The alias. */
  readonly alias?: string;
  /** Custom attributes. */
  readonly extattr?: NonNullable<WecomUser['extattr']>;
  /** 1 active, 2 disabled, 4 not yet activated, 5 left the corp. */
  readonly status?: MemberStatus | (number & {});
  /** The title shown to external contacts. */
  readonly external_position?: string;
  /** The profile shown to external contacts. */
  readonly external_profile?: NonNullable<WecomUser['external_profile']>;
  /** Third-party apps never get it. */
  readonly mobile?: never;
  /** Third-party apps never get it. */
  readonly email?: never;
  /** Third-party apps never get it. */
  readonly biz_mail?: never;
  /** Third-party apps never get it. */
  readonly address?: never;
  /** Third-party apps never get it. */
  readonly qr_code?: never;
}
