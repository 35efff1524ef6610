/**
 * The fault matrix of the gateway: each WeCom fault, on each WeCom path, against each gateway operation, with the
 * outcome the docs and the code promise. `fault-matrix.test.ts` runs every cell; {@link renderFaultMatrixMarkdown}
 * renders the same table for the docs, so the documentation and the test cannot drift apart.
 *
 * Where each outcome comes from:
 * - the request core's retry ladder (docs/architecture.md, packages/api/src/request-core.ts): `-1`, dropped
 *   connections and HTTP 5xx are retried, at most 3 tries in all, and so are timeouts of reads (`user/get`); other
 *   timeouts, malformed bodies and `45009`/`45033` are tried once (a timed-out jscode2session may have consumed the
 *   code; a hot retry extends a rate-limit block);
 * - the token replay: on `40014`/`42001` the token is invalidated and fetched again, and the call is replayed only
 *   with a *different* token. The sandbox's `expireTokens()`/`revokeTokens()` are WeCom really retiring the token
 *   (gettoken then hands out a new one: recovered); an injected errcode leaves the token valid, so gettoken hands back
 *   the same token, a replay would only fail again, and the refusal is answered (502 `wecom_error`). At gettoken
 *   itself `40014`/`42001` are a configuration error (the request was malformed), never replayed;
 * - packages/gateway/src/sessions/wecom-failure.ts: busy, timeouts, the network and rate limits are 503
 *   `wecom_unavailable` with Retry-After (2 s; 60 s for 45009, 1 s for 45033), and so is an HTTP 5xx that outlived
 *   the retries; other HTTP statuses, malformed answers and refusals are 502 `wecom_error`;
 *   `wecom { errcode, errmsg }` whenever WeCom sent an errcode.
 */
import type { FaultInput } from '@wecom-auth/sandbox';

export type WecomPath = '/cgi-bin/gettoken' | '/cgi-bin/miniprogram/jscode2session' | '/cgi-bin/user/get';

export const wecomPaths: readonly WecomPath[] = [
  '/cgi-bin/gettoken',
  '/cgi-bin/miniprogram/jscode2session',
  '/cgi-bin/user/get',
];

/** The gateway answered an error. `tries`: calls the sandbox saw on the faulted path (the retry ladder at work). */
export interface FailedOutcome {
  readonly kind: 'failed';
  readonly status: 502 | 503;
  readonly error: 'wecom_error' | 'wecom_unavailable';
  /** The Retry-After header, when one is documented. */
  readonly retryAfter: string | undefined;
  /** `wecom.errcode` of the error body, when WeCom sent one. */
  readonly errcode: number | undefined;
  readonly tries: number;
}

/** The operation succeeded despite the fault. `tries`: calls on the faulted path (undefined: not path-bound). */
export interface RecoveredOutcome {
  readonly kind: 'recovered';
  readonly tries: number | undefined;
}

/** The operation does not use the faulted path: same answer as without the fault, and no call to that path. */
export interface UnaffectedOutcome {
  readonly kind: 'unaffected';
}

export type Outcome = FailedOutcome | RecoveredOutcome | UnaffectedOutcome;

function failed(
  status: 502 | 503,
  error: FailedOutcome['error'],
  retryAfter: string | undefined,
  errcode: number | undefined,
  tries: number,
): FailedOutcome {
  return { kind: 'failed', status, error, retryAfter, errcode, tries };
}

const recovered = (tries: number | undefined): RecoveredOutcome => ({ kind: 'recovered', tries });

/**
 * A fault injected on one path at a time; its outcome is the same on every path that the operation calls, except
 * where `outcomeOn` says otherwise for a path.
 */
export interface PathFault {
  readonly name: string;
  readonly spec: Omit<FaultInput, 'path'>;
  readonly outcome: Outcome;
  readonly outcomeOn?: Partial<Readonly<Record<WecomPath, Outcome>>>;
}

/** A WeCom token retired by the sandbox itself: every live token answers this errcode on every path. */
export interface TokenFault {
  readonly name: string;
  readonly retire: 'expireTokens' | 'revokeTokens';
}

/** The sandbox answers a delayed call this late; the gateway's WECOM_TIMEOUT_MS is below it. */
export const wecomTimeoutMs = 300;
export const slowAnswerMs = 450;

