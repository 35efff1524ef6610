/**
 * Errors of the WeCom API client. Every error has a stable `code` to branch on; WeCom's own `errcode` and `errmsg`
 * are kept as they came. Upstream errcodes become classes by what the caller must do ({@link fromErrcode}).
 *
 * None of these carries a secret: messages are built from the API path (never the URL with its query string), the
 * errcode table and WeCom's errmsg, and `toJSON()` lists exactly the safe fields.
 */
import { describeErrcode, type ErrcodeClass } from './errcodes.js';

/**
 * The stable code of every {@link WecomError}: branch on it, never on the message. Each code belongs to exactly one
 * class, so `error.code` narrows an {@link AnyWecomError} to that class.
 */
export type WecomErrorCode = WecomApiErrorCode | WecomTransportErrorCode | WecomSuiteErrorCode;

/** The codes of errors WeCom answered with an `errcode` ({@link WecomApiError}). */
export type WecomApiErrorCode =
  /** WeCom answered an errcode the caller must handle (a bad parameter, an unknown errcode, …). */
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
  /** 50002, 60011 or 60111: the member (or department) is unknown to the app or outside its visible range. */
  | 'outside_visible_range'
  /** 40084 or 48004: a corp's authorisation of a third-party suite is gone; mark the corp uninstalled. */
  | 'authorization_gone';

/** The codes of errors where no errcode came: the exchange with WeCom itself failed. */
export type WecomTransportErrorCode =
  /** WeCom (or a proxy in front of it) answered an HTTP status other than 200. */
  | 'http_status'
  /** No complete answer within the configured timeout. */
  | 'timeout'
  /** The connection failed or was dropped. */
  | 'network'
  /** The answer was not the JSON WeCom sends. */
  | 'malformed_response';

/**
 * The codes of errors only a third-party suite meets, with or without an errcode from WeCom.
 *
 * @example
 * if (isWecomError(error) && error.code === 'suite_ticket_missing') return serviceUnavailable(error.hint);
 */
export type WecomSuiteErrorCode =
  /** No suite_ticket has been received yet, or WeCom refused the one given (40085). */
  'suite_ticket_missing';

/**
 * The base of every error the client throws. Catch it, then narrow with {@link isWecomError} and `error.code`.
 *
 * @example
 * try {
 *   await wecom.user.get(userId);
 * } catch (error) {
 *   if (isWecomError(error) && error.code === 'outside_visible_range') return undefined;
 *   throw error;
 * }
 */
export abstract class WecomError extends Error {
  /** What went wrong, stable across versions. */
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

  /**
   * Whether the same call, tried again after a short backoff, can succeed with nothing changed. This is the one
   * predicate of the client's retry ladder: it tries again exactly the errors for which this is true (-1, 5xx,
   * broken connections, timeouts of reads). A rate-limited call can succeed later too, but only after
   * {@link WecomRateLimitError.retryAfterSeconds}, so it is not `retryable`.
   */
  get retryable(): boolean {
    return false;
  }

  /** The safe fields, for logs and error responses: never a secret, a token or a response body. */
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

/** What WeCom answered when it refused a call: the input of {@link fromErrcode} and of every errcode error. */
export interface WecomErrcodeAnswer {
  readonly errcode: number;
  readonly errmsg: string;
  /** The API path, e.g. `/cgi-bin/user/get`. */
  readonly apiPath: string;
}

/**
 * WeCom answered `errcode ≠ 0`. The base of the errcode errors: `instanceof WecomApiError` reaches `errcode` and
 * `errmsg` whatever the class; {@link fromErrcode} picks the class.
 */
export abstract class WecomApiError extends WecomError {
  abstract override readonly code: WecomApiErrorCode;
  /** WeCom's number for the error; see {@link describeErrcode}. */
  readonly errcode: number;
  /** WeCom's text, kept as sent (it carries a hint id and the caller IP); never branch on it. */
  readonly errmsg: string;
  /** What the caller must do about the errcode, from the errcode table. */
  readonly errcodeClass: ErrcodeClass;

