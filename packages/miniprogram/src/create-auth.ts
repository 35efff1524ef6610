/**
 * The client of the WeCom Auth gateway. Written with plain promise chains, no async/await, so the ES2015 bundle
 * needs no generator runtime in the mini program.
 */
import { type AuthEventMap, type AuthEventName, createAuthEvents, type Session } from './auth-events.js';
import {
  authFailureCode,
  bodyOf,
  type Employee,
  errorFromAnswer,
  failureCodeOf,
  invalidResponse,
  isRecord,
  mismatchedCorpOf,
  parseEmployee,
  parseSessionAnswer,
  parseStoredSession,
  type StoredSession,
} from './gateway-answers.js';
import { type AuthStorage, memoryStorage, wxStorage } from './session-storage.js';
import {
  type RequestFunction,
  type TransportRequest,
  type TransportResponse,
  wxRequestTransport,
} from './transport.js';
import { WecomAuthError } from './wecom-auth-error.js';
import { type DecryptKind, isDecryptKind, qyEncryptedData, qyLogin } from './wx-qy.js';
import type { WxLike } from './wx-types.js';

// The mini program's global; absent in Node and in tests that pass `wx` explicitly.
declare const wx: WxLike | undefined;

/** An access token with less than this left is refreshed before use rather than sent to fail. */
export const REFRESH_AHEAD_MS = 30_000;
const DEFAULT_STORAGE_KEY = 'wecom-auth:session';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The options of {@link createAuth}; only `baseUrl` is required in a mini program. */
export interface AuthOptions {
  /** The gateway, e.g. `https://auth.example.com` (its domain must be in the mini program's request domains). */
  baseUrl: string;
  /** Where the session survives restarts; defaults to `wx.setStorageSync` and friends. */
  storage?: AuthStorage;
  /** The HTTP transport; defaults to `wx.request`. */
  request?: RequestFunction;
  /** The `wx` object; defaults to the global `wx`. */
  wx?: WxLike;
  /**
   * The storage key of the session; default `wecom-auth:session`. The corp the employee logs in to is remembered
   * under this key followed by `:corp`.
   */
  storageKey?: string;
  /**
   * The corp to log in to when none is remembered yet. Leave it unset for a mini program associated with one corp,
   * or with several (a group): the gateway then tries its default corp, answers `409 corp_mismatch` naming the
   * employee's own corp, and the SDK logs in again for that corp by itself and remembers it on the device.
   */
  corpId?: string;
  /**
   * Third-party apps: the SuiteID passed to `wx.qy.login({ suiteId })`, so that a mini program bound to several of
   * a provider's apps gets a code of this one (WeCom 3.1.8 or later). Leave it unset when the mini program is bound
   * to one app.
   */
  suiteId?: string;
  /** Per-request timeout in milliseconds; default 10000. */
  timeoutMs?: number;
  /** The clock, epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

/** What {@link WecomAuth.login} resolves with. */
export interface LoginResult {
  /** The new session, as {@link WecomAuth.getSession} now returns it. */
  readonly session: Session;
  /** The employee who logged in (the same as `session.employee`). */
  readonly employee: Employee;
}

/** A request for {@link WecomAuth.request}, shaped like the options of `wx.request`. */
export interface AuthRequestOptions {
  /** An absolute URL, or a path starting with `/` that is resolved against `baseUrl`. */
  url: string;
  /** The HTTP method; default `GET`. */
  method?: TransportRequest['method'];
  /** The body, sent as JSON by `wx.request`. */
  data?: unknown;
  /** Extra headers; an `Authorization` header here is replaced by the session's. */
  header?: Record<string, string>;
  /** Milliseconds; default `timeoutMs` of {@link AuthOptions}. */
  timeout?: number;
}

/**
 * The SDK for one gateway, made by {@link createAuth}. Every promise rejects with a {@link WecomAuthError}, except
 * for programmer misuse (bad arguments), which rejects with a `TypeError`.
 */
export interface WecomAuth {
  /**
   * Logs in with `wx.qy.login` and `POST /v1/sessions`. Concurrent calls share one login, and a code the gateway
   * calls `code_invalid` (spent by an earlier attempt) is retried once with a fresh one.
   */
  login(): Promise<LoginResult>;
  /**
   * An HTTP request carrying `Authorization: Bearer <access token>`. Logs in first when there is no session,
   * refreshes a token with less than {@link REFRESH_AHEAD_MS} left, and on a 401 `token_expired` refreshes and
   * replays once (logging in again when the refresh is refused). Resolves with any HTTP status.
   */
  request(options: AuthRequestOptions): Promise<TransportResponse>;
  /** The employee from `GET /v1/me` (mobile and email once disclosed). */
  getEmployee(): Promise<Employee>;
  /** Forgets the session at once and revokes it on the gateway; resolves even when the gateway is unreachable. */
  logout(): Promise<void>;
  /** Asks WeCom for the mobile, email or enterprise user info and has the gateway decrypt it. */
  decrypt(kind: DecryptKind): Promise<Record<string, unknown>>;
  /** The current session without touching the network, or `null`. */
  getSession(): Session | null;
  /**
   * Calls `listener` on every `event` until unsubscribed; a listener that throws does not break the SDK.
   *
   * @returns the function that unsubscribes it
   */
  on<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): () => void;
  /** Unsubscribes a listener added with {@link WecomAuth.on}; an unknown listener is ignored. */
  off<E extends AuthEventName>(event: E, listener: AuthEventMap[E]): void;
}

