/**
 * What a store outage (Redis restarted, a primary failed over) must and must not look like from outside: the answers
 * that break its promise, and the probe that says an instance is back.
 */
import type { RunningGateway } from '@wecom-auth/gateway';
import type { Sandbox } from '@wecom-auth/sandbox';
import { recordSecret } from './evidence.js';
import {
  describeExchange,
  type Exchange,
  type ExchangeRequest,
  errorCode,
  exchange,
} from './gateway-exchange.js';
import type { LoadRecord } from './mixed-load.js';

/** Every answer that breaks the promise of an outage: no answer, or a 5xx other than 503 store_unavailable with Retry-After. */
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
