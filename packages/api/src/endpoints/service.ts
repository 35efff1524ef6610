/**
 * The install APIs of a third-party suite (`/cgi-bin/service/…`, all carrying the suite token): the install link's
 * pre-auth code, the exchange of an install's auth code for the permanent code, and the corp's authorisation.
 */
import { WecomMalformedResponseError } from '../errors.js';
import type { ApiRequest, WecomPayload } from '../request-core.js';
import { withCorp } from '../suite-corp-grant.js';
import type { SuiteAuthInfoResult, SuitePermanentCode, SuitePreAuthCode } from '../suite-types.js';
import type { GrantedToken } from '../token-grant.js';

const paths = {
  preAuthCode: '/cgi-bin/service/get_pre_auth_code',
  sessionInfo: '/cgi-bin/service/set_session_info',
  permanentCode: '/cgi-bin/service/get_permanent_code',
  permanentCodeV2: '/cgi-bin/service/v2/get_permanent_code',
  authInfo: '/cgi-bin/service/get_auth_info',
} as const;

/**
 * What the install link's users may do, as `set_session_info` takes it.
 *
 * @example
 * await suite.service.setSessionInfo(preAuthCode, { authType: 'test' } satisfies SuiteSessionInfo);
 */
export interface SuiteSessionInfo {
  /** `official` installs for real; `test` lets only the suite's test corps install (auth_type 1). */
  readonly authType: 'official' | 'test';
  /** The suite's app IDs the link may install; all of them when left out. */
  readonly appIds?: readonly number[];
}

/**
 * The install APIs of {@link WecomSuiteClient}.
 *
 * @example
 * const install = await suite.service.getPermanentCode(authCode);
 */
export interface ServiceEndpoints {
  /**
   * Exchanges the auth code of an install (`AuthCode` of the `create_auth` or `reset_permanent_code` event, or the
   * `auth_code` of the install redirect) for the corp's permanent code. The code works once, for 10 minutes, and
   * WeCom wants the callback answered within 1 s: answer it first, exchange asynchronously and store the permanent
   * code durably. Accepts the full answer and the simplified one. A corp token in the answer is stored where
   * `corpClient` finds it. A timeout is not retried: the exchange may have happened.
   *
   * @example
   * const install = await suite.service.getPermanentCode(event.AuthCode);
   * await installs.save({ corpId: install.corpId, permanentCode: install.permanentCode, corpName: install.corpName });
   */
  getPermanentCode(authCode: string): Promise<SuitePermanentCode>;
  /**
   * The faster successor `v2/get_permanent_code`: the permanent code, corp, admin and state only, no `authInfo` and
   * no corp token (take those from `getAuthInfo` and `corpClient`).
   *
   * @example
   * const { corpId, permanentCode } = await suite.service.getPermanentCodeV2(event.AuthCode);
   */
  getPermanentCodeV2(authCode: string): Promise<SuitePermanentCode>;
  /**
   * The corp's current authorisation: the apps installed and what they may see. 40084 or 48004 throws
   * `WecomAuthorizationGoneError` naming the corp.
   *
   * @example
   * const { authInfo } = await suite.service.getAuthInfo(corpId, permanentCode); // after a change_auth event
   */
  getAuthInfo(corpId: string, permanentCode: string): Promise<SuiteAuthInfoResult>;
  /**
   * A pre-auth code for an install link started from the provider's own site.
   *
   * @example
   * const { preAuthCode } = await suite.service.getPreAuthCode();
   * const query = `suite_id=${suiteId}&pre_auth_code=${preAuthCode}&redirect_uri=${encodeURIComponent(back)}`;
   * const link = `https://open.work.weixin.qq.com/3rdapp/install?${query}`;
   */
  getPreAuthCode(): Promise<SuitePreAuthCode>;
  /**
   * Sets what an install link with `preAuthCode` may install: `test` for the suite's test corps while it is not
   * online yet.
   *
   * @example
   * await suite.service.setSessionInfo(preAuthCode, { authType: 'test' });
   */
  setSessionInfo(preAuthCode: string, session: SuiteSessionInfo): Promise<void>;
}

