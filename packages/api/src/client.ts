/**
 * `createWecomClient`: the typed WeCom server API client for one app of a corp, with the token its credentials grant
 * (the app secret by default, or any `auth` strategy).
 */
import type { Dispatcher } from 'undici';
import { AccessTokenManager, type AccessTokenStatus, type WecomAccessToken } from './access-token-manager.js';
import { type AccessTokenStore, createMemoryAccessTokenStore } from './access-token-store.js';
import { corpSecretAuth } from './corp-secret-grant.js';
import {
  type BatchEndpoints,
  batchEndpoints,
  type DepartmentEndpoints,
  departmentEndpoints,
  type UserEndpoints,
  userEndpoints,
} from './endpoints/contacts.js';
import { type MiniprogramEndpoints, miniprogramEndpoints } from './endpoints/miniprogram.js';
import { silentLogger, type WecomLogger } from './logger.js';
import {
  type ApiRequest,
  RequestCore,
  type RetryOptions,
  type WecomCall,
  type WecomEnvelope,
  type WecomPayload,
} from './request-core.js';
import type { WecomAuthStrategy } from './token-grant.js';
import { createUndiciTransport, type Transport } from './transport.js';
import type { WecomUser } from './types.js';

/** Where WeCom's server API lives; the default `baseUrl` of {@link createWecomClient}. */
export const defaultWecomBaseUrl = 'https://qyapi.weixin.qq.com';

/**
 * The credentials of a self-built app: its corp and its secret. The client's token comes from `gettoken`
 * ({@link corpSecretGrant}).
 */
export interface WecomSecretCredentials {
  /** The corp ID (`ww…`), not the mini program appid. */
  readonly corpId: string;
  /** The secret of the app the mini program is associated with. Never logged, never in an error. */
  readonly secret: string;
  /** Give `secret` or `auth`, not both. */
  readonly auth?: never;
}

/**
 * The credentials of a client whose token an `auth` strategy obtains and attaches (octokit's `authStrategy`, as an
 * object): {@link corpSecretAuth}, or a strategy of another kind of credential.
 */
export interface WecomAuthCredentials {
  /** The corp ID (`ww…`) the client's calls are for; a strategy for one corp must be for this one. */
  readonly corpId: string;
  /** How the token is obtained, cached and attached. */
  readonly auth: WecomAuthStrategy;
  /** Give `secret` or `auth`, not both. */
  readonly secret?: never;
}

/** The settings of {@link createWecomClient} besides the credentials; every one has a default. */
export interface WecomClientSettings {
  /** Default `https://qyapi.weixin.qq.com`; point it at the sandbox in tests. */
  readonly baseUrl?: string;
  /** Where the access_token is cached; default in memory. Use the Redis adapter to share one across processes. */
  readonly store?: AccessTokenStore;
  /** Deadline of one HTTP exchange. Default 5 000 ms. */
  readonly timeoutMs?: number;
  /** The retry ladder for -1, broken connections and 5xx. Default 3 tries, 200 ms base, 2 s cap, full jitter. */
  readonly retry?: RetryOptions;
  /** Refresh the token this long before it expires. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  /** Backoff after failed token fetches. Default 1 s doubling to 60 s. */
  readonly tokenFailureBackoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** The clock (epoch ms). Injectable for tests. */
  readonly now?: () => number;
  /** An undici dispatcher (Agent, Pool, MockAgent); default a shared keep-alive Agent. */
  readonly dispatcher?: Dispatcher;
  /** Replaces the HTTP transport entirely (then `dispatcher` and `timeoutMs` are unused). */
  readonly transport?: Transport;
  /** A pino-compatible logger; default silent. */
  readonly logger?: WecomLogger;
  /** Observes every exchange with WeCom (API path, errcode, duration), for metrics. */
  readonly onCall?: (call: WecomCall) => void;
  /** Observes every token fetch (`gettoken` for a corp secret), for metrics. */
  readonly onTokenFetch?: (outcome: { readonly ok: boolean; readonly durationMs: number }) => void;
}

/**
 * The options of {@link createWecomClient}: the credentials, either `{ corpId, secret }` or `{ corpId, auth }`, and
 * the settings, which all have defaults.
 *
 * @example
 * const bySecret: WecomClientOptions = { corpId: 'ww…', secret: process.env.WECOM_SECRET };
 * const byStrategy: WecomClientOptions = { corpId: 'ww…', auth: corpSecretAuth({ corpId: 'ww…', secret }) };
 */
export type WecomClientOptions = WecomClientSettings & (WecomSecretCredentials | WecomAuthCredentials);

/**
 * The typed client of the WeCom server API for one app of a corp, made by {@link createWecomClient}. Every call gets
 * its token from the client's token manager, replays once on a refused token, retries what is {@link
 * WecomError.retryable}, and throws an {@link AnyWecomError}. `User` is what `user.get` answers: {@link WecomUser} for
 * a corp's own app, `ThirdPartyUser` for the corp client of a third-party suite (`suite.corpClient(…)`).
 *
 * @example
 * const { corpId, userId } = await wecom.miniprogram.code2Session(code);
 * const user = await wecom.user.get(userId);
 */
