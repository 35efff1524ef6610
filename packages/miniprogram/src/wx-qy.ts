/** `wx.qy.login` and the `wx.qy` data APIs as promises that reject with a {@link WecomAuthError}. */
import { WecomAuthError } from './wecom-auth-error.js';
import type { WxFailure, WxLike, WxQy } from './wx-types.js';

/**
 * What {@link WecomAuth.decrypt} can ask WeCom for: `mobile` (`wx.qy.getMobile`), `email` (`wx.qy.getEmail`) or
 * `userinfo` (`wx.qy.getEnterpriseUserInfo`).
 */
export type DecryptKind = 'mobile' | 'email' | 'userinfo';

/** The `wx.qy` API that hands each kind over encrypted. */
const QY_DATA_APIS: Record<DecryptKind, 'getMobile' | 'getEmail' | 'getEnterpriseUserInfo'> = {
  mobile: 'getMobile',
  email: 'getEmail',
  userinfo: 'getEnterpriseUserInfo',
};

/** True for the kinds {@link WecomAuth.decrypt} accepts. */
export function isDecryptKind(value: unknown): value is DecryptKind {
  return value === 'mobile' || value === 'email' || value === 'userinfo';
}

function errMsgOf(failure: WxFailure | undefined): string {
  return failure && typeof failure.errMsg === 'string' ? failure.errMsg.slice(0, 200) : 'no errMsg';
}

function qyOf(wx: WxLike | undefined): WxQy {
  const qy = wx?.qy;
  if (qy === undefined || qy === null || typeof qy.login !== 'function') {
    throw new WecomAuthError(
      'not_in_wecom',
      'wx.qy is not available: open the mini program in WeCom (企业微信), not in WeChat.',
    );
  }
  return qy;
}

/** A fresh login code from `wx.qy.login`. */
export function qyLogin(wx: WxLike | undefined, suiteId?: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const qy = qyOf(wx);
    const success = (result: { readonly code?: string }): void => {
      if (result && typeof result.code === 'string' && result.code.length > 0) resolve(result.code);
      else reject(new WecomAuthError('login_failed', 'wx.qy.login succeeded without a code.'));
    };
    const fail = (failure: WxFailure | undefined): void =>
      reject(new WecomAuthError('login_failed', `wx.qy.login failed: ${errMsgOf(failure)}`));
    // A mini program bound to several third-party apps names the one whose code it wants (WeCom ≥ 3.1.8).
    qy.login(suiteId === undefined ? { success, fail } : { suiteId, success, fail });
  });
}

/** The encrypted data of `wx.qy.getMobile` / `getEmail` / `getEnterpriseUserInfo`. */
export function qyEncryptedData(
  wx: WxLike | undefined,
  kind: DecryptKind,
): Promise<{ encryptedData: string; iv: string }> {
  return new Promise((resolve, reject) => {
    const qy = qyOf(wx);
    const name = QY_DATA_APIS[kind];
    const api = qy[name];
    if (typeof api !== 'function') {
      throw new WecomAuthError('wx_api_failed', `wx.qy.${name} is not available in this WeCom version.`);
    }
    api.call(qy, {
      success: (result) => {
        if (result && typeof result.encryptedData === 'string' && typeof result.iv === 'string') {
          resolve({ encryptedData: result.encryptedData, iv: result.iv });
        } else {
          reject(
            new WecomAuthError('wx_api_failed', `wx.qy.${name} succeeded without encryptedData and iv.`),
          );
        }
      },
      fail: (failure) => {
        const errMsg = errMsgOf(failure);
        // WeCom reports a declined prompt as "…:fail cancel" or "…:fail auth deny".
        const declined = /cancel|deny/i.test(errMsg);
        reject(
          new WecomAuthError(
            declined ? 'user_cancelled' : 'wx_api_failed',
            declined ? `The user declined wx.qy.${name}.` : `wx.qy.${name} failed: ${errMsg}`,
          ),
        );
      },
    });
  });
}