/** What the endpoints call WeCom with, and where a corp token from an install goes. */
export interface ServiceEndpointsDeps {
  /** Calls an API with the suite token. */
  request<T extends WecomPayload>(request: ApiRequest): Promise<T>;
  readonly now: () => number;
  /**
   * Stores the corp token of a full `get_permanent_code` answer, for the corp client of that install. `startedAt` is
   * when the exchange started, the token's sequence number.
   */
  adoptCorpToken(
    install: { readonly corpId: string; readonly permanentCode: string },
    token: GrantedToken,
    startedAt: number,
  ): Promise<void>;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function requireNonEmpty(value: unknown, name: string): asserts value is string {
  if (!nonEmptyString(value)) throw new TypeError(`${name} must be a non-empty string`);
}

function malformed(apiPath: string, reason: string): WecomMalformedResponseError {
  return new WecomMalformedResponseError({ apiPath, reason, contentType: undefined, bodyLength: 0 });
}

/** A positive lifetime in seconds, from a number or a numeric string; undefined for anything else. */
function lifetime(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/**
 * Reads either answer of `get_permanent_code` (and of `v2/get_permanent_code`). Lenient about everything but the
 * permanent code and the corp ID: the auth code is spent by now, so an answer that carries those two must not be lost
 * over a cosmetic field.
 */
export function parsePermanentCode(payload: WecomPayload, apiPath: string): SuitePermanentCode {
  const permanentCode = payload.permanent_code;
  const corpInfo = payload.auth_corp_info;
  const corpId = isRecord(corpInfo) ? corpInfo.corpid : undefined;
  if (!nonEmptyString(permanentCode) || !isRecord(corpInfo) || !nonEmptyString(corpId)) {
    throw malformed(apiPath, 'permanent_code or auth_corp_info.corpid is missing');
  }
  const token = payload.access_token;
  const expiresInSeconds = lifetime(payload.expires_in) ?? 7200;
  return {
    permanentCode,
    corpId,
    corpName: typeof corpInfo.corp_name === 'string' ? corpInfo.corp_name : '',
    authCorpInfo: corpInfo,
    ...(isRecord(payload.auth_info) ? { authInfo: payload.auth_info } : {}),
    ...(isRecord(payload.auth_user_info) ? { authUser: payload.auth_user_info } : {}),
    ...(isRecord(payload.dealer_corp_info) ? { dealerCorpInfo: payload.dealer_corp_info } : {}),
    ...(nonEmptyString(payload.state) ? { state: payload.state } : {}),
    ...(nonEmptyString(token) ? { corpToken: { token, expiresInSeconds } } : {}),
  };
}

/** Reads the answer of `get_auth_info`; the corp asked for stands in when the answer names none. */
export function parseAuthInfo(payload: WecomPayload, apiPath: string, corpId: string): SuiteAuthInfoResult {
  const corpInfo = payload.auth_corp_info;
  if (!isRecord(corpInfo)) throw malformed(apiPath, 'auth_corp_info is missing');
  return {
    corpId: nonEmptyString(corpInfo.corpid) ? corpInfo.corpid : corpId,
    corpName: typeof corpInfo.corp_name === 'string' ? corpInfo.corp_name : '',
    authCorpInfo: corpInfo,
    authInfo: isRecord(payload.auth_info) ? payload.auth_info : {},
    ...(isRecord(payload.dealer_corp_info) ? { dealerCorpInfo: payload.dealer_corp_info } : {}),
  };
}

export function serviceEndpoints(deps: ServiceEndpointsDeps): ServiceEndpoints {
  const exchange = async (authCode: string, apiPath: string): Promise<SuitePermanentCode> => {
    requireNonEmpty(authCode, 'authCode');
    const startedAt = deps.now();
    const payload = await deps.request<WecomPayload>({
      method: 'POST',
      path: apiPath,
      body: { auth_code: authCode },
    });
    const install = parsePermanentCode(payload, apiPath);
    if (install.corpToken) await deps.adoptCorpToken(install, install.corpToken, startedAt);
    return install;
  };

  return {
    getPermanentCode: (authCode) => exchange(authCode, paths.permanentCode),
    getPermanentCodeV2: (authCode) => exchange(authCode, paths.permanentCodeV2),

    async getAuthInfo(corpId, permanentCode) {
      requireNonEmpty(corpId, 'corpId');
      requireNonEmpty(permanentCode, 'permanentCode');
      try {
        const payload = await deps.request<WecomPayload>({
          method: 'POST',
          path: paths.authInfo,
          body: { auth_corpid: corpId, permanent_code: permanentCode },
          idempotent: true,
        });
        return parseAuthInfo(payload, paths.authInfo, corpId);
      } catch (error) {
        throw withCorp(error, corpId);
      }
    },

    async getPreAuthCode() {
      const payload = await deps.request<WecomPayload>({
        method: 'GET',
        path: paths.preAuthCode,
        idempotent: true,
      });
      if (!nonEmptyString(payload.pre_auth_code))
        throw malformed(paths.preAuthCode, 'pre_auth_code is missing');
      return { preAuthCode: payload.pre_auth_code, expiresInSeconds: lifetime(payload.expires_in) ?? 1200 };
    },

    async setSessionInfo(preAuthCode, session) {
      requireNonEmpty(preAuthCode, 'preAuthCode');
      if (!isRecord(session) || (session.authType !== 'official' && session.authType !== 'test')) {
        throw new TypeError("session.authType must be 'official' or 'test'");
      }
      const { appIds } = session;
      if (appIds !== undefined && !(Array.isArray(appIds) && appIds.every((id) => Number.isInteger(id)))) {
        throw new TypeError('session.appIds must be an array of integers');
      }
      await deps.request<WecomPayload>({
        method: 'POST',
        path: paths.sessionInfo,
        body: {
          pre_auth_code: preAuthCode,
          session_info: {
            ...(appIds ? { appid: appIds } : {}),
            auth_type: session.authType === 'test' ? 1 : 0,
          },
        },
        idempotent: true,
      });
    },
  };
}
