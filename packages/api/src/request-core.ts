/**
 * The request core: builds the URL (credentials in the query string, as WeCom requires), sends through the
 * transport, turns WeCom's envelope into a value or a typed error, runs the retry ladder and the token replay.
 */
import {
  fromErrcode,
  isWecomError,
  WecomApiError,
  WecomHttpStatusError,
  WecomMalformedResponseError,
} from './errors.js';
import type { WecomLogger } from './logger.js';
import type { TokenAttachment, TokenGrantCore } from './token-grant.js';
import type { Transport } from './transport.js';

/** Fields every WeCom answer may carry. Some successes omit both (`get_suite_token`, `get_provider_token`). */
export interface WecomEnvelope {
  readonly errcode?: number;
  readonly errmsg?: string;
}

/** Unknown keys are kept: WeCom adds fields without notice. */
export type WecomPayload = WecomEnvelope & Readonly<Record<string, unknown>>;

/**
 * One call of a WeCom API, as `client.request` takes it; the access_token is added by the client.
 *
 * @example
 * const request: ApiRequest = { method: 'GET', path: '/cgi-bin/tag/list', idempotent: true };
 */
export interface ApiRequest {
  /** WeCom's APIs are GET or POST. */
  readonly method: 'GET' | 'POST';
  /** e.g. `/cgi-bin/user/get`. */
  readonly path: string;
  /** Query parameters besides the access_token; `undefined` values are left out. */
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as JSON; only for POST. */
  readonly body?: unknown;
  /**
   * A read with no effect at WeCom (`user/get`, `department/list`): the transport marks its timeout `idempotent`, so
   * it is tried again like a `-1`. Left unset, a timeout is final, because the call may have had its effect
   * (`jscode2session` spends the code).
   */
  readonly idempotent?: boolean;
}

/**
 * Where the request core gets its token, how the token travels, and where it reports one that WeCom refused. A
 * client's `accessToken` is one; its {@link TokenAttachment} comes from the client's token grant.
 */
export interface AccessTokenSource {
  /** The query parameter the token travels in, and the errcodes that refuse it. */
  readonly attachment: TokenAttachment;
  /** A valid token, fetched when none is held. */
  getToken(): Promise<string>;
  /** Drops `token` (and only that token) so the next `getToken()` fetches a new one. */
  invalidate(token: string): Promise<void>;
}

/** The retry ladder for what is `retryable` (-1, 5xx, broken connections, timeouts of reads). */
export interface RetryOptions {
  /** Tries in all, the first included. Default 3, as WeCom advises for -1. */
  readonly maxAttempts?: number;
  /** Backoff before the second try; doubles each time, with full jitter. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Cap of one backoff. Default 2 000 ms. */
  readonly maxDelayMs?: number;
}

/** The wiring of a {@link RequestCore}; `createWecomClient` fills it from its own options. */
export interface RequestCoreOptions {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly logger: WecomLogger;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after every HTTP exchange with WeCom, for metrics. */
  readonly onCall?: (call: WecomCall) => void;
}

/** One HTTP exchange with WeCom, as reported to the `onCall` option of `createWecomClient`. */
export interface WecomCall {
  /** The API path, e.g. `/cgi-bin/user/get`. */
  readonly apiPath: string;
  /** WeCom's errcode (0 on success); undefined when no JSON answer came. */
  readonly errcode: number | undefined;
  /** The client error code when the exchange failed. */
  readonly errorCode: string | undefined;
  /** 1 for the first try, 2 and up for the retry ladder's. */
  readonly attempt: number;
  /** How long the exchange took. */
  readonly durationMs: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How WeCom's errcodes are read for one call: see {@link fromErrcode}. */
interface ErrcodeReading {
  readonly context: 'gettoken' | 'api';
  readonly refusedTokenErrcodes?: ReadonlySet<number>;
}

/** Sends {@link ApiRequest}s to WeCom: one per client, shared by its endpoints and its token manager. */
export class RequestCore implements TokenGrantCore {
  readonly #baseUrl: string;
  readonly #transport: Transport;
  readonly #logger: WecomLogger;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onCall: ((call: WecomCall) => void) | undefined;

  constructor(options: RequestCoreOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#transport = options.transport;
    this.#logger = options.logger;
    this.#maxAttempts = options.retry?.maxAttempts ?? 3;
    this.#baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.#maxDelayMs = options.retry?.maxDelayMs ?? 2_000;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#onCall = options.onCall;
    if (!Number.isInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new TypeError('retry.maxAttempts must be a positive integer');
    }
  }

