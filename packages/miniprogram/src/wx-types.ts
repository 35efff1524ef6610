/**
 * The slice of the mini program's `wx` global the SDK uses, typed loosely enough that the real `wx`, a test double
 * and another runtime's compatible object all fit.
 */

/** What a failed `wx` API hands its `fail` callback. */
export interface WxFailure {
  /** What failed, e.g. `getMobile:fail cancel`. */
  readonly errMsg?: string;
  /** The error number of newer base libraries. */
  readonly errno?: number;
}

/** The callbacks every asynchronous `wx` API takes. */
export interface WxCallbacks<T> {
  /** Called with the result when the API succeeds. */
  success?: (result: T) => void;
  /** Called when the API fails or the user declines. */
  fail?: (failure: WxFailure) => void;
}

/** What `wx.qy.getMobile`, `getEmail` and `getEnterpriseUserInfo` give on success. */
export interface WxEncryptedResult {
  /** The data, encrypted with the session key of the latest `wx.qy.login`. */
  readonly encryptedData?: string;
  /** The initialisation vector of `encryptedData`. */
  readonly iv?: string;
}

/** `wx.qy`, the WeCom APIs of the mini program; absent in plain WeChat. */
export interface WxQy {
  /** Gets a single-use login code for the gateway's `POST /v1/sessions`. */
  login(options: WxCallbacks<{ readonly code?: string }> & { readonly suiteId?: string }): void;
  /** Asks the employee for their mobile number. */
  getMobile?(options: WxCallbacks<WxEncryptedResult>): void;
  /** Asks the employee for their email address. */
  getEmail?(options: WxCallbacks<WxEncryptedResult>): void;
  /** Asks the employee for their enterprise user info. */
  getEnterpriseUserInfo?(options: WxCallbacks<WxEncryptedResult>): void;
}

/** The options of `wx.request` the SDK passes. */
export interface WxRequestOptions extends WxCallbacks<WxRequestSuccess> {
  /** The absolute URL; its domain must be in the mini program's request domains. */
  url: string;
  /** The HTTP method. */
  method: string;
  /** The request headers. */
  header: Record<string, string>;
  /** The body. */
  data?: unknown;
  /** Milliseconds. */
  timeout?: number;
  /** `json` to have the body parsed. */
  dataType?: string;
}

/** What `wx.request` hands its `success` callback: any HTTP answer, whatever its status. */
export interface WxRequestSuccess {
  /** The HTTP status. */
  readonly statusCode: number;
  /** The body, parsed when it is JSON. */
  readonly data: unknown;
  /** The response headers. */
  readonly header?: Record<string, string>;
}

/** The slice of the `wx` global the SDK uses. */
export interface WxLike {
  /** The WeCom APIs; their absence means plain WeChat, where the SDK rejects with `not_in_wecom`. */
  qy?: WxQy;
  /** The default transport. */
  request?(options: WxRequestOptions): unknown;
  /** The default session storage, with the two below. */
  getStorageSync?(key: string): unknown;
  /** Saves a value in the mini program's storage. */
  setStorageSync?(key: string, value: unknown): void;
  /** Removes a value from the mini program's storage. */
  removeStorageSync?(key: string): void;
}
