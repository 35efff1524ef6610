/**
 * Errors of the WeCom API client. Every error has a stable `code` to branch on; WeCom's own `errcode` and `errmsg`
 * are kept as they came. Upstream errcodes become classes by what the caller must do ({@link fromErrcode}).
 *
 * None of these carries a secret: messages are built from the API path (never the URL with its query string), the
 * errcode table and WeCom's errmsg, and `toJSON()` lists exactly the safe fields.
 */
import { describeErrcode, type ErrcodeClass } from './errcodes.js';

export type WecomErrorCode =
  /** WeCom answered an errcode the caller must handle (unknown user, no privilege, …). */
  | 'wecom_api_error'
  /** The access_token was refused even after one refresh. */
  | 'access_token_invalid'
  /** WeCom answered -1 (busy) on every try. */
  | 'system_busy'
  /** 45009 or 45033: wait before calling again. */
  | 'rate_limited'
  /** 40029: the login code is used, expired or foreign; the mini program must log in again. */
  | 'invalid_code'
  /** A setting is wrong (secret, corp id, trusted IP, app permissions): an operator must fix it. */
  | 'configuration'
  /** WeCom (or a proxy in front of it) answered an HTTP status other than 200. */
  | 'http_status'
  /** No complete answer within the configured timeout. */
  | 'timeout'
  /** The connection failed or was dropped. */
  | 'network'
  /** The answer was not the JSON WeCom sends. */
  | 'malformed_response';

export abstract class WecomError extends Error {
  abstract readonly code: WecomErrorCode;
  /** The API path, e.g. `/cgi-bin/user/get`: never the full URL, which would carry the access_token. */
  readonly apiPath: string;
  /** What to check or change. */
  readonly hint: string;

  constructor(message: string, options: { apiPath: string; hint: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.apiPath = options.apiPath;
    this.hint = options.hint;
  }

  /** Whether trying the same call again (after a pause) can succeed. */
  get retryable(): boolean {
    return false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      apiPath: this.apiPath,
      hint: this.hint,
    };
  }
}

/** WeCom answered `errcode ≠ 0`. */
export class WecomApiError extends WecomError {
  readonly code: WecomErrorCode = 'wecom_api_error';
  readonly errcode: number;
  /** WeCom's text, kept as sent (it carries a hint id and the caller IP); never branch on it. */
  readonly errmsg: string;
  readonly errcodeClass: ErrcodeClass;

  constructor(input: { errcode: number; errmsg: string; apiPath: string }) {
    const info = describeErrcode(input.errcode);
    super(`WeCom ${input.apiPath} answered errcode ${input.errcode} (${info.meaning}). ${info.hint}`, {
      apiPath: input.apiPath,
      hint: info.hint,
    });
    this.errcode = input.errcode;
    this.errmsg = input.errmsg;
    this.errcodeClass = info.class;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errcode: this.errcode, errmsg: this.errmsg, errcodeClass: this.errcodeClass };
  }
}

/** 40001 / 40014 / 41001 / 42001 on a token-consuming API, still refused after one refresh-and-replay. */
export class WecomAccessTokenError extends WecomApiError {
  override readonly code = 'access_token_invalid';
}

/** -1 (system busy) after the retry ladder ran out. */
export class WecomBusyError extends WecomApiError {
  override readonly code = 'system_busy';
  override get retryable(): boolean {
    return true;
  }
}

/** 45009 / 45033. Not retried by the client: retrying at once extends WeCom's block. */
export class WecomRateLimitError extends WecomApiError {
  override readonly code = 'rate_limited';
  /** How long to wait before the next call: the minute window for 45009, a moment for 45033. */
  readonly retryAfterSeconds: number;

  constructor(input: { errcode: number; errmsg: string; apiPath: string }) {
    super(input);
    this.retryAfterSeconds = input.errcode === 45033 ? 1 : 60;
  }

  override get retryable(): boolean {
    return true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterSeconds: this.retryAfterSeconds };
  }
}

/** 40029: the login code is single-use, lives 5 minutes and belongs to one mini program. */
export class WecomInvalidCodeError extends WecomApiError {
  override readonly code = 'invalid_code';
}

/** A setting is wrong (40001 at gettoken, 40013, 40091, 41002, 41004, 48002, 60020, …). */
export class WecomConfigError extends WecomApiError {
  override readonly code = 'configuration';
}

