/**
 * The seam between the gateway and where its tenants come from. A tenant is a corp; an employee is `(corpId,
 * userid)`. Self-built apps (`corp-clients.ts`) have their corps in the configuration; a third-party app
 * (`suite-tenants.ts`) has the corps that installed it, learned from WeCom's instruction callback. Sessions,
 * profiles and readiness talk only to this interface, so a new kind of tenant source is a new implementation of it.
 */
import type { WecomClient } from '@wecom-auth/api';

/** What WeCom attested, server to server, about the user of a login code. */
export interface AttestedLogin {
  /** The user's corp, as `jscode2session` named it. */
  readonly corpId: string;
  /** The user's userid in that corp. */
  readonly userId: string;
  /** The session_key of this login: a secret, sealed before it is stored. */
  readonly sessionKey: string;
  /** Third-party apps: the userid that is the same across one provider's apps (`open_userid`). */
  readonly openUserId?: string;
}

/** A tenant source's part of `/readyz`: whether logins can work, and what an operator should see. */
export interface TenantReadiness {
  /** False when no login can succeed for a reason of the tenants (third-party apps: no suite_ticket yet). */
  readonly ready: boolean;
  /** The default corp's WeCom access token (self-built apps). */
  readonly wecomAccessToken?: TokenState;
  /** Each configured corp's WeCom access token (self-built apps). */
  readonly corps?: Readonly<Record<string, TokenState>>;
  /** The third-party app's state (third-party apps). */
  readonly suite?: SuiteReadiness;
}

/** A WeCom token's state, never the token. */
export interface TokenState {
  readonly fresh: boolean;
  readonly refreshing: boolean;
  readonly consecutiveFailures: number;
}

/** A third-party app's readiness: its ticket, its token and its installs. */
export interface SuiteReadiness {
  readonly suiteId: string;
  /** `missing` until WeCom pushed the first ticket; `expired` once the newest is older than its 30 minutes. */
  readonly ticket: 'fresh' | 'expired' | 'missing' | 'unknown';
  /** Seconds since the newest ticket was received, when there is one. */
  readonly ticketAgeSeconds?: number;
  readonly suiteAccessToken: TokenState;
  /** How many corps have the app installed. */
  readonly installedCorps: number;
  /** True once the installs have been read from the store and are followed. */
  readonly installsInSync: boolean;
}

/**
 * The tenants of a gateway: which corps it serves, how a login code becomes an attested user, and the WeCom client
 * of each corp.
 */
export interface Tenants {
  /** `self-built`: the configured corps' own apps. `suite`: a third-party app and the corps that installed it. */
  readonly kind: 'self-built' | 'suite';
  /** The corp a login that names none is exchanged with (self-built apps); none for a third-party app. */
  readonly defaultCorpId: string | undefined;
  /** True for a corp served now (configured, or installed). */
  has(corpId: string): boolean;
  /** The WeCom client of a served corp. Throws a `RangeError` for any other corp. */
  clientFor(corpId: string): WecomClient;
  /**
   * Exchanges a `wx.qy.login` code for the user WeCom attests, refusing users this gateway does not serve with a
   * `GatewayError` (`corp_unknown`, `corp_mismatch`, `not_a_member`, `corp_not_authorized`). `requestedCorpId` is
   * the corp the client asked for, when it named one.
   */
  exchangeCode(code: string, requestedCorpId: string | undefined): Promise<AttestedLogin>;
  /**
   * True when an access token of `corpId` signed at `issuedAtSeconds` may still be honoured: its corp is served
   * and has been since before the token was signed (an uninstalled corp's tokens end at once, and a reinstall does
   * not bring back those of the earlier installation).
   */
  admits(corpId: string, issuedAtSeconds: number): boolean;
  /** The `corp` label of metrics for `corpId`: a closed set, whatever a client sends. */
  metricLabel(corpId: string): string;
  /** The tenants' part of `/readyz`. */
  readiness(): Promise<TenantReadiness>;
  /** Starts what the source follows (installs); resolves once it can answer. Rejects when the store is away. */
  start(): Promise<void>;
  stop(): Promise<void>;
}