export const pathFaults: readonly PathFault[] = [
  { name: '-1 busy, once', spec: { errcode: -1, count: 1 }, outcome: recovered(2) },
  {
    name: '-1 busy, persistent',
    spec: { errcode: -1 },
    outcome: failed(503, 'wecom_unavailable', '2', -1, 3),
  },
  {
    name: '42001 injected (token still valid at gettoken)',
    spec: { errcode: 42001, count: 1 },
    outcome: failed(502, 'wecom_error', undefined, 42001, 1),
  },
  {
    name: '40014 injected (token still valid at gettoken)',
    spec: { errcode: 40014, count: 1 },
    outcome: failed(502, 'wecom_error', undefined, 40014, 1),
  },
  {
    name: '45009 frequency limit',
    spec: { errcode: 45009 },
    outcome: failed(503, 'wecom_unavailable', '60', 45009, 1),
  },
  {
    name: '45033 concurrency limit',
    spec: { errcode: 45033 },
    outcome: failed(503, 'wecom_unavailable', '1', 45033, 1),
  },
  { name: 'HTTP 502, once', spec: { httpStatus: 502, count: 1 }, outcome: recovered(2) },
  {
    name: 'HTTP 503, persistent',
    spec: { httpStatus: 503 },
    outcome: failed(503, 'wecom_unavailable', '2', undefined, 3),
  },
  // A timed-out call may have had its effect (a spent code), so it is final; user/get is a read and is tried again.
  {
    name: `timeout, once (answer after ${slowAnswerMs} ms > WECOM_TIMEOUT_MS ${wecomTimeoutMs})`,
    spec: { delayMs: slowAnswerMs, count: 1 },
    outcome: failed(503, 'wecom_unavailable', '2', undefined, 1),
    outcomeOn: { '/cgi-bin/user/get': recovered(2) },
  },
  {
    name: `timeout, persistent (answer after ${slowAnswerMs} ms > WECOM_TIMEOUT_MS ${wecomTimeoutMs})`,
    spec: { delayMs: slowAnswerMs },
    outcome: failed(503, 'wecom_unavailable', '2', undefined, 1),
    outcomeOn: { '/cgi-bin/user/get': failed(503, 'wecom_unavailable', '2', undefined, 3) },
  },
  {
    name: 'malformed JSON',
    spec: { malformed: true },
    outcome: failed(502, 'wecom_error', undefined, undefined, 1),
  },
  { name: 'dropped connection, once', spec: { drop: true, count: 1 }, outcome: recovered(2) },
  {
    name: 'dropped connection, persistent',
    spec: { drop: true },
    outcome: failed(503, 'wecom_unavailable', '2', undefined, 3),
  },
];

export const tokenFaults: readonly TokenFault[] = [
  { name: '42001 expireTokens() (WeCom expired the token)', retire: 'expireTokens' },
  { name: '40014 revokeTokens() (WeCom invalidated the token)', retire: 'revokeTokens' },
];

/** How an operation finds the WeCom access_token and the employee profile before it runs. */
export type Preparation =
  | 'cold-token-cold-profile'
  | 'warm-token-cold-profile'
  | 'session-profile-missing'
  | 'session-profile-cached';

export type OperationName =
  | 'login-cold-token'
  | 'login-warm-token'
  | 'me-profile-missing'
  | 'me-profile-cached'
  | 'refresh-profile-missing'
  | 'refresh-profile-cached'
  | 'logout'
  | 'decrypt'
  | 'verify';

export interface Operation {
  readonly name: OperationName;
  readonly label: string;
  readonly preparation: Preparation;
  /** The WeCom paths the operation calls, in this preparation. */
  readonly calls: readonly WecomPath[];
  readonly successStatus: number;
}

