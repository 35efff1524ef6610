/** The third-party `service/miniprogram/jscode2session`: the login code exchange of a suite's mini program. */
import {
  WecomApiError,
  WecomConfigError,
  WecomInvalidCodeError,
  WecomMalformedResponseError,
} from '../errors.js';
import type { ApiRequest, WecomPayload } from '../request-core.js';
import type { SuiteCode2SessionResult } from '../suite-types.js';

const path = '/cgi-bin/service/miniprogram/jscode2session';

/** What the third-party login path means by the errcodes whose general hint speaks of a corp's own app. */
const suiteHints: ReadonlyMap<number, string> = new Map([
  [
    40029,
    'A login code is single-use and lives 5 minutes: the mini program must call wx.qy.login again. Was wx.login used instead of wx.qy.login, or the same code sent twice? When one mini program is bound to several suites, call wx.qy.login({ suiteId }) with this suite ID, so the code is issued for this suite.',
  ],
  [
    48002,
    'The login code comes from a mini program that is not bound to this suite: check which mini program the app is bound to in the WeCom provider console, and pass this suite ID to wx.qy.login({ suiteId }) when the mini program serves several suites.',
  ],
]);

/**
 * The mini-program APIs of {@link WecomSuiteClient}.
 *
 * @example
 * const session = await suite.miniprogram.code2Session(code);
 */
export interface SuiteMiniprogramEndpoints {
  /**
   * Exchanges a `wx.qy.login` code for the member's corp, userid, open_userid and session_key, with the suite token.
   * A code works once, for 5 minutes: a second exchange throws `WecomInvalidCodeError` (40029), whose hint names
   * `wx.qy.login({ suiteId })` for a mini program bound to several suites. A timeout is not retried, since WeCom may
   * have spent the code. The session_key is a secret: never log the result.
   *
   * @example
   * const { corpId, openUserId } = await suite.miniprogram.code2Session(code);
   * const install = await installs.find(corpId); // undefined: the member's corp has not installed the app
   */
  code2Session(jsCode: string): Promise<SuiteCode2SessionResult>;
}

interface SuiteJscode2sessionPayload extends WecomPayload {
  readonly corpid?: string;
  readonly userid?: string;
  readonly open_userid?: string;
  readonly session_key?: string;
}

/** The same errcode error with the third-party hint, for the errcodes that have one. */
function withSuiteHint(error: unknown): unknown {
  if (!(error instanceof WecomApiError)) return error;
  const hint = suiteHints.get(error.errcode);
  if (hint === undefined) return error;
  const answer = { errcode: error.errcode, errmsg: error.errmsg, apiPath: error.apiPath, hint };
  if (error instanceof WecomInvalidCodeError) return new WecomInvalidCodeError(answer);
  if (error instanceof WecomConfigError) return new WecomConfigError(answer);
  return error;
}

export function suiteMiniprogramEndpoints(
  request: <T extends WecomPayload>(request: ApiRequest) => Promise<T>,
): SuiteMiniprogramEndpoints {
  return {
    async code2Session(jsCode) {
      if (typeof jsCode !== 'string' || jsCode.length === 0)
        throw new TypeError('jsCode must be a non-empty string');
      let payload: SuiteJscode2sessionPayload;
      try {
        payload = await request<SuiteJscode2sessionPayload>({
          method: 'GET',
          path,
          query: { js_code: jsCode, grant_type: 'authorization_code' },
        });
      } catch (error) {
        throw withSuiteHint(error);
      }
      const { corpid, userid, open_userid: openUserId, session_key: sessionKey } = payload;
      if (
        typeof corpid !== 'string' ||
        corpid.length === 0 ||
        typeof userid !== 'string' ||
        userid.length === 0 ||
        typeof openUserId !== 'string' ||
        openUserId.length === 0 ||
        typeof sessionKey !== 'string' ||
        sessionKey.length === 0
      ) {
        throw new WecomMalformedResponseError({
          apiPath: path,
          reason: 'corpid, userid, open_userid or session_key is missing',
          contentType: undefined,
          bodyLength: 0,
        });
      }
      return { corpId: corpid, userId: userid, openUserId, sessionKey };
    },
  };
}
