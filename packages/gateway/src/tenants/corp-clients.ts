/**
 * The tenants of self-built apps: the configured corps, each with its WeCom client, created on first use. Each
 * client has its own access-token manager (single flight in-process, one `gettoken` per corp across instances
 * through the store's lock, replay once on a refused token), keyed by base URL, corp and a hash of the secret, so
 * that two corps, or two apps of one corp, never share a token.
 */
import type { AccessTokenStatus, WecomClient } from '@wecom-auth/api';
import type { CorpConfig } from '../config/corps.js';
import { GatewayError } from '../gateway-error.js';
import type { AttestedLogin, TenantReadiness, Tenants, TokenState } from './tenants.js';

/** The tenants of self-built apps: which corps are served, and the client of each. */
export interface CorpClients extends Tenants {
  readonly kind: 'self-built';
  /** The corp a login that names none is exchanged with: the first configured one. */
  readonly defaultCorpId: string;
  /** Every served corp, the default first. */
  readonly corpIds: readonly string[];
  /** The client of the default corp. */
  defaultClient(): WecomClient;
  /** The token state of each corp whose client exists (never the token): for readiness and metrics. */
  statuses(): ReadonlyMap<string, AccessTokenStatus>;
}

/** A corp whose client was never needed yet has no token: it is fetched on that corp's first login. */
function tokenState(status: AccessTokenStatus | undefined): TokenState {
  return {
    fresh: status?.fresh ?? false,
    refreshing: status?.refreshing ?? false,
    consecutiveFailures: status?.consecutiveFailures ?? 0,
  };
}

/**
 * @example
 * const corps = createCorpClients(config.corps, (corp) =>
 *   createWecomClient({ corpId: corp.corpId, secret: corp.secret }),
 * );
 * const user = await corps.exchangeCode(code, undefined);
 */
export function createCorpClients(
  corps: readonly CorpConfig[],
  create: (corp: CorpConfig) => WecomClient,
): CorpClients {
  const first = corps[0];
  if (first === undefined) throw new TypeError('at least one corp is required');
  const configs = new Map(corps.map((corp) => [corp.corpId, corp]));
  const clients = new Map<string, WecomClient>();
  const corpClients: CorpClients = {
    kind: 'self-built',
    defaultCorpId: first.corpId,
    corpIds: corps.map((corp) => corp.corpId),
    has: (corpId) => configs.has(corpId),
    clientFor(corpId) {
      let client = clients.get(corpId);
      if (client === undefined) {
        const config = configs.get(corpId);
        if (config === undefined) throw new RangeError(`corp ${corpId} is not served by this gateway`);
        client = create(config);
        clients.set(corpId, client);
      }
      return client;
    },
    defaultClient: () => corpClients.clientFor(first.corpId),
    statuses() {
      return new Map([...clients].map(([corpId, client]) => [corpId, client.status()]));
    },
    /**
     * The code is exchanged with the token of the corp the request names (or the default corp); when WeCom answers
     * that the user belongs to another corp this gateway serves, the answer is `409 corp_mismatch` with that corp
     * (WeCom's multi-corp rule: the code is used up, and a new one must be exchanged with that corp's token). A corp
     * not served is `403 not_a_member`.
     */
    async exchangeCode(code, requestedCorpId): Promise<AttestedLogin> {
      const corpId = requestedCorpId ?? first.corpId;
      if (!configs.has(corpId)) {
        throw new GatewayError(
          'corp_unknown',
          'This gateway does not serve that corp; log in without corpId.',
        );
      }
      const session = await corpClients.clientFor(corpId).miniprogram.code2Session(code);
      if (session.corpId !== corpId) {
        // The userid is then an encrypted id of another corp's member: never stored, never answered.
        if (configs.has(session.corpId)) {
          throw new GatewayError(
            'corp_mismatch',
            'This employee belongs to another corp of this group: call wx.qy.login again and send the new code with corpId.',
            { corpId: session.corpId },
          );
        }
        throw new GatewayError('not_a_member', 'This WeCom user does not belong to this company.');
      }
      return { corpId, userId: session.userId, sessionKey: session.sessionKey };
    },
    // The configured corps are served for as long as the gateway runs: only a session revocation ends a token.
    admits: (corpId) => configs.has(corpId),
    metricLabel: (corpId) => (configs.has(corpId) ? corpId : 'other'),
    async readiness(): Promise<TenantReadiness> {
      const statuses = corpClients.statuses();
      return {
        ready: true,
        wecomAccessToken: tokenState(statuses.get(first.corpId)),
        corps: Object.fromEntries(
          corpClients.corpIds.map((corpId) => [corpId, tokenState(statuses.get(corpId))]),
        ),
      };
    },
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
  return corpClients;
}