/** A refused refresh token: the session is over and only a new login helps. */
function isRefusedRefresh(code: string): boolean {
  return code === 'session_revoked' || code === 'refresh_token_invalid' || code === 'refresh_token_expired';
}

/** A refused access token that refreshing cannot fix, but a new login can. */
function isDeadSession(code: string | undefined): boolean {
  return code === 'token_invalid' || code === 'session_revoked' || code === 'unauthorized';
}

function resolveWx(explicit: WxLike | undefined): WxLike | undefined {
  if (explicit !== undefined) return explicit;
  return typeof wx === 'undefined' ? undefined : wx;
}

function resolveTransport(explicit: RequestFunction | undefined, wxApi: WxLike | undefined): RequestFunction {
  if (explicit !== undefined) return explicit;
  if (wxApi !== undefined && typeof wxApi.request === 'function') return wxRequestTransport(wxApi);
  throw new TypeError('createAuth: no wx.request in this runtime; pass options.request');
}

function validateOptions(options: AuthOptions): void {
  if (!isRecord(options)) throw new TypeError('createAuth: options must be an object');
  if (typeof options.baseUrl !== 'string' || !/^https?:\/\/[^/\s]+/.test(options.baseUrl)) {
    throw new TypeError('createAuth: options.baseUrl must be an http:// or https:// URL');
  }
  if (options.request !== undefined && typeof options.request !== 'function') {
    throw new TypeError('createAuth: options.request must be a function');
  }
  if (
    options.storageKey !== undefined &&
    (typeof options.storageKey !== 'string' || options.storageKey === '')
  ) {
    throw new TypeError('createAuth: options.storageKey must be a non-empty string');
  }
  if (options.corpId !== undefined && (typeof options.corpId !== 'string' || options.corpId === '')) {
    throw new TypeError('createAuth: options.corpId must be a non-empty string');
  }
  if (options.suiteId !== undefined && (typeof options.suiteId !== 'string' || options.suiteId === '')) {
    throw new TypeError('createAuth: options.suiteId must be a non-empty string');
  }
  if (
    options.timeoutMs !== undefined &&
    (typeof options.timeoutMs !== 'number' || !(options.timeoutMs > 0) || !Number.isFinite(options.timeoutMs))
  ) {
    throw new TypeError('createAuth: options.timeoutMs must be a positive number');
  }
  const storage = options.storage as Partial<AuthStorage> | undefined;
  if (
    storage !== undefined &&
    (!isRecord(storage) ||
      typeof storage.get !== 'function' ||
      typeof storage.set !== 'function' ||
      typeof storage.remove !== 'function')
  ) {
    throw new TypeError('createAuth: options.storage must have get, set and remove functions');
  }
}

