/**
 * `createSuiteClient`: the typed client of a third-party (suite) app. Its own calls carry the suite token (login,
 * installs); `corpClient` gives an ordinary client for each corp that installed the app, whose token comes from
 * `get_corp_token`. Every kind of token goes through the same token manager, so each is fetched once for any number
 * of concurrent callers, in one process and across processes sharing a store.
 */
import { AccessTokenManager, type AccessTokenStatus, type WecomAccessToken } from './access-token-manager.js';
import { createMemoryAccessTokenStore } from './access-token-store.js';
import { buildClient, requestSettingsOf, type WecomClient, type WecomClientSettings } from './client.js';
import { type ServiceEndpoints, serviceEndpoints } from './endpoints/service.js';
import { type SuiteMiniprogramEndpoints, suiteMiniprogramEndpoints } from './endpoints/suite-miniprogram.js';
import type { ApiRequest, WecomPayload } from './request-core.js';
import {
  type SuiteCaller,
  type SuiteCorpCredentials,
  suiteCorpAuth,
  suiteCorpTokenCacheKey,
} from './suite-corp-grant.js';
import { secretDigest, suiteTokenGrant } from './suite-grant.js';
import type { SuiteTicketSource } from './suite-ticket.js';
import type { ThirdPartyUser } from './suite-types.js';

/**
 * What identifies a third-party suite, and where its newest suite_ticket comes from.
 *
 * @example
 * const credentials: WecomSuiteCredentials = {
 *   suiteId: 'ww…',
 *   suiteSecret,
 *   tickets: { current: () => newestTicket() },
 * };
 */
export interface WecomSuiteCredentials {
  /** The suite ID of the third-party app (provider console: App Management > the app). */
  readonly suiteId: string;
  /** The suite secret. Never logged, never in an error, never in a cache key. */
  readonly suiteSecret: string;
  /** Where the newest suite_ticket is read, at each suite-token fetch. The client never stores tickets. */
  readonly tickets: SuiteTicketSource;
}

/**
 * One token fetch of a suite client or of one of its corp clients, as `onTokenFetch` reports it.
 *
 * @example
 * createSuiteClient({
 *   …credentials,
 *   onTokenFetch: ({ ok, kind, durationMs }) => metrics.tokenFetch(kind, ok, durationMs),
 * });
 */
export interface SuiteTokenFetch {
  /** Whether the fetch succeeded. */
  readonly ok: boolean;
  /** How long it took. */
  readonly durationMs: number;
  /** `suite`: `get_suite_token`; `corp`: `get_corp_token` for one installed corp. */
  readonly kind: 'suite' | 'corp';
  /** The corp, for a `corp` fetch. */
  readonly corpId?: string;
}

/**
 * The settings of {@link createSuiteClient}: those of `createWecomClient`, which its corp clients share, with
 * `onTokenFetch` saying which token was fetched.
 *
 * @example
 * const settings: WecomSuiteClientSettings = { store: redisTokenStore, timeoutMs: 3_000, logger: pino() };
 */
export interface WecomSuiteClientSettings extends Omit<WecomClientSettings, 'onTokenFetch'> {
  /** Observes every token fetch (the suite token, and each corp token), for metrics. */
  readonly onTokenFetch?: (fetch: SuiteTokenFetch) => void;
}

/**
 * The options of {@link createSuiteClient}: the suite's credentials and ticket source, and the settings, which all have
 * defaults.
 *
 * @example
 * const options: WecomSuiteClientOptions = { suiteId: 'ww…', suiteSecret, tickets, store: redisTokenStore };
 */
export type WecomSuiteClientOptions = WecomSuiteCredentials & WecomSuiteClientSettings;

/**
 * The typed client of a third-party (suite) app, made by {@link createSuiteClient}. Its calls carry the suite token
 * (refreshed and replayed once on 40082 / 42009); `corpClient` gives the client of one installed corp. Errors are
 * {@link AnyWecomError}s; `WecomSuiteTicketMissingError` and `WecomAuthorizationGoneError` are its own.
 *
 * @example
 * const { corpId, userId, openUserId } = await suite.miniprogram.code2Session(code);
 * const install = await installs.find(corpId);
 * const member = await suite.corpClient(install).user.get(userId);
 */
export interface WecomSuiteClient extends SuiteCaller {
  /** The suite ID the client was made for. */
  readonly suiteId: string;
  /** The base URL its calls (and its corp clients') go to. */
  readonly baseUrl: string;
  /** `service/miniprogram/jscode2session`. */
  readonly miniprogram: SuiteMiniprogramEndpoints;
  /** `get_permanent_code` (and `v2`), `get_auth_info`, `get_pre_auth_code`, `set_session_info`. */
  readonly service: ServiceEndpoints;
  /** The suite token: `getToken`, `invalidate`, `status`, and how calls carry it (`suite_access_token`). */
  readonly suiteToken: WecomAccessToken;
  /**
   * The suite token's state, without the token: for readiness checks. `consecutiveFailures` counts, among others,
   * fetches that found no suite_ticket.
   *
   * @example
   * const ready = suite.status().fresh;
   */
  status(): AccessTokenStatus;
  /**
   * The client of a corp that installed the app: an ordinary {@link WecomClient} whose access_token comes from
   * `get_corp_token` with the install's permanent code (carrying the suite token), cached in the suite's store under
   * `suiteCorpTokenCacheKey`. It shares the suite's store, transport, logger and settings; asked again for the same
   * corp and permanent code it gives the same client, and a new permanent code (a reinstall) gives a new one.
   * 40084 or 48004 from `get_corp_token` throws `WecomAuthorizationGoneError` from its calls: mark the corp
   * uninstalled.
   *
   * @example
   * const corp = suite.corpClient({ corpId, permanentCode });
   * const member = await corp.user.get(userId); // a ThirdPartyUser: no name, mobile or email
   */
  corpClient(install: SuiteCorpCredentials): WecomClient<ThirdPartyUser>;
  /**
   * Any other API of the suite (`/cgi-bin/service/…`), with the suite token and the same handling. Set `idempotent`
   * for a read, so that a timeout is tried again.
   *
   * @example
   * const answer = await suite.request({ method: 'POST', path: '/cgi-bin/service/get_admin_list', body });
   */
  request<T extends WecomPayload = WecomPayload>(request: ApiRequest): Promise<T>;
}

