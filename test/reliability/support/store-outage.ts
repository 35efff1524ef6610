/**
 * What a store outage (Redis restarted, a primary failed over) must and must not look like from outside: the answers
 * that break its promise, the probe that says an instance is back, and the audit that nothing answered was lost.
 */
import type { RunningGateway } from '@wecom-auth/gateway';
import { DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import { expect } from 'vitest';
import { recordSecret } from './evidence.js';
import {
  describeExchange,
  type Exchange,
  type ExchangeRequest,
  errorCode,
  exchange,
} from './gateway-exchange.js';
import type { LoadRecord } from './mixed-load.js';
import { type AuditResult, auditSessions } from './session-audit.js';
import type { SessionLedger } from './session-ledger.js';
import { readStoredSessions } from './stored-sessions.js';

/**
 * Every answer that breaks the promise of an outage: no answer, or a 5xx other than 503 store_unavailable with
 * Retry-After.
 */
export function brokenPromises(records: readonly LoadRecord[]): string[] {
  return records
    .filter(({ exchange: result }) => {
      if (result.outcome !== 'answered') return true;
      if (result.status < 500) return false;
      return !(
        result.status === 503 &&
        errorCode(result) === 'store_unavailable' &&
        result.headers.get('retry-after') !== null
      );
    })
    .map(({ operation, exchange: result }) => `${operation}: ${describeExchange(result)}`);
}

/**
 * True when the gateway answers normally: ready, and a login and a verify go through. Every answer is kept in
 * `seen`, so the polling itself is held to "never a 500" too.
 */
export async function answersNormally(
  gateway: RunningGateway,
  sandbox: Sandbox,
  seen: Exchange[],
  evidenceSource: string,
): Promise<boolean> {
  const send = async (path: string, request: ExchangeRequest): Promise<Exchange> => {
    const result = await exchange(gateway.url, path, request, evidenceSource);
    seen.push(result);
    return result;
  };
  if (describeExchange(await send('/readyz', {})) !== '200') return false;
  const { code } = sandbox.control.login({ userid: 'zhangsan' });
  const login = await send('/v1/sessions', { method: 'POST', body: { code } });
  if (login.outcome !== 'answered' || login.status !== 201) return false;
  const accessToken = login.body?.accessToken as string;
  recordSecret('access_token', accessToken, 'not-in-logs');
  recordSecret('refresh_token', login.body?.refreshToken as string, 'not-in-logs');
  return describeExchange(await send('/v1/verify', { token: accessToken })) === '204';
}

/** True when every gateway of `gateways` answers normally (see {@link answersNormally}), all probed at once. */
export async function allAnswerNormally(
  gateways: readonly RunningGateway[],
  sandbox: Sandbox,
  seen: Exchange[],
  evidenceSource: string,
): Promise<boolean> {
  const answers = await Promise.all(
    gateways.map((gateway) => answersNormally(gateway, sandbox, seen, evidenceSource)),
  );
  return answers.every(Boolean);
}

/**
 * The probe answers (see {@link answersNormally}) that an outage does not excuse: no answer, or a 5xx other than
 * 503. `/readyz` answers a bare 503 (no error code) until the instance is back, so any 503 is allowed here.
 */
export function unexcusedProbeAnswers(probes: readonly Exchange[]): Exchange[] {
  return probes.filter(
    (result) => result.outcome !== 'answered' || (result.status >= 500 && result.status !== 503),
  );
}

/**
 * Holds two gateways that shared a store through an outage to what their clients were told (`ledger`): every
 * session answered 201 is still stored, every answered logout still in force, and the audit (every refresh token,
 * on both instances, see {@link auditSessions}) finds nothing amiss. The WeCom access token the store caches is
 * recorded for the secret scan. Call it once the load has stopped.
 */
export async function expectNothingAnsweredLost(
  [first, second]: readonly [RunningGateway, RunningGateway],
  ledger: SessionLedger,
  sandbox: Sandbox,
  evidenceSource: string,
): Promise<AuditResult> {
  const sessions = ledger.all();
  const stored = await readStoredSessions(
    first.services.store,
    sessions.map((session) => session.id),
    sandbox.url,
  );
  recordSecret(
    'wecom_access_token',
    await first.services.corps.clientFor(DEMO_CORP_ID).accessToken.getToken(),
  );
  expect(stored.missing, 'sessions answered 201 but gone after the outage').toEqual([]);
  const revoked = sessions.filter((session) => session.state === 'revoked' && !session.uncertain);
  expect(
    revoked.filter((session) => !stored.revoked.has(session.id)).map((session) => session.id),
    'logouts answered but not in force after the outage',
  ).toEqual([]);
  const audit = await auditSessions(ledger, {
    urls: [second.url, first.url],
    reuse: 'all',
    evidenceSource,
  });
  expect(audit.problems).toEqual([]);
  return audit;
}
