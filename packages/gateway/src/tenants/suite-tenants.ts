/**
 * The tenants of a third-party (suite) app: the corps that installed it. A login's code is exchanged with the
 * suite's own token (`service/miniprogram/jscode2session`), which names the user's corp; a corp that has not
 * installed the app is refused, and its user's (encrypted) userid is never stored. Each installed corp's WeCom client
 * gets its token from `service/get_corp_token` with the corp's permanent code, which the store keeps sealed and
 * which is opened only when that client is made.
 */
import type { WecomClient, WecomSuiteClient } from '@wecom-auth/api';
import type { SuiteStore } from '@wecom-auth/store';
import { GatewayError } from '../gateway-error.js';
import type { DataSealer } from '../sessions/data-sealer.js';
import { ticketState } from './stored-suite-ticket.js';
import { SuiteInstallMirror } from './suite-install-mirror.js';
import type { AttestedLogin, TenantReadiness, Tenants } from './tenants.js';

/** The tenants of a third-party app, with what its instruction callback needs to change them. */
export interface SuiteTenants extends Tenants {
  readonly kind: 'suite';
  readonly defaultCorpId: undefined;
  readonly suiteId: string;
  /** The suite's API client (its token from `get_suite_token` with the newest suite_ticket). */
  readonly suite: WecomSuiteClient;
  /** The installed corps, as this instance knows them. */
  readonly installs: SuiteInstallMirror;
  /** The permanent code of an installed corp, opened from its sealed form. Throws a `RangeError` for another corp. */
  permanentCodeOf(corpId: string): string;
}

export interface SuiteTenantsOptions {
  readonly suite: WecomSuiteClient;
  readonly suites: Pick<SuiteStore, 'listInstalls' | 'install' | 'subscribeInstalls' | 'ticket'>;
  readonly sealer: Pick<DataSealer, 'open'>;
  readonly now: () => number;
  readonly onError: (error: unknown) => void;
}

/**
 * What the corp label of metrics says for an installed corp: thousands of corps must not become thousands of series.
 */
const installedLabel = 'installed';

/**
 * @example
 * const tenants = createSuiteTenants({ suite, suites: store.suites, sealer, now: Date.now, onError });
 * await tenants.start();
 * const user = await tenants.exchangeCode(code, undefined); // { corpId, userId, openUserId, sessionKey }
 */
export function createSuiteTenants(options: SuiteTenantsOptions): SuiteTenants {
  const { suite, suites, sealer, now } = options;
  const clients = new Map<string, { readonly sealed: string; readonly client: WecomClient }>();
  const installs = new SuiteInstallMirror({
    suiteId: suite.suiteId,
    suites,
    // A corp whose install ended or whose permanent code was reset gets a new client on its next use.
    onChange: (corpId) => clients.delete(corpId),
    onError: options.onError,
  });
  const tenants: SuiteTenants = {
    kind: 'suite',
    defaultCorpId: undefined,
    suiteId: suite.suiteId,
    suite,
    installs,
    has: (corpId) => installs.get(corpId) !== undefined,
    permanentCodeOf(corpId) {
      const install = installs.get(corpId);
      if (install === undefined) throw new RangeError(`corp ${corpId} has not installed this app`);
      return sealer.open(install.permanentCodeCiphertext, 'permanent_code');
    },
    clientFor(corpId) {
      const install = installs.get(corpId);
      if (install === undefined) throw new RangeError(`corp ${corpId} has not installed this app`);
      const cached = clients.get(corpId);
      if (cached?.sealed === install.permanentCodeCiphertext) return cached.client;
      const client = suite.corpClient({ corpId, permanentCode: tenants.permanentCodeOf(corpId) });
      clients.set(corpId, { sealed: install.permanentCodeCiphertext, client });
      return client;
    },
    async exchangeCode(code): Promise<AttestedLogin> {
      // The corp comes from WeCom's answer, never from the client: a third-party app's code names its user's corp.
      const session = await suite.miniprogram.code2Session(code);
      if (installs.get(session.corpId) === undefined) {
        throw new GatewayError(
          'corp_not_authorized',
          "This user's company has not installed the app (or has uninstalled it): an administrator installs it from the WeCom app marketplace or the provider's install link.",
        );
      }
      return {
        corpId: session.corpId,
        userId: session.userId,
        sessionKey: session.sessionKey,
        ...(session.openUserId === undefined ? {} : { openUserId: session.openUserId }),
      };
    },
    admits(corpId, issuedAtSeconds) {
      const install = installs.get(corpId);
      // Tokens of an earlier installation (before an uninstall and a reinstall) stay refused.
      return install !== undefined && issuedAtSeconds >= Math.floor(install.installedAt / 1000);
    },
    metricLabel: (corpId) => (installs.get(corpId) === undefined ? 'other' : installedLabel),
    async readiness(): Promise<TenantReadiness> {
      let ticket: NonNullable<TenantReadiness['suite']>['ticket'] = 'unknown';
      let ticketAgeSeconds: number | undefined;
      try {
        const state = ticketState(await suites.ticket(suite.suiteId), now());
        ticket = state.state;
        if (state.state !== 'missing') ticketAgeSeconds = Math.floor(state.ageMs / 1000);
      } catch {
        // The store's own status says it is away.
      }
      const status = suite.status();
      return {
        // A missing ticket does not make the gateway unready: the ticket arrives through this very gateway's
        // instruction callback, which a load balancer must keep routing to it.
        ready: installs.ready,
        suite: {
          suiteId: suite.suiteId,
          ticket,
          ...(ticketAgeSeconds === undefined ? {} : { ticketAgeSeconds }),
          suiteAccessToken: {
            fresh: status.fresh,
            refreshing: status.refreshing,
            consecutiveFailures: status.consecutiveFailures,
          },
          installedCorps: installs.size,
          installsInSync: installs.ready,
        },
      };
    },
    start: () => installs.start(),
    stop: () => installs.stop(),
  };
  return tenants;
}

/**
 * True for the tenants of a third-party app.
 *
 * @example
 * if (isSuiteTenants(services.corps)) console.log(services.corps.installs.size, 'corps installed');
 */
export function isSuiteTenants(tenants: Tenants): tenants is SuiteTenants {
  return tenants.kind === 'suite';
}
