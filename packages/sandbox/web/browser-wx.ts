/**
 * The slice of the mini program's `wx` global that the SDK uses, backed by the browser and the sandbox:
 * `wx.qy.login` mints a code through the sandbox, `wx.qy.getMobile` and friends encrypt with the member's
 * session_key, `wx.request` is `fetch`, and storage is `sessionStorage` (one simulated phone per tab).
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

/**
 * Builds the `wx` object for one simulated phone.
 *
 * @example
 * ```ts
 * const wx = createBrowserWx({ holder: () => 'zhangsan' });
 * const auth = createAuth({ baseUrl: 'http://127.0.0.1:8080', wx });
 * ```
 */
export function createBrowserWx(options: {
  /** The userid of whoever holds the phone right now. */
  holder: () => string;
  storage?: Storage;
}): WxLike {
  const storage = options.storage ?? window.sessionStorage;
  const encrypted =
    (api: string, kind: 'mobile' | 'email' | 'userinfo') =>
    (callbacks: Callbacks<{ encryptedData: string; iv: string }>): void =>
      settle(api, sandboxApi.encrypt(options.holder(), kind), callbacks);
  return {
    qy: {
      login: (callbacks) =>
        settle(
          'qy.login',
          sandboxApi.login(options.holder()).then(({ code }) => ({ code })),
          callbacks,
        ),
      getMobile: encrypted('qy.getMobile', 'mobile'),
      getEmail: encrypted('qy.getEmail', 'email'),
      getEnterpriseUserInfo: encrypted('qy.getEnterpriseUserInfo', 'userinfo'),
    },
    request: (requestOptions) => {
      settle('request', request(requestOptions), requestOptions);
      return undefined;
    },
    // wx.getStorageSync answers '' for a missing key; the SDK relies on that.
    getStorageSync: (key) => {
      const text = storage.getItem(key);
      return text === null ? '' : (JSON.parse(text) as unknown);
    },
    setStorageSync: (key, value) => storage.setItem(key, JSON.stringify(value)),
    removeStorageSync: (key) => storage.removeItem(key),
  };
}