  /**
   * Calls an API that needs a token, carried as `tokens.attachment` says. A token WeCom refuses (an errcode of the
   * attachment's refused set: 40001/40014/41001/42001 for a corp access_token) is invalidated and the request
   * replayed exactly once with a different token; a second refusal is thrown as a `WecomAccessTokenError`.
   */
  async withToken<T extends WecomEnvelope>(request: ApiRequest, tokens: AccessTokenSource): Promise<T> {
    const { queryParameter, refusedErrcodes } = tokens.attachment;
    const reading: ErrcodeReading = { context: 'api', refusedTokenErrcodes: refusedErrcodes };
    const token = await tokens.getToken();
    try {
      return await this.#withRetries<T>(request, { [queryParameter]: token }, reading);
    } catch (error) {
      if (!(error instanceof WecomApiError && refusedErrcodes.has(error.errcode))) throw error;
      await tokens.invalidate(token);
      const next = await tokens.getToken();
      // Replaying with the token WeCom just refused would only fail again.
      if (next === token) throw error;
      this.#logger.info(
        { apiPath: request.path, errcode: error.errcode, parameter: queryParameter },
        'token refused; replaying once',
      );
      return this.#withRetries<T>(request, { [queryParameter]: next }, reading);
    }
  }

  /** Calls an API with the given credentials in the query string (gettoken passes corpid and corpsecret). */
  withoutToken<T extends WecomEnvelope>(
    request: ApiRequest,
    credentials: Readonly<Record<string, string>> = {},
    context: 'gettoken' | 'api' = 'api',
  ): Promise<T> {
    return this.#withRetries<T>(request, credentials, { context });
  }

  async #withRetries<T extends WecomEnvelope>(
    request: ApiRequest,
    credentials: Readonly<Record<string, string>>,
    reading: ErrcodeReading,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const payload = await this.#once<T>(request, credentials, reading);
        this.#report(request.path, attempt, started, payload.errcode ?? 0, undefined);
        return payload;
      } catch (error) {
        const typed = isWecomError(error) ? error : undefined;
        const errcode = typed instanceof WecomApiError ? typed.errcode : undefined;
        this.#report(request.path, attempt, started, errcode, typed?.code);
        // The errors' own predicate decides, so that `retryable` says what the ladder does.
        if (attempt >= this.#maxAttempts || !typed?.retryable) throw error;
        const delay = this.#backoff(attempt);
        this.#logger.warn(
          { apiPath: request.path, code: typed.code, attempt, delayMs: delay },
          'retrying WeCom call',
        );
        await this.#sleep(delay);
      }
    }
  }

  #report(
    apiPath: string,
    attempt: number,
    started: number,
    errcode: number | undefined,
    errorCode?: string,
  ): void {
    this.#onCall?.({ apiPath, attempt, errcode, errorCode, durationMs: performance.now() - started });
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.#random() * ceiling);
  }

  async #once<T extends WecomEnvelope>(
    request: ApiRequest,
    credentials: Readonly<Record<string, string>>,
    reading: ErrcodeReading,
  ): Promise<T> {
    const response = await this.#transport({
      method: request.method,
      url: new URL(this.#baseUrl + request.path + queryString(credentials, request.query)),
      apiPath: request.path,
      ...(request.idempotent === true ? { idempotent: true } : {}),
      ...(request.method === 'POST' ? { body: JSON.stringify(request.body ?? {}) } : {}),
    });
    if (response.status !== 200)
      throw new WecomHttpStatusError({ status: response.status, apiPath: request.path });
    const payload = parsePayload(response.body, request.path, response.contentType);
    const errcode = payload.errcode ?? 0;
    if (errcode !== 0) {
      throw fromErrcode({ errcode, errmsg: payload.errmsg ?? '', apiPath: request.path, ...reading });
    }
    return payload as T;
  }
}

/**
 * `?name=value&…`: the credentials first, then the request's own parameters (a name given twice keeps its first
 * place and its last value, as `URLSearchParams.set` did); `undefined` values are left out. Built as one string so
 * that the URL is parsed once, instead of re-serialised for every parameter set on it.
 */
function queryString(
  credentials: Readonly<Record<string, string>>,
  query: Readonly<Record<string, string | number | undefined>> | undefined,
): string {
  const values: Record<string, string> = { ...credentials };
  if (query) {
    for (const name in query) {
      const value = query[name];
      if (value !== undefined) values[name] = String(value);
    }
  }
  let search = '';
  for (const name in values) {
    search += `${search === '' ? '?' : '&'}${encodeURIComponent(name)}=${encodeURIComponent(values[name] as string)}`;
  }
  return search;
}

function parsePayload(body: string, apiPath: string, contentType: string | undefined): WecomPayload {
  const malformed = (reason: string): WecomMalformedResponseError =>
    new WecomMalformedResponseError({ apiPath, reason, contentType, bodyLength: body.length });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw malformed('the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed('the body is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  // WeCom sends errcode as a number; tolerate a numeric string, as mature SDKs do.
  const rawErrcode = record.errcode;
  if (rawErrcode !== undefined) {
    const errcode = typeof rawErrcode === 'string' ? Number(rawErrcode) : rawErrcode;
    if (typeof errcode !== 'number' || !Number.isInteger(errcode))
      throw malformed('errcode is not an integer');
    record.errcode = errcode;
  }
  if (record.errmsg !== undefined && typeof record.errmsg !== 'string') record.errmsg = String(record.errmsg);
  return record;
}
