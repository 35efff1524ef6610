/**
 * The fault matrix of the gateway as a third-party (suite) app: each WeCom fault, on each WeCom path a suite uses,
 * against each gateway operation — logins, profile reads, and the instruction callback's applies — with the outcome
 * the docs and the code promise. `fault-matrix.test.ts` runs every cell; {@link renderSuiteFaultMatrixMarkdown}
 * renders the same table for the docs.
 *
 * Where each outcome comes from, beyond what `fault-matrix-table.ts` says of the request core and
 * `sessions/wecom-failure.ts`:
 * - three kinds of token: the suite token (`get_suite_token`, carried as `suite_access_token` by jscode2session,
 *   get_corp_token, get_permanent_code and get_auth_info, refused with 40082 / 42009), and each installed corp's token
 *   (`get_corp_token`, carried by user/get, refused with 40001 / 40014 / 41001 / 42001). A refusal invalidates that
 *   token and replays the call once, with a different token only; an errcode of the other token's kind is a
 *   configuration error (502 `wecom_error`), as is a token errcode at the token's own grant;
 * - 40085 at get_suite_token is the ticket refused: 503 `wecom_unavailable`, Retry-After 30 (WeCom pushes a ticket
 *   every 10 minutes); elsewhere it is a configuration error;
 * - 40084 / 48004 are the authorisation gone: 403 `corp_not_authorized`;
 * - get_auth_info is a read (a timeout is tried again, as for user/get); get_suite_token, get_corp_token and
 *   get_permanent_code are not;
 * - the instruction callback answers WeCom `success` once the instruction is recorded, and applies it afterwards:
 *   an apply that fails leaves it in the inbox (the client error code and errcode are logged), and the queue applies
 *   it once WeCom answers again. A change_auth whose authorisation is gone (40084 / 48004) is done without a change.
 *   A get_permanent_code that timed out is the one loss: the sandbox, like WeCom, spent the auth code on the call
 *   whose answer came too late, so the retry answers 40078 and the install is not made (docs/reliability.md).
 */
import type { FaultInput } from '@wecom-auth/sandbox';

/**
 * The suite gateway's WECOM_TIMEOUT_MS, and how late the sandbox answers a delayed call. Wider than the self-built
 * matrix's 300 ms: a suite login makes four WeCom calls, and on a loaded machine a fault-free one must never be
 * taken for a timeout.
 */
export const suiteWecomTimeoutMs = 1_000;
export const suiteSlowAnswerMs = 1_300;

export type SuitePath =
  | '/cgi-bin/service/get_suite_token'
  | '/cgi-bin/service/miniprogram/jscode2session'
  | '/cgi-bin/service/get_corp_token'
  | '/cgi-bin/user/get'
  | '/cgi-bin/service/get_permanent_code'
  | '/cgi-bin/service/get_auth_info';

export const suiteTokenPath = '/cgi-bin/service/get_suite_token';
export const corpTokenPath = '/cgi-bin/service/get_corp_token';

export const suitePaths: readonly SuitePath[] = [
  suiteTokenPath,
  '/cgi-bin/service/miniprogram/jscode2session',
  corpTokenPath,
  '/cgi-bin/user/get',
  '/cgi-bin/service/get_permanent_code',
  '/cgi-bin/service/get_auth_info',
];

/** The calls that carry the suite token (all the suite's own APIs but its grant). */
export function carriesSuiteToken(path: SuitePath): boolean {
  return path !== suiteTokenPath && path !== '/cgi-bin/user/get';
}

/** The calls that carry an installed corp's token. */
export function carriesCorpToken(path: SuitePath): boolean {
  return path === '/cgi-bin/user/get';
}

/** Reads: a timeout is tried again. */
function isRead(path: SuitePath): boolean {
  return path === '/cgi-bin/user/get' || path === '/cgi-bin/service/get_auth_info';
}

/** The gateway answered an error. `tries`: its exchanges on the faulted path. */
export interface SuiteFailedOutcome {
  readonly kind: 'failed';
  readonly status: 403 | 502 | 503;
  readonly error: 'wecom_error' | 'wecom_unavailable' | 'corp_not_authorized';
  readonly retryAfter: string | undefined;
  readonly errcode: number | undefined;
  readonly tries: number;
  /** The WeCom client's error code, which an instruction's failed apply logs. */
  readonly clientCode: string;
}

