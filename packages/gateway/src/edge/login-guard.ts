/**
 * What a login must pass before it may spend a WeCom call: a code that can be a `wx.qy.login` code, and room in its
 * corp's WeCom budget. Both refusals are answered before WeCom is asked and recorded as `login.refused`; the per-IP
 * limit (`LOGIN_RATE_LIMIT`) has run before either.
 */
import { GatewayError } from '../gateway-error.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ClientContext, SecurityEvents } from '../security-events/security-event.js';
import type { Tenants } from '../tenants/tenants.js';
import type { CorpLoginBudget } from './corp-login-budget.js';
import { isPlausibleLoginCode } from './login-code.js';

/** The budget of a third-party app's logins: one for the suite (no corp id can take this name). */
const suiteBudgetKey = ':suite';

/**
 * The corps served, the budget, and where refusals are reported.
 *
 * @example
 * const options: LoginGuardOptions = { corps, budget, events, metrics };
 */
export interface LoginGuardOptions {
  readonly corps: Pick<Tenants, 'defaultCorpId' | 'has' | 'metricLabel'>;
  readonly budget: CorpLoginBudget;
  readonly events: SecurityEvents;
  readonly metrics: Pick<GatewayMetrics, 'login' | 'loginShed'>;
}

/**
 * The checks of a login before its WeCom call.
 *
 * @example
 * const guard = new LoginGuard({ corps, budget, events, metrics });
 * await guard.admit(request.body, client); // throws 401 code_invalid or 429 login_budget_exhausted
 * const session = await sessions.login({ ...request.body, client });
 * guard.succeeded(session.employee.corpId, client);
 */
export class LoginGuard {
  readonly #options: LoginGuardOptions;

  constructor(options: LoginGuardOptions) {
    this.#options = options;
  }

  /**
   * Lets a login through, or throws `401 code_invalid` (not a code) or `429 login_budget_exhausted` (its corp's
   * WeCom budget is spent for now). A corp this gateway does not serve passes: the session service refuses it without
   * a WeCom call.
   */
  async admit(
    request: { readonly code: string; readonly corpId?: string | undefined },
    client: ClientContext,
  ) {
    const { corps, budget, events, metrics } = this.#options;
    // A third-party app has no default corp: every login is exchanged with the suite's token, which spends the
    // suite's quota whatever corp the user turns out to be of, so the budget is the suite's.
    const corpId = corps.defaultCorpId === undefined ? undefined : (request.corpId ?? corps.defaultCorpId);
    if (corpId !== undefined && !corps.has(corpId)) return;
    const label = corpId === undefined ? 'suite' : corps.metricLabel(corpId);
    if (!isPlausibleLoginCode(request.code)) {
      metrics.login('code_invalid', label);
      events.record({ type: 'login.refused', corpId, reason: 'code_invalid', client });
      throw new GatewayError(
        'code_invalid',
        'This is not a wx.qy.login code. Call wx.qy.login (not wx.login) and send its code unchanged.',
      );
    }
    const decision = await budget.take(corpId ?? suiteBudgetKey, client.clientIp);
    if (decision.allowed) return;
    metrics.loginShed(label);
    events.record({ type: 'login.refused', corpId, reason: 'login_budget_exhausted', client });
    throw new GatewayError(
      'login_budget_exhausted',
      `This company's logins are being held back to protect its WeCom quota; retry in ${decision.retryAfterSeconds} s.`,
      { retryAfterSeconds: decision.retryAfterSeconds },
    );
  }

  /** A login succeeded: its address may use the budget's reserve. */
  succeeded(corpId: string, client: ClientContext): void {
    const key = this.#options.corps.defaultCorpId === undefined ? suiteBudgetKey : corpId;
    this.#options.budget.proven(key, client.clientIp);
  }
}