function toPublicSession(stored: StoredSession): Session {
  return {
    accessToken: stored.accessToken,
    expiresAt: stored.accessExpiresAt,
    refreshExpiresAt: stored.refreshExpiresAt,
    employee: stored.employee,
  };
}

/**
 * Creates the SDK for one gateway. The session saved by an earlier run is restored at once.
 *
 * @example
 * ```js
 * const { createAuth } = require('@wecom-auth/miniprogram');
 * const auth = createAuth({ baseUrl: 'https://auth.example.com' });
 * auth.login().then(({ employee }) => console.log(employee.name));
 * auth.request({ url: 'https://api.example.com/orders' }).then((response) => response.data);
 * ```
 */
export function createAuth(options: AuthOptions): WecomAuth {
  validateOptions(options);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const wxApi = resolveWx(options.wx);
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const storageKey = options.storageKey ?? DEFAULT_STORAGE_KEY;
  const storage = options.storage ?? (wxApi && wxStorage(wxApi)) ?? memoryStorage();
  const transport = resolveTransport(options.request, wxApi);
  const events = createAuthEvents();

  const corpKey = `${storageKey}:corp`;
  let current: StoredSession | null = restore();
  // The corp this device's employee belongs to: learnt from a corp_mismatch answer once, then sent up front.
  let corpId: string | undefined = restoreCorp() ?? options.corpId;
  let loginFlight: Promise<StoredSession> | null = null;
  let refreshFlight: Promise<StoredSession> | null = null;
  // Bumped by logout(): a login or refresh that started before it must not bring the session back.
  let epoch = 0;

  function restore(): StoredSession | null {
    let saved: StoredSession | undefined;
    try {
      saved = parseStoredSession(storage.get(storageKey));
    } catch {
      saved = undefined;
    }
    if (saved === undefined || saved.refreshExpiresAt <= now()) return null;
    return saved;
  }

  function restoreCorp(): string | undefined {
    try {
      const saved = storage.get(corpKey);
      return typeof saved === 'string' && saved !== '' ? saved : undefined;
    } catch {
      return undefined;
    }
  }

  function rememberCorp(next: string | undefined): void {
    corpId = next;
    try {
      if (next === undefined) storage.remove(corpKey);
      else storage.set(corpKey, next);
    } catch {
      // A full or broken storage costs one corp_mismatch round trip at the next login, nothing more.
    }
  }

  function persist(session: StoredSession | null): void {
    current = session;
    // A full or broken storage only costs a login at the next start; the session in memory still works.
    try {
      if (session === null) storage.remove(storageKey);
      else storage.set(storageKey, session);
    } catch {
      // ignored on purpose, see above
    }
  }

  function send(request: TransportRequest): Promise<TransportResponse> {
    let pending: PromiseLike<TransportResponse>;
    try {
      pending = transport(request);
    } catch (error) {
      return Promise.reject(networkError(error));
    }
    return Promise.resolve(pending).then(
      (response) => {
        if (
          !isRecord(response) ||
          typeof response.statusCode !== 'number' ||
          response.statusCode % 1 !== 0 ||
          response.statusCode < 100 ||
          response.statusCode > 599
        ) {
          throw new WecomAuthError(
            'invalid_response',
            'The transport gave an answer without an HTTP status.',
          );
        }
        return response;
      },
      (error: unknown) => {
        throw networkError(error);
      },
    );
  }

  function networkError(error: unknown): WecomAuthError {
    if (error instanceof WecomAuthError) return error;
    const reason = error instanceof Error ? error.message.slice(0, 200) : 'no answer';
    return new WecomAuthError('network_error', `Could not reach the gateway at ${baseUrl}: ${reason}`);
  }

  function callGateway(
    method: TransportRequest['method'],
    path: string,
    data: unknown,
    accessToken?: string,
  ): Promise<TransportResponse> {
    const header: Record<string, string> = { 'content-type': 'application/json' };
    if (accessToken !== undefined) header.Authorization = `Bearer ${accessToken}`;
    return send({ url: baseUrl + path, method, header, data, timeout: timeoutMs });
  }

  function sessionFrom(response: TransportResponse): StoredSession {
    if (response.statusCode < 200 || response.statusCode > 299) throw errorFromAnswer(response);
    const session = parseSessionAnswer(bodyOf(response), now());
    if (session === undefined) throw invalidResponse(response, 'a session');
    return session;
  }

  function adopt(session: StoredSession, startedAt: number): StoredSession {
    if (epoch !== startedAt) {
      throw new WecomAuthError('logged_out', 'logout() ended the session while this call was in flight.');
    }
    persist(session);
    events.emit('session', toPublicSession(session));
    return session;
  }

  /**
   * One `wx.qy.login` code exchanged at the gateway. Each kind of refusal a new code can fix is followed at most once
   * per login, so no answer can make the SDK loop: a code spent twice (a double tap, an earlier attempt that timed
   * out), a corp the gateway no longer serves (the remembered one is forgotten), and a `corp_mismatch` (the employee
   * belongs to another corp of the group: WeCom requires a new code exchanged with that corp's credentials).
   */
  function exchangeCode(retries: { code: boolean; corp: boolean }): Promise<StoredSession> {
    return qyLogin(wxApi, options.suiteId)
      .then((code) => callGateway('POST', '/v1/sessions', corpId === undefined ? { code } : { code, corpId }))
      .then((response) => {
        const failure = failureCodeOf(response);
        if (retries.code && response.statusCode === 401 && failure === 'code_invalid') {
          return exchangeCode({ code: false, corp: retries.corp });
        }
        if (
          retries.corp &&
          response.statusCode === 400 &&
          failure === 'corp_unknown' &&
          corpId !== undefined
        ) {
          rememberCorp(undefined);
          return exchangeCode({ code: retries.code, corp: false });
        }
        const mismatched = mismatchedCorpOf(response);
        if (retries.corp && mismatched !== undefined) {
          rememberCorp(mismatched);
          return exchangeCode({ code: retries.code, corp: false });
        }
        return sessionFrom(response);
      });
  }

  function loginShared(): Promise<StoredSession> {
    if (loginFlight === null) {
      const startedAt = epoch;
      const flight = exchangeCode({ code: true, corp: true }).then((session) => adopt(session, startedAt));
      loginFlight = flight;
      const settle = (): void => {
        if (loginFlight === flight) loginFlight = null;
      };
      flight.then(settle, settle);
    }
    return loginFlight;
  }

  function refreshShared(): Promise<StoredSession> {
    if (refreshFlight !== null) return refreshFlight;
    const from = current;
    if (from === null) return loginShared();
    const startedAt = epoch;
    const flight = callGateway('POST', '/v1/sessions/refresh', { refreshToken: from.refreshToken }).then(
      (response) => {
        if (response.statusCode < 200 || response.statusCode > 299) {
          const error = errorFromAnswer(response);
          // Logged out meanwhile: logging in again would undo the logout.
          if (!isRefusedRefresh(error.code) || epoch !== startedAt) throw error;
          if (current === from) persist(null);
          return loginShared().then(undefined, (loginError: unknown) => {
            events.emit('logout', { reason: 'session_ended' });
            throw loginError;
          });
        }
        return adopt(sessionFrom(response), startedAt);
      },
    );
    refreshFlight = flight;
    const settle = (): void => {
      if (refreshFlight === flight) refreshFlight = null;
    };
    flight.then(settle, settle);
    return flight;
  }

  /** A session whose access token has at least {@link REFRESH_AHEAD_MS} left, logging in or refreshing first. */
  function usableSession(): Promise<StoredSession> {
    if (loginFlight !== null) return loginFlight;
    if (refreshFlight !== null) return refreshFlight;
    const session = current;
    if (session === null) return loginShared();
    const at = now();
    if (session.refreshExpiresAt <= at) {
      persist(null);
      return loginShared();
    }
    if (session.accessExpiresAt - at < REFRESH_AHEAD_MS) return refreshShared();
    return Promise.resolve(session);
  }

  function withToken(request: TransportRequest, session: StoredSession): TransportRequest {
    const header: Record<string, string> = {};
    for (const name of Object.keys(request.header)) {
      if (name.toLowerCase() !== 'authorization') header[name] = request.header[name] as string;
    }
    header.Authorization = `Bearer ${session.accessToken}`;
    return { url: request.url, method: request.method, header, data: request.data, timeout: request.timeout };
  }

  /** Sends with the access token; on a refused token renews the session once and replays once. */
  function sendAuthorized(request: TransportRequest): Promise<TransportResponse> {
    return usableSession().then((session) =>
      send(withToken(request, session)).then((response) => {
        const failure = authFailureCode(response);
        let renewed: Promise<StoredSession> | undefined;
        if (failure === 'token_expired') {
          // Another call may have refreshed meanwhile: then its session is the one to replay with.
          renewed = current !== null && current !== session ? Promise.resolve(current) : refreshShared();
        } else if (isDeadSession(failure)) {
          if (current === session) persist(null);
          renewed = current !== null ? Promise.resolve(current) : loginShared();
        }
        if (renewed === undefined) return response;
        return renewed.then((next) => send(withToken(request, next)));
      }),
    );
  }

  function expectJson(response: TransportResponse): unknown {
    if (response.statusCode < 200 || response.statusCode > 299) throw errorFromAnswer(response);
    return bodyOf(response);
  }

  const auth: WecomAuth = {
    login() {
      return loginShared().then((session) => ({
        session: toPublicSession(session),
        employee: session.employee,
      }));
    },

    request(requestOptions) {
      if (!isRecord(requestOptions) || typeof requestOptions.url !== 'string' || requestOptions.url === '') {
        return Promise.reject(new TypeError('request: options.url must be a non-empty string'));
      }
      const url = requestOptions.url.charAt(0) === '/' ? baseUrl + requestOptions.url : requestOptions.url;
      const header = isRecord(requestOptions.header) ? requestOptions.header : {};
      return sendAuthorized({
        url,
        method: requestOptions.method ?? 'GET',
        header,
        data: requestOptions.data,
        timeout: requestOptions.timeout ?? timeoutMs,
      });
    },

    getEmployee() {
      return sendAuthorized({
        url: `${baseUrl}/v1/me`,
        method: 'GET',
        header: { 'content-type': 'application/json' },
        timeout: timeoutMs,
      }).then((response) => {
        const employee = parseEmployee(expectJson(response));
        if (employee === undefined) throw invalidResponse(response, 'an employee');
        const session = current;
        if (session !== null && session.employee.userId === employee.userId)
          persist(Object.assign({}, session, { employee }));
        return employee;
      });
    },

    logout() {
      const session = current;
      epoch += 1;
      loginFlight = null;
      refreshFlight = null;
      persist(null);
      if (session === null) return Promise.resolve();
      events.emit('logout', { reason: 'logout' });
      // The gateway wants a JSON body whenever content-type says JSON, and wx.request always says so.
      return callGateway('DELETE', '/v1/sessions/current', {}, session.accessToken).then(
        () => undefined,
        () => undefined,
      );
    },

    decrypt(kind) {
      if (!isDecryptKind(kind)) {
        return Promise.reject(new TypeError('decrypt: kind must be "mobile", "email" or "userinfo"'));
      }
      // Log in first: WeCom encrypts with the session_key of the latest login, which the gateway must hold.
      return usableSession()
        .then(() => qyEncryptedData(wxApi, kind))
        .then((encrypted) =>
          sendAuthorized({
            url: `${baseUrl}/v1/me/decrypt`,
            method: 'POST',
            header: { 'content-type': 'application/json' },
            data: { encryptedData: encrypted.encryptedData, iv: encrypted.iv },
            timeout: timeoutMs,
          }),
        )
        .then((response) => {
          const body = expectJson(response);
          if (!isRecord(body)) throw invalidResponse(response, 'decrypted data');
          return body;
        });
    },

    getSession() {
      return current === null ? null : toPublicSession(current);
    },

    on(event, listener) {
      return events.on(event, listener);
    },

    off(event, listener) {
      events.off(event, listener);
    },
  };
  return auth;
}
