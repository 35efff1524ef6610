// The parts of wechat-enterprise-api (CommonJS, untyped) the benchmark uses.
declare module 'wechat-enterprise-api' {
  type Callback = (error: Error | null, data?: unknown) => void;

  interface AccessToken {
    accessToken: string;
  }

  class WechatEnterpriseApi {
    constructor(corpid: string, corpsecret: string, agentid: number | string);
    /** Base URL of every call, `https://qyapi.weixin.qq.com/cgi-bin/` by default. */
    prefix: string;
    /** The token `preRequest` picked for the call under way. */
    token: AccessToken;
    /** Default urllib options of every request (`timeout`, …). */
    setOpts(options: Record<string, unknown>): void;
    request(
      url: string,
      options: Record<string, unknown>,
      callback: (error: Error | null, data: unknown, res: unknown) => void,
    ): void;
    preRequest(method: (...args: never[]) => void, args: IArguments | unknown[], retried?: boolean): void;
    getUser(userid: string, callback: Callback): void;
    static mixin(methods: Record<string, unknown>): void;
  }

  export = WechatEnterpriseApi;
}

declare module 'wechat-enterprise-api/lib/util.js' {
  type ApiCallback = (error: Error | null, data: unknown, res: unknown) => void;
  /** Turns a non-zero errcode into an Error, as every API of the library does. */
  export function wrapper(callback: (error: Error | null, data?: unknown) => void): ApiCallback;
  /** Defines `name` (token-aware, via preRequest) and `_name` (the raw call) on `host`. */
  export function make(host: Record<string, unknown>, name: string, fn: (...args: never[]) => void): void;
}
