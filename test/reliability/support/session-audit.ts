/**
 * Holds a gateway that went through a fault to what its clients were told before it (a {@link SessionLedger}):
 *
 * - an active session's access tokens all verify, on every instance, and its current refresh token refreshes;
 * - a revoked session's (logout answered, reuse refused) tokens are all refused with `session_revoked`;
 * - a refresh token rotated away by an answered refresh is refused with `session_revoked` (a lost rotation would let
 *   it refresh again), which by design also revokes its session;
 * - a session whose last request was not definitely answered is either active or revoked, consistently, and is
 *   settled by the audit.
 *
 * Returns a description of every disagreement, so one assertion shows them all.
 */
import { describeExchange, type Exchange, errorCode, exchange } from './gateway-exchange.js';
import type { SessionLedger, TrackedSession } from './session-ledger.js';

export interface AuditOptions {
  /** Gateways to verify access tokens on (every one); refreshes go to the first. */
  readonly urls: readonly string[];
  /**
   * `rotated`: present the rotated-away token of the sessions refreshed since the last audit (revoking them);
   * `all`: of every active session (the final audit). Sessions not so tested stay active for later rounds.
   */
  readonly reuse: 'rotated' | 'all';
  readonly evidenceSource: string;
  /** Sessions audited at once. */
  readonly concurrency?: number;
}

export interface AuditResult {
  readonly problems: string[];
  /** Refreshes that succeeded, reuses refused. */
  readonly refreshed: number;
  readonly reuseRefused: number;
  /** Sessions with an unanswered request, and those the request turned out to have revoked or rotated. */
  readonly settled: number;
  readonly settledRevoked: { readonly refresh: number; readonly logout: number };
}

function isRevokedAnswer(result: Exchange): boolean {
  return result.outcome === 'answered' && result.status === 401 && errorCode(result) === 'session_revoked';
}

export async function auditSessions(ledger: SessionLedger, options: AuditOptions): Promise<AuditResult> {
  const problems: string[] = [];
  let refreshed = 0;
  let reuseRefused = 0;
  let settled = 0;
  const settledRevoked = { refresh: 0, logout: 0 };
  const [refreshUrl] = options.urls;
  if (refreshUrl === undefined) throw new Error('no gateway to audit');
  const source = options.evidenceSource;
  const verify = (url: string, token: string): Promise<Exchange> =>
    exchange(url, '/v1/verify', { token }, source);
  const refresh = (refreshToken: string): Promise<Exchange> =>
    exchange(refreshUrl, '/v1/sessions/refresh', { method: 'POST', body: { refreshToken } }, source);

  function expectRevoked(session: TrackedSession, what: string, result: Exchange): boolean {
    if (isRevokedAnswer(result)) return true;
    problems.push(`${session.id} (${session.userId}): ${what} answered ${describeExchange(result)}`);
    return false;
  }

  async function auditUncertain(session: TrackedSession): Promise<void> {
    const latest = session.accessTokens.at(-1) as string;
    const verified = await Promise.all(options.urls.map((url) => verify(url, latest)));
    const answer = await refresh(session.refreshTokens.at(-1) as string);
    settled += 1;
    if (answer.outcome === 'answered' && answer.status === 200) {
      // Not revoked after all (the unanswered request never took effect), so its token must have verified.
      for (const result of verified) {
        if (!(result.outcome === 'answered' && result.status === 204))
          problems.push(
            `${session.id}: refreshes after the fault, but its token answered ${describeExchange(result)}`,
          );
      }
      ledger.rotated(session, answer.body);
      session.rotatedSinceAudit = false;
      refreshed += 1;
      return;
    }
    // Revoked by the unanswered logout, or the unanswered refresh rotated it and the old token now counts as reuse.
    const revoked = expectRevoked(session, 'refresh of a session with an unanswered request', answer);
    if (revoked && session.unanswered) settledRevoked[session.unanswered] += 1;
    session.rotatedSinceAudit = false;
    ledger.revoked(session);
  }

  async function auditActive(session: TrackedSession): Promise<void> {
    for (const token of session.accessTokens) {
      for (const url of options.urls) {
        const result = await verify(url, token);
        if (!(result.outcome === 'answered' && result.status === 204))
          problems.push(
            `${session.id}: an access token of an active session answered ${describeExchange(result)}`,
          );
      }
    }
    const current = session.refreshTokens.at(-1) as string;
    const answer = await refresh(current);
    if (!(answer.outcome === 'answered' && answer.status === 200)) {
      problems.push(`${session.id}: the current refresh token answered ${describeExchange(answer)}`);
      if (isRevokedAnswer(answer)) ledger.revoked(session);
      return;
    }
    const testReuse = options.reuse === 'all' || session.rotatedSinceAudit;
    ledger.rotated(session, answer.body);
    session.rotatedSinceAudit = false;
    refreshed += 1;
    if (!testReuse) return;
    // The token rotated away before the fault when there was one (a lost rotation would accept it), else the one
    // just rotated away: either must be refused, and its refusal revokes the session, whose newest token then fails.
    const rotatedAway = session.refreshTokens.at(-3) ?? current;
    if (expectRevoked(session, 'reuse of a rotated-away refresh token', await refresh(rotatedAway)))
      reuseRefused += 1;
    expectRevoked(session, 'refresh after reuse', await refresh(session.refreshTokens.at(-1) as string));
    ledger.revoked(session);
  }

  async function auditRevoked(session: TrackedSession): Promise<void> {
    for (const token of session.accessTokens) {
      for (const url of options.urls)
        expectRevoked(session, 'verify of a revoked session', await verify(url, token));
    }
    expectRevoked(
      session,
      'refresh of a revoked session',
      await refresh(session.refreshTokens.at(-1) as string),
    );
  }

  const queue = ledger.all();
  const lanes = Array.from({ length: options.concurrency ?? 8 }, async () => {
    for (let session = queue.shift(); session !== undefined; session = queue.shift()) {
      if (session.uncertain) await auditUncertain(session);
      else if (session.state === 'active') await auditActive(session);
      else await auditRevoked(session);
    }
  });
  await Promise.all(lanes);
  return { problems, refreshed, reuseRefused, settled, settledRevoked };
}