function requireString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0)
    throw new TypeError(`${name} must be a non-empty string`);
}

/**
 * A typed client of a third-party (suite) app. Give the suite ID, its secret and where the newest suite_ticket is
 * read (`tickets`, over the store the instruction callback writes pushed tickets to); every other option is that of
 * `createWecomClient` and has the same default. With a shared `store` (Redis), every process fetches each token once.
 *
 * @example
 * const suite = createSuiteClient({
 *   suiteId: 'ww…',
 *   suiteSecret: process.env.SUITE_SECRET,
 *   tickets: { current: () => ticketStore.newest(suiteId) },
 *   store: tokenStore,
 * });
 * const session = await suite.miniprogram.code2Session(code);
 * const corp = suite.corpClient({ corpId: session.corpId, permanentCode });
 */
export function createSuiteClient(options: WecomSuiteClientOptions): WecomSuiteClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { suiteId, suiteSecret, tickets } = options;
  requireString(suiteId, 'suiteId');
  requireString(suiteSecret, 'suiteSecret');
  if (typeof tickets !== 'object' || tickets === null || typeof tickets.current !== 'function') {
    throw new TypeError('tickets must be a SuiteTicketSource: { current(): Promise<string | undefined> }');
  }
  // One transport and one store for the suite and all its corp clients: shared sockets, shared tokens.
  const { baseUrl, timeoutMs, now, logger, transport, core } = requestSettingsOf(options);
  const store = options.store ?? createMemoryAccessTokenStore({ now });
  const { onTokenFetch } = options;
  const suiteToken = new AccessTokenManager({
    grant: suiteTokenGrant({ baseUrl, suiteId, suiteSecret, tickets }),
    store,
    core,
    logger,
    now,
    lockWaitMs: timeoutMs,
    ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
    ...(options.tokenFailureBackoff ? { failureBackoff: options.tokenFailureBackoff } : {}),
    ...(onTokenFetch ? { onFetch: (outcome) => onTokenFetch({ ...outcome, kind: 'suite' }) } : {}),
  });

  const request = <T extends WecomPayload = WecomPayload>(apiRequest: ApiRequest): Promise<T> => {
    if (typeof apiRequest?.path !== 'string' || !apiRequest.path.startsWith('/cgi-bin/')) {
      throw new TypeError('request.path must start with /cgi-bin/');
    }
    return core.withToken<T>(apiRequest, suiteToken);
  };

  /** The corp clients made so far: one per corp, for its newest permanent code. */
  const corps = new Map<string, { readonly digest: string; readonly client: WecomClient<ThirdPartyUser> }>();

  const suite: WecomSuiteClient = {
    suiteId,
    baseUrl,
    suiteToken,
    miniprogram: suiteMiniprogramEndpoints(request),
    service: serviceEndpoints({
      request,
      now,
      async adoptCorpToken(install, granted, startedAt) {
        const key = suiteCorpTokenCacheKey({ baseUrl, suiteId, ...install });
        try {
          await store.putIfNewer(key, {
            token: granted.token,
            obtainedAt: startedAt,
            expiresAt: startedAt + granted.expiresInSeconds * 1000,
          });
        } catch (error) {
          // The permanent code matters, the token does not: the corp client fetches one when it needs it.
          logger.warn(
            { apiPath: '/cgi-bin/service/get_permanent_code', code: (error as { code?: unknown }).code },
            'keeping the corp token of an install failed',
          );
        }
      },
    }),
    status(): AccessTokenStatus {
      return suiteToken.status();
    },
    request,
    corpClient(install) {
      if (typeof install !== 'object' || install === null)
        throw new TypeError('install must be { corpId, permanentCode }');
      const { corpId, permanentCode } = install;
      requireString(corpId, 'corpId');
      requireString(permanentCode, 'permanentCode');
      const digest = secretDigest(permanentCode);
      const known = corps.get(corpId);
      if (known?.digest === digest) return known.client;
      const client = buildClient<ThirdPartyUser>({
        corpId,
        auth: suiteCorpAuth({ suite, corpId, permanentCode }),
        baseUrl,
        store,
        transport,
        timeoutMs,
        now,
        logger,
        ...(options.retry ? { retry: options.retry } : {}),
        ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
        ...(options.tokenFailureBackoff ? { tokenFailureBackoff: options.tokenFailureBackoff } : {}),
        ...(options.onCall ? { onCall: options.onCall } : {}),
        ...(onTokenFetch
          ? { onTokenFetch: (outcome) => onTokenFetch({ ...outcome, kind: 'corp', corpId }) }
          : {}),
      });
      corps.set(corpId, { digest, client });
      return client;
    },
  };
  return suite;
}