/** The operation succeeded despite the fault. `tries`: exchanges on the faulted path (undefined: not path-bound). */
export interface SuiteRecoveredOutcome {
  readonly kind: 'recovered';
  readonly tries: number | undefined;
}

/** The operation does not use the faulted path: same answer as without the fault, and no call to that path. */
export interface SuiteUnaffectedOutcome {
  readonly kind: 'unaffected';
}

/** An instruction's apply failed: it stays in the inbox, and the queue applies it once WeCom answers again. */
export interface DeferredOutcome {
  readonly kind: 'deferred';
  readonly clientCode: string;
  readonly errcode: number | undefined;
  readonly tries: number;
}

/** An instruction was done without its change: nothing could ever apply it (the authorisation is gone). */
export interface DroppedOutcome {
  readonly kind: 'dropped';
  /** The `outcome` of its log line. */
  readonly outcome: string;
  readonly errcode: number;
  readonly tries: number;
}

/** The install is lost: the timed-out exchange spent the auth code, and the retry answers 40078. */
export interface LostOutcome {
  readonly kind: 'lost';
  readonly clientCode: string;
  readonly tries: number;
}

/** A WeCom token retired by WeCom: recovered with one new token, and the refused call replayed once. */
export interface ReplayedOutcome {
  readonly kind: 'replayed';
  /** The call that met the retired token: 2 exchanges (the refusal and the replay). */
  readonly refusedPath: SuitePath;
  /** The token's grant: 1 exchange. */
  readonly grantPath: SuitePath;
}

export type SuiteOutcome =
  | SuiteFailedOutcome
  | SuiteRecoveredOutcome
  | SuiteUnaffectedOutcome
  | DeferredOutcome
  | DroppedOutcome
  | LostOutcome
  | ReplayedOutcome;

/** What an operation that answers at once meets on a faulted path. */
type CallOutcome = SuiteFailedOutcome | SuiteRecoveredOutcome;

function failed(
  status: SuiteFailedOutcome['status'],
  error: SuiteFailedOutcome['error'],
  retryAfter: string | undefined,
  errcode: number | undefined,
  tries: number,
  clientCode: string,
): SuiteFailedOutcome {
  return { kind: 'failed', status, error, retryAfter, errcode, tries, clientCode };
}

const recovered = (tries: number | undefined): SuiteRecoveredOutcome => ({ kind: 'recovered', tries });

/** A fault injected on one path at a time; `outcome` says what a call on that path meets. */
export interface SuitePathFault {
  readonly name: string;
  readonly spec: Omit<FaultInput, 'path'>;
  readonly outcome: (path: SuitePath) => CallOutcome;
}

/** A token refused with a token errcode of its own kind (a replay), or of the other kind (configuration). */
function tokenErrcode(errcode: number, kind: 'suite' | 'corp'): (path: SuitePath) => CallOutcome {
  return (path) => {
    const ownKind = kind === 'suite' ? carriesSuiteToken(path) : carriesCorpToken(path);
    return failed(
      502,
      'wecom_error',
      undefined,
      errcode,
      1,
      ownKind ? 'access_token_invalid' : 'configuration',
    );
  };
}

