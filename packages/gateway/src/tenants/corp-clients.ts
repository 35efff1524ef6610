/**
 * The WeCom clients of the corps a gateway serves, one per corp, each created on first use. Each client has its own
 * access-token manager (single flight in-process, one `gettoken` per corp across instances through the store's
 * lock, replay once on a refused token), keyed by base URL, corp and a hash of the secret, so that two corps, or two
 * apps of one corp, never share a token.
 */
import type { AccessTokenStatus, WecomClient } from '@wecom-auth/api';
import type { CorpConfig } from '../config/corps.js';

/** The WeCom side of the tenants: which corps are served, and the client of each. */
export interface CorpClients {
  /** The corp a login that names none is exchanged with: the first configured one. */
  readonly defaultCorpId: string;
  /** Every served corp, the default first. */
  readonly corpIds: readonly string[];
  /** True for a corp this gateway serves. */
  has(corpId: string): boolean;
  /** The client of a served corp, created on first use. Throws a `RangeError` for any other corp. */
  clientFor(corpId: string): WecomClient;
  /** The client of the default corp. */
  defaultClient(): WecomClient;
  /** The token state of each corp whose client exists (never the token): for readiness and metrics. */
  statuses(): ReadonlyMap<string, AccessTokenStatus>;
}

/**
 * @example
 * const corps = createCorpClients(config.corps, (corp) => createWecomClient({ corpId: corp.corpId, secret: corp.secret }));
 * const session = await corps.clientFor(corps.defaultCorpId).miniprogram.code2Session(code);
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
  };
  return corpClients;
}