export interface WecomClient<User extends WecomEnvelope = WecomUser> {
  /** The corp ID the client was made for. */
  readonly corpId: string;
  /** The base URL its calls go to, `https://qyapi.weixin.qq.com` unless the options said otherwise. */
  readonly baseUrl: string;
  /** `miniprogram/jscode2session`. */
  readonly miniprogram: MiniprogramEndpoints;
  /** `user/get` (answering `User`), `user/convert_to_openid`. */
  readonly user: UserEndpoints<User>;
  /** `department/get`, `department/list`, `department/simplelist`. */
  readonly department: DepartmentEndpoints;
  /** `batch/userid_to_openuserid`. */
  readonly batch: BatchEndpoints;
  /** The client's token: `getToken`, `invalidate`, `status`, and how calls carry it (`attachment`). */
  readonly accessToken: WecomAccessToken;
  /**
   * The token state, without the token: for readiness checks.
   *
   * @example
   * const ready = wecom.status().fresh;
   */
  status(): AccessTokenStatus;
  /**
   * Any other token-consuming API, with the same token handling, retries and typed errors. Set `idempotent` for a
   * read, so that a timeout is tried again.
   *
   * @example
   * const tags = await wecom.request({ method: 'GET', path: '/cgi-bin/tag/list', idempotent: true });
   */
  request<T extends WecomEnvelope = WecomPayload>(request: ApiRequest): Promise<T>;
}

function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
}

/** How the client's token is obtained: the given strategy, or the corp secret's when a secret is given. */
function strategyOf(options: WecomClientOptions): WecomAuthStrategy {
  // Read loosely: JavaScript callers may pass both, or neither.
  const { auth, secret } = options as { readonly auth?: unknown; readonly secret?: unknown };
  if (auth !== undefined && secret !== undefined) throw new TypeError('give either secret or auth, not both');
  if (auth === undefined) return corpSecretAuth({ corpId: options.corpId, secret: secret as string });
  if (
    typeof auth !== 'object' ||
    auth === null ||
    typeof (auth as WecomAuthStrategy).grantFor !== 'function'
  ) {
    throw new TypeError('auth must be a strategy such as corpSecretAuth({ corpId, secret })');
  }
  const strategy = auth as WecomAuthStrategy;
  if (strategy.corpId !== undefined && strategy.corpId !== options.corpId) {
    throw new TypeError('auth is for another corp than corpId');
  }
  return strategy;
}

/** The settings of a client resolved and checked, with the request core its calls (and its tokens') go through. */
export interface ResolvedRequestSettings {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly logger: WecomLogger;
  readonly transport: Transport;
  readonly core: RequestCore;
}

/**
 * Resolves what every client shares (base URL, deadline, clock, logger, transport) and builds its request core: the
 * one place a corp client and a suite client read their settings.
 *
 * @example
 * const { core, now, timeoutMs } = requestSettingsOf({ baseUrl: sandbox.url });
 */
export function requestSettingsOf(
  options: Omit<WecomClientSettings, 'onTokenFetch'>,
): ResolvedRequestSettings {
  const baseUrl = options.baseUrl ?? defaultWecomBaseUrl;
  try {
    new URL(baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute URL');
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('timeoutMs must be a positive number');
  const logger = options.logger ?? silentLogger;
  const transport =
    options.transport ??
    createUndiciTransport({ timeoutMs, ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}) });
  const core = new RequestCore({
    baseUrl,
    logger,
    transport,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  return { baseUrl, timeoutMs, now: options.now ?? Date.now, logger, transport, core };
}

/**
 * Builds the client; `User` is what its `user/get` answers (the suite client builds its corp clients with
 * `ThirdPartyUser`).
 */
export function buildClient<User extends WecomEnvelope = WecomUser>(
  options: WecomClientOptions,
): WecomClient<User> {
  requireString(options.corpId, 'corpId');
  const strategy = strategyOf(options);
  const { baseUrl, timeoutMs, now, logger, core } = requestSettingsOf(options);
  const tokens = new AccessTokenManager({
    grant: strategy.grantFor({ baseUrl }),
    store: options.store ?? createMemoryAccessTokenStore({ now }),
    core,
    logger,
    now,
    lockWaitMs: timeoutMs,
    ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
    ...(options.tokenFailureBackoff ? { failureBackoff: options.tokenFailureBackoff } : {}),
    ...(options.onTokenFetch ? { onFetch: options.onTokenFetch } : {}),
  });

  return {
    corpId: options.corpId,
    baseUrl,
    miniprogram: miniprogramEndpoints(core, tokens),
    user: userEndpoints<User>(core, tokens),
    department: departmentEndpoints(core, tokens),
    batch: batchEndpoints(core, tokens),
    accessToken: tokens,
    status(): AccessTokenStatus {
      return tokens.status();
    },
    request<T extends WecomEnvelope = WecomPayload>(request: ApiRequest): Promise<T> {
      if (typeof request?.path !== 'string' || !request.path.startsWith('/cgi-bin/')) {
        throw new TypeError('request.path must start with /cgi-bin/');
      }
      return core.withToken<T>(request, tokens);
    },
  };
}

/**
 * A typed client of the WeCom server API for one app. Give the app secret (`{ corpId, secret }`), or an `auth`
 * strategy that obtains and attaches the token (`{ corpId, auth }`); both forms cache the same token under the same
 * key.
 *
 * @example
 * const wecom = createWecomClient({ corpId: 'ww…', secret: process.env.WECOM_SECRET });
 * const session = await wecom.miniprogram.code2Session(code);
 * const user = await wecom.user.get(session.userId);
 *
 * @example
 * // The same client, its credentials given as a strategy (the way another kind of credential plugs in):
 * const wecom = createWecomClient({ corpId: 'ww…', auth: corpSecretAuth({ corpId: 'ww…', secret }) });
 */
export function createWecomClient(options: WecomClientOptions): WecomClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  return buildClient(options);
}