export const operations: readonly Operation[] = [
  {
    name: 'login-cold-token',
    label: 'POST /v1/sessions (token cold, profile cold)',
    preparation: 'cold-token-cold-profile',
    calls: ['/cgi-bin/gettoken', '/cgi-bin/miniprogram/jscode2session', '/cgi-bin/user/get'],
    successStatus: 201,
  },
  {
    name: 'login-warm-token',
    label: 'POST /v1/sessions (token warm, profile cold)',
    preparation: 'warm-token-cold-profile',
    calls: ['/cgi-bin/miniprogram/jscode2session', '/cgi-bin/user/get'],
    successStatus: 201,
  },
  {
    name: 'me-profile-missing',
    label: 'GET /v1/me (profile not cached)',
    preparation: 'session-profile-missing',
    calls: ['/cgi-bin/user/get'],
    successStatus: 200,
  },
  {
    name: 'me-profile-cached',
    label: 'GET /v1/me (profile cached)',
    preparation: 'session-profile-cached',
    calls: [],
    successStatus: 200,
  },
  {
    name: 'refresh-profile-missing',
    label: 'POST /v1/sessions/refresh (profile not cached)',
    preparation: 'session-profile-missing',
    calls: ['/cgi-bin/user/get'],
    successStatus: 200,
  },
  {
    name: 'refresh-profile-cached',
    label: 'POST /v1/sessions/refresh (profile cached)',
    preparation: 'session-profile-cached',
    calls: [],
    successStatus: 200,
  },
  {
    name: 'logout',
    label: 'DELETE /v1/sessions/current',
    preparation: 'session-profile-cached',
    calls: [],
    successStatus: 204,
  },
  {
    name: 'decrypt',
    label: 'POST /v1/me/decrypt',
    preparation: 'session-profile-cached',
    calls: [],
    successStatus: 200,
  },
  {
    name: 'verify',
    label: 'GET /v1/verify',
    preparation: 'session-profile-cached',
    calls: [],
    successStatus: 204,
  },
];

/** One cell of the matrix. `path` is undefined for a token fault (it hits whatever path uses the token). */
export interface MatrixCase {
  readonly label: string;
  readonly operation: Operation;
  readonly fault: { readonly path: WecomPath; readonly spec: PathFault['spec'] } | TokenFault;
  readonly faultName: string;
  readonly path: WecomPath | undefined;
  readonly expected: Outcome;
}

export function expectedForPathFault(fault: PathFault, path: WecomPath, operation: Operation): Outcome {
  if (!operation.calls.includes(path)) return { kind: 'unaffected' };
  return fault.outcomeOn?.[path] ?? fault.outcome;
}

export function expectedForTokenFault(operation: Operation): Outcome {
  // The token is retired in WeCom, so gettoken hands out a new one: refresh once, replay once, recovered.
  return operation.calls.length === 0 ? { kind: 'unaffected' } : recovered(undefined);
}

export function matrixCases(): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const fault of pathFaults)
    for (const path of wecomPaths)
      for (const operation of operations)
        cases.push({
          label: `${fault.name} on ${path} → ${operation.label}`,
          operation,
          fault: { path, spec: fault.spec },
          faultName: fault.name,
          path,
          expected: expectedForPathFault(fault, path, operation),
        });
  for (const fault of tokenFaults)
    for (const operation of operations)
      cases.push({
        label: `${fault.name} → ${operation.label}`,
        operation,
        fault,
        faultName: fault.name,
        path: undefined,
        expected: expectedForTokenFault(operation),
      });
  return cases;
}

function describeOutcome(outcome: Outcome, operation: Operation): string {
  switch (outcome.kind) {
    case 'unaffected':
      return `${operation.successStatus} (no call)`;
    case 'recovered':
      return `${operation.successStatus} recovered${outcome.tries === undefined ? '' : ` (${outcome.tries} tries)`}`;
    case 'failed': {
      const details = [
        outcome.retryAfter === undefined ? undefined : `Retry-After ${outcome.retryAfter}`,
        outcome.errcode === undefined ? undefined : `errcode ${outcome.errcode}`,
        `${outcome.tries} ${outcome.tries === 1 ? 'try' : 'tries'}`,
      ].filter((detail) => detail !== undefined);
      return `**${outcome.status} \`${outcome.error}\`** (${details.join(', ')})`;
    }
  }
}

/** The matrix as markdown: one table per WeCom path, faults down, operations across. */
export function renderFaultMatrixMarkdown(): string {
  const header = `| fault | ${operations.map((operation) => operation.label).join(' | ')} |`;
  const rule = `|---|${operations.map(() => '---').join('|')}|`;
  const sections = wecomPaths.map((path) => {
    const rows = pathFaults.map(
      (fault) =>
        `| ${fault.name} | ${operations.map((operation) => describeOutcome(expectedForPathFault(fault, path, operation), operation)).join(' | ')} |`,
    );
    return [`### Fault on \`${path}\``, '', header, rule, ...rows].join('\n');
  });
  const tokenRows = tokenFaults.map(
    (fault) =>
      `| ${fault.name} | ${operations.map((operation) => describeOutcome(expectedForTokenFault(operation), operation)).join(' | ')} |`,
  );
  return [
    ...sections,
    ['### WeCom retires the access_token (every path)', '', header, rule, ...tokenRows].join('\n'),
  ].join('\n\n');
}