  /**
   * @param input - WeCom's answer; `hint` replaces the errcode table's when the API gives the errcode a more precise
   * meaning (40029 at the third-party `jscode2session`).
   */
  constructor(input: WecomErrcodeAnswer & { readonly hint?: string }) {
    const info = describeErrcode(input.errcode);
    const hint = input.hint ?? info.hint;
    super(`WeCom ${input.apiPath} answered errcode ${input.errcode} (${info.meaning}). ${hint}`, {
      apiPath: input.apiPath,
      hint,
    });
    this.errcode = input.errcode;
    this.errmsg = input.errmsg;
    this.errcodeClass = info.class;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errcode: this.errcode, errmsg: this.errmsg, errcodeClass: this.errcodeClass };
  }
}

/**
 * An errcode of the request itself (a malformed userid, a missing parameter) or one this client does not know:
 * the caller must handle it; the same request fails the same way again.
 */
export class WecomRequestError extends WecomApiError {
  readonly code = 'wecom_api_error';
}

/**
 * The token a call carried was refused, still after one refresh-and-replay: 40001 / 40014 / 41001 / 42001 for a corp
 * access_token, the errcodes of its `TokenAttachment` for another kind of token (40082 / 42009 for a
 * suite_access_token).
 */
export class WecomAccessTokenError extends WecomApiError {
  readonly code = 'access_token_invalid';
}

/** -1 (system busy) after the retry ladder ran out. */
export class WecomBusyError extends WecomApiError {
  readonly code = 'system_busy';
  override get retryable(): boolean {
    return true;
  }
}

/** 45009 / 45033. Not retried by the client: retrying at once extends WeCom's block. */
export class WecomRateLimitError extends WecomApiError {
  readonly code = 'rate_limited';
  /** How long to wait before the next call: the minute window for 45009, a moment for 45033. */
  readonly retryAfterSeconds: number;

  constructor(input: WecomErrcodeAnswer) {
    super(input);
    this.retryAfterSeconds = input.errcode === 45033 ? 1 : 60;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterSeconds: this.retryAfterSeconds };
  }
}

/** 40029: the login code is single-use, lives 5 minutes and belongs to one mini program. */
export class WecomInvalidCodeError extends WecomApiError {
  readonly code = 'invalid_code';
}

/** A setting is wrong (40001 at gettoken, 40013, 40091, 41002, 41004, 48002, 60020, …). */
export class WecomConfigError extends WecomApiError {
  readonly code = 'configuration';
}

/**
 * 50002, 60011 or 60111: the member or department is outside the app's visible range. WeCom answers 60111 ("userid
 * not found") for a member who does not exist, has left, or is hidden from the app alike: to an app, a member it
 * cannot see does not exist. Widening the app's visible range in the WeCom admin console is the fix when the member
 * should use the app.
 */
export class WecomVisibleRangeError extends WecomApiError {
  readonly code = 'outside_visible_range';
}

/**
 * 40084 or 48004: a corp's authorisation of the third-party suite is gone. It uninstalled the app, or its permanent
 * code was reset, so neither its corp token nor its auth info can be had any more. Mark the corp uninstalled (and end
 * its sessions); it must install the app again, which brings a new permanent code.
 *
 * @example
 * try {
 *   await suite.corpClient({ corpId, permanentCode }).user.get(userId);
 * } catch (error) {
 *   if (error instanceof WecomAuthorizationGoneError) await installs.markUninstalled(error.corpId ?? corpId);
 *   throw error;
 * }
 */
export class WecomAuthorizationGoneError extends WecomApiError {
  readonly code = 'authorization_gone';
  /** The corp whose authorisation is gone, when the call was for one corp (`get_corp_token`, `get_auth_info`). */
  readonly corpId: string | undefined;

  constructor(input: WecomErrcodeAnswer & { readonly corpId?: string | undefined }) {
    super(input);
    this.corpId = input.corpId;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), corpId: this.corpId };
  }
}

