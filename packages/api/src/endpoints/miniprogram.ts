/** `miniprogram/jscode2session`: the login code exchange, and its normalised result. */
import { WecomMalformedResponseError } from '../errors.js';
import type { AccessTokenSource, RequestCore, WecomPayload } from '../request-core.js';
import type { Code2SessionResult } from '../types.js';

interface Jscode2sessionPayload extends WecomPayload {
  readonly corpid?: string;
  readonly userid?: string;
  readonly session_key?: string;
  readonly deviceid?: string;
}

const path = '/cgi-bin/miniprogram/jscode2session';

/** The mini-program APIs of {@link WecomClient}. */
export interface MiniprogramEndpoints {
  /**
   * Exchanges a `wx.qy.login` code (not a `wx.login` one) for the member's corp, userid and session_key.
   * A code works once, for 5 minutes: a second exchange throws `WecomInvalidCodeError` (40029). A timeout is not
   * retried, since WeCom may have spent the code.
   *
   * @example
   * const { corpId, userId } = await client.miniprogram.code2Session(code);
   * if (corpId !== myCorpId) throw new Error('not one of our employees'); // userId is then an encrypted wo… id
   */
  code2Session(jsCode: string): Promise<Code2SessionResult>;
}

export function miniprogramEndpoints(core: RequestCore, tokens: AccessTokenSource): MiniprogramEndpoints {
  return {
    async code2Session(jsCode: string): Promise<Code2SessionResult> {
      if (typeof jsCode !== 'string' || jsCode.length === 0)
        throw new TypeError('jsCode must be a non-empty string');
      const payload = await core.withToken<Jscode2sessionPayload>(
        { method: 'GET', path, query: { js_code: jsCode, grant_type: 'authorization_code' } },
        tokens,
      );
      const { corpid, userid, session_key: sessionKey, deviceid } = payload;
      if (typeof corpid !== 'string' || typeof userid !== 'string' || typeof sessionKey !== 'string') {
        throw new WecomMalformedResponseError({
          apiPath: path,
          reason: 'corpid, userid or session_key is missing',
          contentType: undefined,
          bodyLength: 0,
        });
      }
      return {
        corpId: corpid,
        userId: userid,
        sessionKey,
        ...(typeof deviceid === 'string' ? { deviceId: deviceid } : {}),
      };
    },
  };
}
