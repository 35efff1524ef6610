/**
 * The slice of the mini program's `wx` global the SDK uses, typed loosely enough that the real `wx`, a test double
 * and another runtime's compatible object all fit.
 */

/** What a failed `wx` API hands its `fail` callback. */
export interface WxFailure {
  readonly errMsg?: string;
  readonly errno?: number;
}

export interface WxCallbacks<T> {
  success?: (result: T) => void;
  fail?: (failure: WxFailure) => void;
}

/** What `wx.qy.getMobile`, `getEmail` and `getEnterpriseUserInfo` give on success. */
export interface WxEncryptedResult {
  readonly encryptedData?: string;
  readonly iv?: string;
}

export interface WxQy {
  login(options: WxCallbacks<{ readonly code?: string }>): void;
  getMobile?(options: WxCallbacks<WxEncryptedResult>): void;
  getEmail?(options: WxCallbacks<WxEncryptedResult>): void;
  getEnterpriseUserInfo?(options: WxCallbacks<WxEncryptedResult>): void;
}

export interface WxRequestOptions extends WxCallbacks<WxRequestSuccess> {
  url: string;
  method: string;
  header: Record<string, string>;
  data?: unknown;
  timeout?: number;
  dataType?: string;
}

export interface WxRequestSuccess {
  readonly statusCode: number;
  readonly data: unknown;
  readonly header?: Record<string, string>;
}

export interface WxLike {
  qy?: WxQy;
  request?(options: WxRequestOptions): unknown;
  getStorageSync?(key: string): unknown;
  setStorageSync?(key: string, value: unknown): void;
  removeStorageSync?(key: string): void;
}