/**
 * A third-party suite's token cannot be had for want of a valid suite_ticket: none has been received yet (then
 * `get_suite_token` was not called, and `errcode` is undefined), or WeCom refused the newest one (`errcode` 40085).
 * WeCom pushes a ticket to the suite's instruction callback URL every 10 minutes; the next token fetch after one is
 * stored uses it.
 *
 * @example
 * if (error instanceof WecomSuiteTicketMissingError) {
 *   return reply.code(503).send({ error: 'suite_ticket_missing', message: error.hint });
 * }
 */
export class WecomSuiteTicketMissingError extends WecomError {
  readonly code = 'suite_ticket_missing';
  /** The suite whose ticket is missing. */
  readonly suiteId: string;
  /** 40085 when WeCom refused the ticket; undefined when none was known and WeCom was not called. */
  readonly errcode: number | undefined;
  /** WeCom's text when it refused the ticket. */
  readonly errmsg: string | undefined;
  /**
   * False when no ticket was known and WeCom was not called: there is nothing to back off from, so the token
   * manager tries again on the next call, which then uses a ticket stored meanwhile.
   */
  readonly wecomCalled: boolean;

  constructor(input: {
    readonly suiteId: string;
    readonly apiPath: string;
    readonly errcode?: number;
    readonly errmsg?: string;
  }) {
    const hint =
      "WeCom pushes a suite_ticket to the suite's instruction callback URL every 10 minutes, and only the newest is valid (for 30 minutes). Check that the instruction callback URL set for this app in the WeCom provider console reaches this service and that every push is stored; the console's refresh-ticket button forces a push. The next token fetch uses the newest stored ticket.";
    const lead =
      input.errcode === undefined
        ? `No suite_ticket has been received for suite ${input.suiteId} yet, so ${input.apiPath} was not called.`
        : `WeCom ${input.apiPath} answered errcode ${input.errcode} (Invalid suite_ticket) for suite ${input.suiteId}.`;
    super(`${lead} ${hint}`, { apiPath: input.apiPath, hint });
    this.suiteId = input.suiteId;
    this.errcode = input.errcode;
    this.errmsg = input.errmsg;
    this.wecomCalled = input.errcode !== undefined;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), suiteId: this.suiteId, errcode: this.errcode, errmsg: this.errmsg };
  }
}

/** WeCom, or something in front of it, answered an HTTP status other than 200. */
export class WecomHttpStatusError extends WecomError {
  readonly code = 'http_status';
  /** The HTTP status that came back. */
  readonly status: number;