export const suitePathFaults: readonly SuitePathFault[] = [
  { name: '-1 busy, once', spec: { errcode: -1, count: 1 }, outcome: () => recovered(2) },
  {
    name: '-1 busy, persistent',
    spec: { errcode: -1 },
    outcome: () => failed(503, 'wecom_unavailable', '2', -1, 3, 'system_busy'),
  },
  {
    name: '42001 injected (corp token still valid at get_corp_token)',
    spec: { errcode: 42001, count: 1 },
    outcome: tokenErrcode(42001, 'corp'),
  },
  {
    name: '40014 injected (corp token still valid at get_corp_token)',
    spec: { errcode: 40014, count: 1 },
    outcome: tokenErrcode(40014, 'corp'),
  },
  {
    name: '40082 injected (suite token still valid at get_suite_token)',
    spec: { errcode: 40082, count: 1 },
    outcome: tokenErrcode(40082, 'suite'),
  },
  {
    name: '42009 injected (suite token still valid at get_suite_token)',
    spec: { errcode: 42009, count: 1 },
    outcome: tokenErrcode(42009, 'suite'),
  },
  {
    name: '40085 suite_ticket refused',
    spec: { errcode: 40085 },
    outcome: (path) =>
      path === suiteTokenPath
        ? failed(503, 'wecom_unavailable', '30', 40085, 1, 'suite_ticket_missing')
        : failed(502, 'wecom_error', undefined, 40085, 1, 'configuration'),
  },
  {
    name: '40084 permanent_code invalid',
    spec: { errcode: 40084 },
    outcome: () => failed(403, 'corp_not_authorized', undefined, 40084, 1, 'authorization_gone'),
  },
  {
    name: '48004 authorisation cancelled',
    spec: { errcode: 48004 },
    outcome: () => failed(403, 'corp_not_authorized', undefined, 48004, 1, 'authorization_gone'),
  },
  {
    name: '45009 frequency limit',
    spec: { errcode: 45009 },
    outcome: () => failed(503, 'wecom_unavailable', '60', 45009, 1, 'rate_limited'),
  },
  {
    name: '45033 concurrency limit',
    spec: { errcode: 45033 },
    outcome: () => failed(503, 'wecom_unavailable', '1', 45033, 1, 'rate_limited'),
  },
  { name: 'HTTP 502, once', spec: { httpStatus: 502, count: 1 }, outcome: () => recovered(2) },
  {
    name: 'HTTP 503, persistent',
    spec: { httpStatus: 503 },
    outcome: () => failed(503, 'wecom_unavailable', '2', undefined, 3, 'http_status'),
  },
  {
    name: `timeout, once (answer after ${suiteSlowAnswerMs} ms > WECOM_TIMEOUT_MS ${suiteWecomTimeoutMs})`,
    spec: { delayMs: suiteSlowAnswerMs, count: 1 },
    outcome: (path) =>
      isRead(path) ? recovered(2) : failed(503, 'wecom_unavailable', '2', undefined, 1, 'timeout'),
  },
  {
    name: `timeout, persistent (answer after ${suiteSlowAnswerMs} ms > WECOM_TIMEOUT_MS ${suiteWecomTimeoutMs})`,
    spec: { delayMs: suiteSlowAnswerMs },
    outcome: (path) => failed(503, 'wecom_unavailable', '2', undefined, isRead(path) ? 3 : 1, 'timeout'),
  },
  {
    name: 'malformed JSON',
    spec: { malformed: true },
    outcome: () => failed(502, 'wecom_error', undefined, undefined, 1, 'malformed_response'),
  },
  { name: 'dropped connection, once', spec: { drop: true, count: 1 }, outcome: () => recovered(2) },
  {
    name: 'dropped connection, persistent',
    spec: { drop: true },
    outcome: () => failed(503, 'wecom_unavailable', '2', undefined, 3, 'network'),
  },
];

/** WeCom retires a token itself: every live token of that kind answers the errcode on every path. */
export interface SuiteTokenFault {
  readonly name: string;
  readonly token: 'suite' | 'corp';
  readonly retire: 'expire' | 'revoke';
}

export const suiteTokenFaults: readonly SuiteTokenFault[] = [
  { name: '42009 suite token expired (suites.expireTokens)', token: 'suite', retire: 'expire' },
  { name: '40082 suite token revoked (suites.revokeTokens)', token: 'suite', retire: 'revoke' },
  { name: '42001 corp token expired (expireTokens)', token: 'corp', retire: 'expire' },
  { name: '40014 corp token revoked (revokeTokens)', token: 'corp', retire: 'revoke' },
];

/** Whether the gateway holds a token when the operation starts, or the operation never needs it. */
export type TokenState = 'cold' | 'warm' | 'unused';

export type SuiteOperationName =
  | 'login-cold'
  | 'login-corp-cold'
  | 'login-warm'
  | 'me-cold'
  | 'me-warm'
  | 'verify'
  | 'create-auth'
  | 'create-auth-cold'
  | 'change-auth';

export interface SuiteOperation {
  readonly name: SuiteOperationName;
  readonly label: string;
  /** `http`: a request of the mini program, answered at once. `instruction`: applied after WeCom got `success`. */
  readonly kind: 'http' | 'instruction';
  readonly suiteToken: TokenState;
  readonly corpToken: TokenState;
  /** The WeCom paths the operation calls, in this preparation, in the order it calls them. */
  readonly calls: readonly SuitePath[];
  /** The status of the gateway's answer (for an instruction: the callback's `success`). */
  readonly successStatus: number;
}

