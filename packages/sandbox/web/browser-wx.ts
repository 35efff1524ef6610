/**
 * The slice of the mini program's `wx` global that the SDK uses, backed by the browser and the sandbox:
 * `wx.qy.login` mints a code through the sandbox for the phone's member (a userid of one corp), `wx.qy.getMobile`
 * and friends encrypt with that member's session_key, `wx.request` is `fetch`, and storage is this tab's
 * `sessionStorage` under a prefix of the phone's own, so every simulated phone keeps what the SDK stored on it.
 */
import type { WxLike } from '@wecom-auth/miniprogram';
import { sandboxApi } from './sandbox-api.js';

type Callbacks<T> = {
  success?: (result: T) => void;
  fail?: (failure: { errMsg?: string }) => void;
};

function settle<T>(api: string, work: Promise<T>, options: Callbacks<T>): void {
  work.then(
    (result) => options.success?.(result),
    (error: unknown) =>
      options.fail?.({ errMsg: `${api}:fail ${error instanceof Error ? error.message : String(error)}` }),
  );
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface RequestOptions
  extends Callbacks<{ statusCode: number; data: unknown; header: Record<string, string> }> {
  url: string;
  method: string;
  header: Record<string, string>;
  data?: unknown;
  timeout?: number;
}

async function request(options: RequestOptions): Promise<{
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}> {
  const method = options.method.toUpperCase();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeout ?? 60_000);
  try {
    const init: RequestInit = { method, headers: options.header, signal: controller.signal };
    if (method !== 'GET' && method !== 'HEAD' && options.data !== undefined) {
      init.body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    }
    const response = await fetch(options.url, init);
    const header: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      header[key] = value;
    });
    return { statusCode: response.status, data: parseBody(await response.text()), header };
  } catch (error) {
    throw new Error(
      controller.signal.aborted ? 'timeout' : error instanceof Error ? error.message : 'failed',
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The WeCom member a simulated phone belongs to: WeCom's `wx.qy.login` answers codes for this member only. */
export interface PhoneMember {
  corpId: string;
  userid: string;
}

/** The `wx.qy` APIs the simulated phone answers. */
export type QyApi = 'qy.login' | 'qy.getMobile' | 'qy.getEmail' | 'qy.getEnterpriseUserInfo';

/** What a `wx.request` asked: the body is the SDK's, so it may hold a login code or a refresh token. */
export interface ObservedRequest {
  method: string;
  url: string;
  data: unknown;
}

/** Watches what the mini program does on the phone, for the trace. */
export interface WxObserver {
  /** A `wx.qy` API of `member`'s phone finished; `failure` says why when it failed. */
  qy(member: PhoneMember, api: QyApi, failure: string | undefined): void;
  /**
   * A `wx.request` was answered. The SDK sees the answer only once the returned promise settles, so the observer can
   * first collect what the answer cost upstream.
   */
  answered(request: ObservedRequest, answer: { statusCode: number; data: unknown }): Promise<void>;
  /**
   * A `wx.request` got no answer at all (`reason`: `timeout` or the browser's message): the gateway was not reached.
   */
  unanswered(request: ObservedRequest, reason: string): void;
}

function settleObserved<T>(
  member: PhoneMember,
  api: QyApi,
  work: Promise<T>,
  callbacks: Callbacks<T>,
  observer: WxObserver | undefined,
): void {
  settle(
    api,
    work.then(
      (result) => {
        observer?.qy(member, api, undefined);
        return result;
      },
      (error: unknown) => {
        observer?.qy(member, api, error instanceof Error ? error.message : String(error));
        throw error;
      },
    ),
    callbacks,
  );
}

/**
 * Builds the `wx` object of one simulated phone.
 *
 * @example
 * ```ts
 * const wx = createBrowserWx({ member: { corpId: 'wwdemo0000000001', userid: 'zhangsan' } });
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', wx });
 * ```
 */
export function createBrowserWx(options: {
  member: PhoneMember;
  /** Where the phone's storage lives; default `sessionStorage`. */
  storage?: Storage;
  /** Prefixed to every storage key, so that phones sharing one `Storage` do not see each other's keys. */
  storagePrefix?: string;
  observer?: WxObserver;
}): WxLike {
  const { member, observer } = options;
  const storage = options.storage ?? window.sessionStorage;
  const prefix = options.storagePrefix ?? '';
  const encrypted =
    (api: QyApi, kind: 'mobile' | 'email' | 'userinfo') =>
    (callbacks: Callbacks<{ encryptedData: string; iv: string }>): void =>
      settleObserved(member, api, sandboxApi.encrypt(member, kind), callbacks, observer);
  return {
    qy: {
      login: (callbacks) =>
        settleObserved(
          member,
          'qy.login',
          sandboxApi.login(member).then(({ code }) => ({ code })),
          callbacks,
          observer,
        ),
      getMobile: encrypted('qy.getMobile', 'mobile'),
      getEmail: encrypted('qy.getEmail', 'email'),
      getEnterpriseUserInfo: encrypted('qy.getEnterpriseUserInfo', 'userinfo'),
    },
    request: (requestOptions) => {
      const asked = { method: requestOptions.method, url: requestOptions.url, data: requestOptions.data };
      const answered = request(requestOptions).then(
        async (answer) => {
          // A trace that cannot be written must not break the mini program's request.
          await observer?.answered(asked, answer).catch(() => undefined);
          return answer;
        },
        (error: unknown) => {
          observer?.unanswered(asked, error instanceof Error ? error.message : String(error));
          throw error;
        },
      );
      settle('request', answered, requestOptions);
      return undefined;
    },
    // wx.getStorageSync answers '' for a missing key; the SDK relies on that.
    getStorageSync: (key) => {
      const text = storage.getItem(prefix + key);
      return text === null ? '' : (JSON.parse(text) as unknown);
    },
    setStorageSync: (key, value) => storage.setItem(prefix + key, JSON.stringify(value)),
    removeStorageSync: (key) => storage.removeItem(prefix + key),
  };
}