  constructor(input: { status: number; apiPath: string }) {
    super(`WeCom ${input.apiPath} answered HTTP ${input.status}.`, {
      apiPath: input.apiPath,
      hint: 'WeCom answers business errors with HTTP 200, so this comes from the network path: check the proxies on the way and the base URL the client was given.',
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

/**
 * No complete answer within `timeoutMs`. Retried only for a read (`idempotent`): any other call may have had its
 * effect at WeCom (`jscode2session` spends the code), so trying it again could fail for a reason the first try caused.
 */
export class WecomTimeoutError extends WecomError {
  readonly code = 'timeout';
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;
  /** The call has no effect at WeCom (a read such as `user/get`), so trying it again is safe. */
  readonly idempotent: boolean;

  constructor(input: { timeoutMs: number; apiPath: string; idempotent?: boolean }) {
    super(`WeCom ${input.apiPath} did not answer within ${input.timeoutMs} ms.`, {
      apiPath: input.apiPath,
      hint: 'Check the network path to WeCom (DNS, proxy, firewall); raise the timeout if the link is slow.',
    });
    this.timeoutMs = input.timeoutMs;
    this.idempotent = input.idempotent === true;
  }

  override get retryable(): boolean {
    return this.idempotent;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs, idempotent: this.idempotent };
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
        hint: 'Check that this server can reach the WeCom API (qyapi.weixin.qq.com by default): DNS, proxy, firewall.',
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
  /** The `Content-Type` of the answer, if any (an HTML page points at a proxy or captive portal). */
  readonly contentType: string | undefined;
  /** The length of the body, in characters. */
  readonly bodyLength: number;

  constructor(input: {
    apiPath: string;
    reason: string;
    contentType: string | undefined;
    bodyLength: number;
  }) {
    super(`WeCom ${input.apiPath} sent a malformed answer: ${input.reason}.`, {
      apiPath: input.apiPath,
      hint: 'A proxy or captive portal may stand between this server and WeCom; check the base URL the client was given.',
    });
    this.contentType = input.contentType;
    this.bodyLength = input.bodyLength;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), contentType: this.contentType, bodyLength: this.bodyLength };
  }
}

/** Errcodes that mean "this access_token is no good" on a token-consuming API. */
export const accessTokenErrcodes: ReadonlySet<number> = new Set([40001, 40014, 41001, 42001]);

/** Errcodes that mean "the app cannot see this member or department" (wecom-api.md §9.1). */
const visibleRangeErrcodes: ReadonlySet<number> = new Set([50002, 60011, 60111]);

/** Every error the client throws, as a union discriminated by `code`: narrowing on `error.code` needs no cast. */
export type AnyWecomError =
  | WecomRequestError
  | WecomAccessTokenError
  | WecomBusyError
  | WecomRateLimitError
  | WecomInvalidCodeError
  | WecomConfigError
  | WecomVisibleRangeError
  | WecomAuthorizationGoneError
  | WecomSuiteTicketMissingError
  | WecomHttpStatusError
  | WecomTimeoutError
  | WecomNetworkError
  | WecomMalformedResponseError;

/** The errors WeCom answered with an errcode, as {@link fromErrcode} makes them. */
export type AnyWecomApiError = Extract<AnyWecomError, WecomApiError>;

/**
 * Whether `value` is an error of this client, typed as the union so that `value.code` narrows it.
 *
 * @example
 * if (isWecomError(error) && error.code === 'rate_limited') wait(error.retryAfterSeconds);
 */
export function isWecomError(value: unknown): value is AnyWecomError {
  return value instanceof WecomError;
}

/**
 * The one factory from WeCom's `errcode` to an error class, by what the caller must do.
 * `context` matters for 40001, which is a bad *secret* at gettoken and a bad *token* elsewhere.
 * `refusedTokenErrcodes` are the errcodes that refuse the token the call carried (its `TokenAttachment`);
 * the corp access_token's 40001 / 40014 / 41001 / 42001 unless given.
 *
 * @example
 * throw fromErrcode({ errcode: 40029, errmsg: 'invalid code', apiPath: '/cgi-bin/miniprogram/jscode2session' });
 */
export function fromErrcode(
  input: WecomErrcodeAnswer & {
    readonly context?: 'gettoken' | 'api';
    readonly refusedTokenErrcodes?: ReadonlySet<number>;
  },
): AnyWecomApiError {
  const { context = 'api', refusedTokenErrcodes = accessTokenErrcodes, ...fields } = input;
  if (context === 'api' && refusedTokenErrcodes.has(input.errcode)) return new WecomAccessTokenError(fields);
  if (input.errcode === 40029) return new WecomInvalidCodeError(fields);
  if (visibleRangeErrcodes.has(input.errcode)) return new WecomVisibleRangeError(fields);
  switch (describeErrcode(input.errcode).class) {
    case 'retryable':
      return new WecomBusyError(fields);
    case 'rate_limit':
      return new WecomRateLimitError(fields);
    case 'config':
      return new WecomConfigError(fields);
    case 'authorization':
      return new WecomAuthorizationGoneError(fields);
    case 'token':
      // A token errcode from gettoken itself (41001) means the request was malformed: a configuration problem.
      return new WecomConfigError(fields);
    case 'client':
      return new WecomRequestError(fields);
  }
}