export const suiteOperations: readonly SuiteOperation[] = [
  {
    name: 'login-cold',
    label: 'POST /v1/sessions (suite token cold, corp token cold)',
    kind: 'http',
    suiteToken: 'cold',
    corpToken: 'cold',
    calls: [
      suiteTokenPath,
      '/cgi-bin/service/miniprogram/jscode2session',
      corpTokenPath,
      '/cgi-bin/user/get',
    ],
    successStatus: 201,
  },
  {
    name: 'login-corp-cold',
    label: 'POST /v1/sessions (suite token warm, corp token cold)',
    kind: 'http',
    suiteToken: 'warm',
    corpToken: 'cold',
    calls: ['/cgi-bin/service/miniprogram/jscode2session', corpTokenPath, '/cgi-bin/user/get'],
    successStatus: 201,
  },
  {
    name: 'login-warm',
    label: 'POST /v1/sessions (tokens warm)',
    kind: 'http',
    suiteToken: 'warm',
    corpToken: 'warm',
    calls: ['/cgi-bin/service/miniprogram/jscode2session', '/cgi-bin/user/get'],
    successStatus: 201,
  },
  {
    name: 'me-cold',
    label: 'GET /v1/me (tokens cold)',
    kind: 'http',
    suiteToken: 'cold',
    corpToken: 'cold',
    calls: [suiteTokenPath, corpTokenPath, '/cgi-bin/user/get'],
    successStatus: 200,
  },
  {
    name: 'me-warm',
    label: 'GET /v1/me (corp token warm)',
    kind: 'http',
    suiteToken: 'unused',
    corpToken: 'warm',
    calls: ['/cgi-bin/user/get'],
    successStatus: 200,
  },
  {
    name: 'verify',
    label: 'GET /v1/verify',
    kind: 'http',
    suiteToken: 'unused',
    corpToken: 'unused',
    calls: [],
    successStatus: 204,
  },
  {
    name: 'create-auth',
    label: 'create_auth (suite token warm)',
    kind: 'instruction',
    suiteToken: 'warm',
    corpToken: 'unused',
    calls: ['/cgi-bin/service/get_permanent_code'],
    successStatus: 200,
  },
  {
    name: 'create-auth-cold',
    label: 'create_auth (suite token cold)',
    kind: 'instruction',
    suiteToken: 'cold',
    corpToken: 'unused',
    calls: [suiteTokenPath, '/cgi-bin/service/get_permanent_code'],
    successStatus: 200,
  },
  {
    name: 'change-auth',
    label: 'change_auth',
    kind: 'instruction',
    suiteToken: 'warm',
    corpToken: 'unused',
    calls: ['/cgi-bin/service/get_auth_info'],
    successStatus: 200,
  },
];

/** One cell of the suite matrix. `path` is undefined for a token fault. */
export interface SuiteMatrixCase {
  readonly label: string;
  readonly operation: SuiteOperation;
  readonly fault: { readonly path: SuitePath; readonly spec: SuitePathFault['spec'] } | SuiteTokenFault;
  readonly path: SuitePath | undefined;
  readonly expected: SuiteOutcome;
}

/** What an instruction's apply makes of what its call met. */
function asInstruction(outcome: CallOutcome, path: SuitePath, operation: SuiteOperation): SuiteOutcome {
  if (outcome.kind === 'recovered') return outcome;
  const exchange = path === '/cgi-bin/service/get_permanent_code';
  if (exchange && outcome.clientCode === 'timeout')
    return { kind: 'lost', clientCode: outcome.clientCode, tries: outcome.tries };
  if (
    operation.name === 'change-auth' &&
    path === '/cgi-bin/service/get_auth_info' &&
    outcome.clientCode === 'authorization_gone' &&
    outcome.errcode !== undefined
  )
    return { kind: 'dropped', outcome: 'authorization_gone', errcode: outcome.errcode, tries: outcome.tries };
  return { kind: 'deferred', clientCode: outcome.clientCode, errcode: outcome.errcode, tries: outcome.tries };
}

export function expectedForSuitePathFault(
  fault: SuitePathFault,
  path: SuitePath,
  operation: SuiteOperation,
): SuiteOutcome {
  if (!operation.calls.includes(path)) return { kind: 'unaffected' };
  const outcome = fault.outcome(path);
  return operation.kind === 'instruction' ? asInstruction(outcome, path, operation) : outcome;
}