/** WeCom, or something in front of it, answered an HTTP status other than 200. */
export class WecomHttpStatusError extends WecomError {
  readonly code = 'http_status';
  readonly status: number;

  constructor(input: { status: number; apiPath: string }) {
    super(`WeCom ${input.apiPath} answered HTTP ${input.status}.`, {
      apiPath: input.apiPath,
      hint: 'WeCom answers business errors with HTTP 200, so this comes from the network path: check proxies and WECOM_API_BASE.',
    });
    this.status = input.status;
  }

  override get retryable(): boolean {
    return this.status >= 500;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status };
  }
}

/** No complete answer within `timeoutMs`. Not retried: the call may have had its effect (a consumed code). */
export class WecomTimeoutError extends WecomError {
  readonly code = 'timeout';
  readonly timeoutMs: number;

  constructor(input: { timeoutMs: number; apiPath: string }) {
    super(`WeCom ${input.apiPath} did not answer within ${input.timeoutMs} ms.`, {
      apiPath: input.apiPath,
      hint: 'Check the network path to WeCom (DNS, proxy, firewall); raise the timeout if the link is slow.',
    });
    this.timeoutMs = input.timeoutMs;
  }

  override get retryable(): boolean {
    return true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs };
  }
}

/** The connection was refused, reset or closed before a complete answer. */
export class WecomNetworkError extends WecomError {
  readonly code = 'network';
  /** The system or undici error code, e.g. `ECONNRESET`, `UND_ERR_SOCKET`. */
  readonly causeCode: string | undefined;

  constructor(input: { apiPath: string; causeCode: string | undefined; cause?: unknown }) {
    super(
      `WeCom ${input.apiPath} failed at the network level${input.causeCode ? ` (${input.causeCode})` : ''}.`,
      {
        apiPath: input.apiPath,
        hint: 'Check that this server can reach WECOM_API_BASE (qyapi.weixin.qq.com by default).',
        cause: input.cause,
      },
    );
    this.causeCode = input.causeCode;
  }

  override get retryable(): boolean {
    return true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), causeCode: this.causeCode };
  }
}

/** The body was not JSON, or lacked fields every success carries. The body is not kept: it may hold a token. */
export class WecomMalformedResponseError extends WecomError {
  readonly code = 'malformed_response';
  readonly contentType: string | undefined;
  readonly bodyLength: number;

  constructor(input: {
    apiPath: string;
    reason: string;
    contentType: string | undefined;
    bodyLength: number;
  }) {
    super(`WeCom ${input.apiPath} sent a malformed answer: ${input.reason}.`, {
      apiPath: input.apiPath,
      hint: 'A proxy or captive portal may stand between this server and WeCom; check WECOM_API_BASE.',
    });
    this.contentType = input.contentType;
    this.bodyLength = input.bodyLength;
  }

  override get retryable(): boolean {
    return true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), contentType: this.contentType, bodyLength: this.bodyLength };
  }
}

/** Errcodes that mean "this access_token is no good" on a token-consuming API. */
export const accessTokenErrcodes: ReadonlySet<number> = new Set([40001, 40014, 41001, 42001]);

/**
 * The one factory from WeCom's `errcode` to an error class, by what the caller must do.
 * `context` matters for 40001, which is a bad *secret* at gettoken and a bad *token* elsewhere.
 *
 * @example
 * throw fromErrcode({ errcode: 40029, errmsg: 'invalid code', apiPath: '/cgi-bin/miniprogram/jscode2session' });
 */
export function fromErrcode(input: {
  errcode: number;
  errmsg: string;
  apiPath: string;
  context?: 'gettoken' | 'api';
}): WecomApiError {
  const { context = 'api', ...fields } = input;
  if (context === 'api' && accessTokenErrcodes.has(input.errcode)) return new WecomAccessTokenError(fields);
  if (input.errcode === 40029) return new WecomInvalidCodeError(fields);
  switch (describeErrcode(input.errcode).class) {
    case 'retryable':
      return new WecomBusyError(fields);
    case 'rate_limit':
      return new WecomRateLimitError(fields);
    case 'config':
      return new WecomConfigError(fields);
    case 'token':
      // A token errcode from gettoken itself (41001) means the request was malformed: a configuration problem.
      return new WecomConfigError(fields);
    case 'client':
      return new WecomApiError(fields);
  }
}
