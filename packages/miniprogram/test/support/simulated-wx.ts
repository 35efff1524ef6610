/**
 * A `wx` global for Node that behaves like the WeCom client's: `wx.qy.login` mints codes at the sandbox for the
 * signed-in user, `wx.request` does real HTTP with wx's defaults (JSON content type, JSON-parsed answers, GET data
 * as a query string), storage serialises like `wx.setStorageSync`, and the `wx.qy` data APIs return what the
 * sandbox encrypts with the user's latest session_key.
 */
import type { Sandbox } from '@wecom-auth/sandbox';
import type { WxLike } from '../../src/index.js';

export interface SimulatedWxOptions {
  readonly sandbox: Sandbox;
  /** The WeCom user signed in on the simulated phone. */
  readonly userid: string;
  /** The user's corp; the sandbox's first corp (the demo company) by default. */
  readonly corpid?: string;
  /** `false` simulates plain WeChat: no `wx.qy` at all. */
  readonly inWecom?: boolean;
}

export interface SimulatedWx extends WxLike {
  /** Codes handed out before minting fresh ones, e.g. a spent code to provoke `code_invalid`. */
  readonly queuedCodes: string[];
  /** How the next `getMobile` / `getEmail` / `getEnterpriseUserInfo` prompt ends. */
  prompt: 'accept' | 'cancel';
  readonly counts: { login: number; prompts: number };
  /** `METHOD path` of every `wx.request`, in order. */
  readonly requests: string[];
  readonly storage: Map<string, string>;
}

type Callbacks = { success?: (value: never) => void; fail?: (failure: { errMsg: string }) => void };

function later(callback: () => void): void {
  setTimeout(callback, 1);
}

export function createSimulatedWx(options: SimulatedWxOptions): SimulatedWx {
  const { sandbox, userid } = options;
  const who = { userid, ...(options.corpid === undefined ? {} : { corpid: options.corpid }) };
  const storage = new Map<string, string>();
  const queuedCodes: string[] = [];
  const requests: string[] = [];
  const counts = { login: 0, prompts: 0 };

  function prompt(kind: 'mobile' | 'email' | 'userinfo', api: string) {
    return (callbacks: Callbacks) => {
      counts.prompts += 1;
      later(() => {
        if (simulated.prompt === 'cancel') {
          callbacks.fail?.({ errMsg: `qy__${api}:fail cancel` });
          return;
        }
        const encrypted = sandbox.control.encrypt({ ...who, kind });
        (callbacks.success as ((value: unknown) => void) | undefined)?.({
          errMsg: `qy__${api}:ok`,
          ...encrypted,
        });
      });
    };
  }

  const simulated: SimulatedWx = {
    queuedCodes,
    prompt: 'accept',
    counts,
    requests,
    storage,
    request(request) {
      const method = request.method.toUpperCase();
      const header: Record<string, string> = { 'content-type': 'application/json' };
      for (const [name, value] of Object.entries(request.header)) header[name.toLowerCase()] = value;
      let url = request.url;
      let body: string | undefined;
      if (request.data !== undefined) {
        if (method === 'GET') {
          const query = new URLSearchParams(request.data as Record<string, string>).toString();
          if (query) url += (url.includes('?') ? '&' : '?') + query;
        } else {
          body = typeof request.data === 'string' ? request.data : JSON.stringify(request.data);
        }
      }
      requests.push(`${method} ${new URL(url).pathname}`);
      fetch(url, {
        method,
        headers: header,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(request.timeout ?? 60_000),
      })
        .then(async (response) => {
          const text = await response.text();
          let data: unknown = text;
          // wx.request parses JSON unless dataType says otherwise.
          if ((request.dataType ?? 'json') === 'json') {
            try {
              data = JSON.parse(text);
            } catch {
              data = text;
            }
          }
          request.success?.({
            statusCode: response.status,
            data,
            header: Object.fromEntries(response.headers),
          });
        })
        .catch((error: unknown) => {
          request.fail?.({
            errMsg: `request:fail ${error instanceof Error ? error.message : String(error)}`,
          });
        });
    },
    getStorageSync(key) {
      const value = storage.get(key);
      return value === undefined ? '' : (JSON.parse(value) as unknown);
    },
    setStorageSync(key, value) {
      storage.set(key, JSON.stringify(value));
    },
    removeStorageSync(key) {
      storage.delete(key);
    },
  };

  if (options.inWecom !== false) {
    simulated.qy = {
      login(callbacks) {
        counts.login += 1;
        later(() => {
          const code = queuedCodes.shift() ?? sandbox.control.login(who).code;
          callbacks.success?.({ code });
        });
      },
      getMobile: prompt('mobile', 'getMobile'),
      getEmail: prompt('email', 'getEmail'),
      getEnterpriseUserInfo: prompt('userinfo', 'getEnterpriseUserInfo'),
    };
  }
  return simulated;
}