export function expectedForSuiteTokenFault(fault: SuiteTokenFault, operation: SuiteOperation): SuiteOutcome {
  const state = fault.token === 'suite' ? operation.suiteToken : operation.corpToken;
  const grantPath = fault.token === 'suite' ? suiteTokenPath : corpTokenPath;
  if (state === 'unused') return { kind: 'unaffected' };
  // A cold token is fetched new (WeCom hands out another once it retired the old one): nothing is refused.
  if (state === 'cold') return recovered(undefined);
  const carries = fault.token === 'suite' ? carriesSuiteToken : carriesCorpToken;
  const refusedPath = operation.calls.find(carries);
  if (refusedPath === undefined)
    throw new Error(`${operation.name} holds a ${fault.token} token it never uses`);
  return { kind: 'replayed', refusedPath, grantPath };
}

export function suiteMatrixCases(): SuiteMatrixCase[] {
  const cases: SuiteMatrixCase[] = [];
  for (const fault of suitePathFaults)
    for (const path of suitePaths)
      for (const operation of suiteOperations)
        cases.push({
          label: `${fault.name} on ${path} → ${operation.label}`,
          operation,
          fault: { path, spec: fault.spec },
          path,
          expected: expectedForSuitePathFault(fault, path, operation),
        });
  for (const fault of suiteTokenFaults)
    for (const operation of suiteOperations)
      cases.push({
        label: `${fault.name} → ${operation.label}`,
        operation,
        fault,
        path: undefined,
        expected: expectedForSuiteTokenFault(fault, operation),
      });
  return cases;
}

function tries(count: number): string {
  return `${count} ${count === 1 ? 'try' : 'tries'}`;
}

function describeSuiteOutcome(outcome: SuiteOutcome, operation: SuiteOperation): string {
  const ok = operation.kind === 'instruction' ? '`success`, applied' : `${operation.successStatus} recovered`;
  switch (outcome.kind) {
    case 'unaffected':
      return `${operation.kind === 'instruction' ? '`success`, applied' : operation.successStatus} (no call)`;
    case 'recovered':
      return `${ok}${outcome.tries === undefined ? '' : ` (${tries(outcome.tries)})`}`;
    case 'replayed':
      return `${ok} (1 new token, 1 replay)`;
    case 'failed': {
      const details = [
        outcome.retryAfter === undefined ? undefined : `Retry-After ${outcome.retryAfter}`,
        outcome.errcode === undefined ? undefined : `errcode ${outcome.errcode}`,
        tries(outcome.tries),
      ].filter((detail) => detail !== undefined);
      return `**${outcome.status} \`${outcome.error}\`** (${details.join(', ')})`;
    }
    case 'deferred': {
      const details = [
        `\`${outcome.clientCode}\``,
        outcome.errcode === undefined ? undefined : `errcode ${outcome.errcode}`,
        tries(outcome.tries),
      ].filter((detail) => detail !== undefined);
      return `\`success\`, **applied on retry** (${details.join(', ')})`;
    }
    case 'dropped':
      return `\`success\`, **done unchanged** (\`${outcome.outcome}\`, errcode ${outcome.errcode})`;
    case 'lost':
      return `\`success\`, **install lost** (\`${outcome.clientCode}\`, ${tries(outcome.tries)}; the retry meets 40078)`;
  }
}

/** The suite matrix as markdown: one table per WeCom path, faults down, operations across. */
export function renderSuiteFaultMatrixMarkdown(): string {
  const header = `| fault | ${suiteOperations.map((operation) => operation.label).join(' | ')} |`;
  const rule = `|---|${suiteOperations.map(() => '---').join('|')}|`;
  const sections = suitePaths.map((path) => {
    const rows = suitePathFaults.map(
      (fault) =>
        `| ${fault.name} | ${suiteOperations.map((operation) => describeSuiteOutcome(expectedForSuitePathFault(fault, path, operation), operation)).join(' | ')} |`,
    );
    return [`### Suite: fault on \`${path}\``, '', header, rule, ...rows].join('\n');
  });
  const tokenRows = suiteTokenFaults.map(
    (fault) =>
      `| ${fault.name} | ${suiteOperations.map((operation) => describeSuiteOutcome(expectedForSuiteTokenFault(fault, operation), operation)).join(' | ')} |`,
  );
  return [
    ...sections,
    ['### Suite: WeCom retires a token (every path)', '', header, rule, ...tokenRows].join('\n'),
  ].join('\n\n');
}
