/**
 * The fault matrix: each WeCom fault (busy, expired and revoked tokens, rate limits, HTTP 5xx, timeouts, malformed
 * answers, dropped connections) on each WeCom path, against each gateway operation, over real HTTP against the
 * sandbox. The tables of expected outcomes are `support/fault-matrix-table.ts` (a self-built app) and
 * `support/suite-fault-matrix-table.ts` (a third-party app: its suite token, corp tokens, permanent codes and the
 * instruction callback's applies); they also render the docs' markdown. This file runs every cell of both and then
 * checks that the gateway serves a clean login once the fault is gone, and that a failed instruction is applied
 * once WeCom answers again.
 *
 * Operations that never call WeCom (verify, logout, decrypt, anything with a cached profile) must be untouched by
 * every fault: same status, and the sandbox saw no call at all.
 */
import {
  DEMO_CORP_ID,
  demoSuite,
  OTHER_CORP_ID,
  type SandboxControl,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';
import { eventually, type JsonAnswer } from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EvidenceGateway, startEvidenceGateway } from './support/evidence-gateway.js';
import {
  type MatrixCase,
  matrixCases,
  type Operation,
  wecomTimeoutMs,
} from './support/fault-matrix-table.js';
import {
  corpTokenPath,
  type SuiteMatrixCase,
  type SuiteOperation,
  suiteMatrixCases,
  suiteTokenPath,
  suiteWecomTimeoutMs,
} from './support/suite-fault-matrix-table.js';
import {
  appliedMessage,
  applyFailedMessage,
  installedCorps,
  SuiteGatewayDriver,
} from './support/suite-gateway-driver.js';

/** Logs in through the operations under test; another member holds the sessions the other operations use. */
const loginUser = 'zhangsan';
const sessionUser = 'lisi';
/** Past the longest gettoken failure backoff (1 s doubling, capped at 60 s). */
const beyondTokenBackoffMs = 61_000;
const concurrentLogins = 50;

let g: EvidenceGateway;
/** Members who can log in (active, inside the demo app's visible range). */
let members: string[];

beforeAll(async () => {
  g = await startEvidenceGateway('fault-matrix', {
    // The login limit would otherwise count this file's thousand logins from 127.0.0.1.
    env: {
      WECOM_TIMEOUT_MS: String(wecomTimeoutMs),
      LOGIN_RATE_LIMIT: '1000000',
      LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
      LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
    },
    clock: 'manual',
  });
  const corp = g.sandbox.control.directory().corps.find((candidate) => candidate.corpId === DEMO_CORP_ID);
  members = [];
  for (const user of corp?.users ?? []) {
    const answer = await g.call('POST', '/v1/sessions', { body: { code: g.code(user.userid) } });
    if (answer.status === 201) members.push(user.userid);
  }
  expect(members).toContain(loginUser);
  expect(members).toContain(sessionUser);
}, 60_000);

afterAll(async () => {
  await g?.close();
});

afterEach(() => {
  // Whatever a case asserted, the next one starts fault-free and past any gettoken backoff it left behind.
  g.sandbox.control.clearFaults();
  if (g.gateway.services.corps.clientFor(DEMO_CORP_ID).status().consecutiveFailures > 0)
    g.advanceClock(beyondTokenBackoffMs);
});

/**
 * The gateway's own count of HTTP exchanges with WeCom, by API path (its `/metrics`). The sandbox's call log misses
 * a call whose client gave up before the late answer was sent, so tries are counted on the gateway's side.
 */
async function wecomExchanges(): Promise<Map<string, number>> {
  const { text } = await g.call('GET', '/metrics');
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^wecom_auth_wecom_calls_total\{[^}]*api="([^"]+)"[^}]*\} (\d+)$/gm)) {
    const [, api, value] = match;
    if (api !== undefined) counts.set(api, (counts.get(api) ?? 0) + Number(value));
  }
  return counts;
}

interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
}

interface Prepared {
  readonly session?: Session;
  readonly encrypted?: { readonly encryptedData: string; readonly iv: string };
}

/** Puts the gateway's WeCom token and profile cache in the state the operation's row names, fault-free. */
async function prepare(operation: Operation): Promise<Prepared> {
  const { corps, directory } = g.gateway.services;
  const wecom = corps.clientFor(DEMO_CORP_ID);
  switch (operation.preparation) {
    case 'cold-token-cold-profile':
      await wecom.accessToken.invalidate(await wecom.accessToken.getToken());
      await directory.forget(DEMO_CORP_ID, loginUser);
      return {};
    case 'warm-token-cold-profile':
      await wecom.accessToken.getToken();
      await directory.forget(DEMO_CORP_ID, loginUser);
      return {};
    case 'session-profile-missing': {
      const session = await g.login(sessionUser);
      await directory.forget(DEMO_CORP_ID, sessionUser);
      return { session };
    }
    case 'session-profile-cached': {
      const session = await g.login(sessionUser);
      if (operation.name !== 'decrypt') return { session };
      // Sealed at the gateway's time: the matrix moves the gateway's clock past token backoffs, and the decrypt
      // window compares the watermark with that clock.
      const { encryptedData, iv } = g.sandbox.control.encrypt({
        userid: sessionUser,
        kind: 'mobile',
        watermarkTimestamp: Math.floor(g.now() / 1000),
      });
      return { session, encrypted: { encryptedData, iv } };
    }
  }
}

function sessionOf(prepared: Prepared): Session {
  if (!prepared.session) throw new Error('this operation needs a session');
  return prepared.session;
}

async function run(operation: Operation, prepared: Prepared): Promise<JsonAnswer> {
  switch (operation.name) {
    case 'login-cold-token':
    case 'login-warm-token':
      return g.call('POST', '/v1/sessions', { body: { code: g.code(loginUser) } });
    case 'me-profile-missing':
    case 'me-profile-cached':
      return g.call('GET', '/v1/me', { token: sessionOf(prepared).accessToken });
    case 'refresh-profile-missing':
    case 'refresh-profile-cached':
      return g.call('POST', '/v1/sessions/refresh', {
        body: { refreshToken: sessionOf(prepared).refreshToken },
      });
    case 'logout':
      return g.call('DELETE', '/v1/sessions/current', { token: sessionOf(prepared).accessToken });
    case 'decrypt':
      return g.call('POST', '/v1/me/decrypt', {
        token: sessionOf(prepared).accessToken,
        body: prepared.encrypted,
      });
    case 'verify':
      return g.call('GET', '/v1/verify', { token: sessionOf(prepared).accessToken });
  }
}

function inject(cell: MatrixCase): void {
  const { control } = g.sandbox;
  if ('retire' in cell.fault) {
    if (cell.fault.retire === 'expireTokens') control.expireTokens();
    else control.revokeTokens();
    return;
  }
  control.addFault({ path: cell.fault.path, ...cell.fault.spec });
}

/** Every answer: 2xx, 4xx, or 502/503 with our error body; never another 5xx. */
function expectWellFormed(answer: JsonAnswer): void {
  expect(
    answer.status < 500 || answer.status === 502 || answer.status === 503,
    `status ${answer.status}`,
  ).toBe(true);
  if (answer.status >= 400) {
    expect(answer.body).toMatchObject({
      error: expect.stringMatching(/^[a-z_]+$/),
      message: expect.any(String),
      requestId: expect.any(String),
    });
    expect(answer.headers.get('x-request-id')).toBe(answer.body?.requestId);
  }
}

async function recordSecretsOf(answer: JsonAnswer, gateway: EvidenceGateway = g): Promise<void> {
  const accessToken = answer.body?.accessToken;
  const refreshToken = answer.body?.refreshToken;
  if (typeof accessToken === 'string' && typeof refreshToken === 'string')
    await gateway.recordSessionSecrets({ accessToken, refreshToken });
}

/**
 * `tries`: the gateway's exchanges on the faulted path; `seenOnPath` / `seenInAll`: the calls the sandbox saw on
 * that path and on every path.
 */
function expectOutcome(
  cell: MatrixCase,
  answer: JsonAnswer,
  counts: { tries: number; seenOnPath: number; seenInAll: number },
): void {
  const { expected } = cell;
  const context = `${answer.status} ${answer.text}`;
  switch (expected.kind) {
    case 'unaffected':
      expect(answer.status, context).toBe(cell.operation.successStatus);
      expect(counts.seenOnPath, 'calls on the faulted path').toBe(0);
      expect(counts.tries, 'exchanges on the faulted path').toBe(0);
      if (cell.operation.calls.length === 0) expect(counts.seenInAll, 'calls to WeCom').toBe(0);
      return;
    case 'recovered':
      expect(answer.status, context).toBe(cell.operation.successStatus);
      if (expected.tries !== undefined)
        expect(counts.tries, 'tries on the faulted path').toBe(expected.tries);
      return;
    case 'failed':
      expect(answer.status, context).toBe(expected.status);
      expect(answer.body?.error, context).toBe(expected.error);
      expect(answer.headers.get('retry-after') ?? undefined).toBe(expected.retryAfter);
      if (expected.errcode === undefined) expect(answer.body?.wecom).toBeUndefined();
      else
        expect(answer.body?.wecom).toMatchObject({ errcode: expected.errcode, errmsg: expect.any(String) });
      expect(counts.tries, 'tries on the faulted path').toBe(expected.tries);
      return;
  }
}

describe('fault matrix: each WeCom fault × each gateway operation', () => {
  // `%s` of the label, not `$label`: vitest shortens interpolated object fields, and the label is the table row.
  const cells = matrixCases().map((cell) => [cell.label, cell] as const);
  it.each(cells)('%s', async (_label, cell) => {
    const prepared = await prepare(cell.operation);
    const { control } = g.sandbox;
    // Exchanges are counted only where the fault can be met: reading /metrics costs more than the cell itself.
    const counted = cell.expected.kind !== 'unaffected';
    const exchangesBefore = counted ? await wecomExchanges() : new Map<string, number>();
    control.resetCalls();
    inject(cell);
    const answer = await run(cell.operation, prepared);
    const calls = control.calls();
    control.clearFaults();
    const exchangesAfter = counted ? await wecomExchanges() : new Map<string, number>();
    expectWellFormed(answer);
    await recordSecretsOf(answer);
    const path = cell.path;
    const tries = path === undefined ? 0 : (exchangesAfter.get(path) ?? 0) - (exchangesBefore.get(path) ?? 0);
    const seenOnPath = path === undefined ? 0 : (calls.byPath[path] ?? 0);
    expectOutcome(cell, answer, { tries, seenOnPath, seenInAll: calls.total });

    const wecom = g.gateway.services.corps.clientFor(DEMO_CORP_ID);
    if (wecom.status().consecutiveFailures > 0) {
      // gettoken failed: within the backoff the last error is answered at once, so a broken secret or a WeCom
      // outage cannot be hammered into an IP block; once the backoff has passed, the next login fetches again.
      control.resetCalls();
      const during = await g.call('POST', '/v1/sessions', { body: { code: g.code(loginUser) } });
      expectWellFormed(during);
      expect(during.status).toBe(answer.status);
      expect(during.body?.error).toBe(answer.body?.error);
      expect(control.calls().byPath['/cgi-bin/gettoken'] ?? 0).toBe(0);
      g.advanceClock(beyondTokenBackoffMs);
    }

    // The fault is gone: a clean login and a verify of its token work at once.
    const clean = await g.login(loginUser);
    expect((await g.call('GET', '/v1/verify', { token: clean.accessToken })).status).toBe(204);
    expect(wecom.status().consecutiveFailures).toBe(0);
  });
});

interface RecoveryScenario {
  readonly name: string;
  readonly tokenCold: boolean;
  readonly inject: (control: SandboxControl) => void;
  /** One token for every concurrent caller: a single fetch (of up to 3 tries) whatever the number of logins. */
  readonly gettokenCalls: number;
}

const recoveryScenarios: readonly RecoveryScenario[] = [
  {
    name: '42001 from expireTokens()',
    tokenCold: false,
    inject: (control) => control.expireTokens(),
    gettokenCalls: 1,
  },
  {
    name: '40014 from revokeTokens()',
    tokenCold: false,
    inject: (control) => control.revokeTokens(),
    gettokenCalls: 1,
  },
  {
    name: 'a single -1 on gettoken (token cold)',
    tokenCold: true,
    inject: (control) => control.addFault({ path: '/cgi-bin/gettoken', errcode: -1, count: 1 }),
    gettokenCalls: 2,
  },
  {
    name: 'a single -1 on jscode2session',
    tokenCold: false,
    inject: (control) =>
      control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', errcode: -1, count: 1 }),
    gettokenCalls: 0,
  },
  {
    name: 'a single -1 on user/get',
    tokenCold: false,
    inject: (control) => control.addFault({ path: '/cgi-bin/user/get', errcode: -1, count: 1 }),
    gettokenCalls: 0,
  },
];

describe(`${concurrentLogins} concurrent logins recover from every token and busy fault`, () => {
  // A gateway of its own, with the default WeCom timeout: 50 logins at once on two cores can take longer than
  // the 300 ms the matrix uses to provoke timeouts, and a timeout here would be the machine, not the fault.
  let h: EvidenceGateway;
  beforeAll(async () => {
    h = await startEvidenceGateway('fault-matrix-concurrent', {
      env: {
        LOGIN_RATE_LIMIT: '1000000',
        LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
        LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(recoveryScenarios)('100 % of logins succeed under $name', async (scenario) => {
    const { corps, directory } = h.gateway.services;
    const wecom = corps.clientFor(DEMO_CORP_ID);
    const token = await wecom.accessToken.getToken();
    if (scenario.tokenCold) await wecom.accessToken.invalidate(token);
    // Profiles cold, so user/get is part of every login.
    for (const userid of members) await directory.forget(DEMO_CORP_ID, userid);
    const { control } = h.sandbox;
    control.resetCalls();
    scenario.inject(control);
    const answers = await Promise.all(
      Array.from({ length: concurrentLogins }, (_, i) =>
        h.call('POST', '/v1/sessions', { body: { code: h.code(members[i % members.length] as string) } }),
      ),
    );
    control.clearFaults();
    for (const answer of answers) expectWellFormed(answer);
    const failures = answers.filter((answer) => answer.status !== 201).map((answer) => answer.text);
    expect(failures, JSON.stringify(failures.slice(0, 3))).toEqual([]);
    const first = answers[0];
    if (first) await h.recordSessionSecrets(first.body as { accessToken: string; refreshToken: string });
    expect(control.calls().byPath['/cgi-bin/gettoken'] ?? 0).toBe(scenario.gettokenCalls);
  });
});

describe('a refresh that WeCom fails', () => {
  // A refresh reads the employee (user/get when the profile is not cached) and rotates the refresh token. If the
  // rotation could commit before WeCom failed, the client would never receive the new token, and its retry with the
  // one it holds would be taken for refresh-token theft and revoke the session.
  it('leaves the session refreshable once WeCom is back (the refresh token is not burnt)', async () => {
    const session = await g.login(sessionUser);
    await g.gateway.services.directory.forget(DEMO_CORP_ID, sessionUser);
    g.sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode: -1 });
    const during = await g.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refreshToken },
    });
    g.sandbox.control.clearFaults();
    expectWellFormed(during);
    await recordSecretsOf(during);
    // Either the refresh succeeds despite WeCom, or it fails as temporary and the token the client holds still works.
    let held = session.refreshToken;
    if (during.status === 200) held = String(during.body?.refreshToken);
    else {
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('2');
    }
    const retry = await g.call('POST', '/v1/sessions/refresh', { body: { refreshToken: held } });
    await recordSecretsOf(retry);
    expect(retry.status, retry.text).toBe(200);
  });
});

describe('fault matrix of a third-party app: each WeCom fault × each suite operation', () => {
  // A gateway of its own, as the demo suite, installed in the demo corp and its subsidiary. Failed instructions are
  // tried again when the next instruction arrives: a timed sweep could retry one behind a cell's back and blur the
  // count of tries (the sweep itself is proven below).
  let h: EvidenceGateway;
  let s: SuiteGatewayDriver;
  beforeAll(async () => {
    h = await startEvidenceGateway('fault-matrix-suite', {
      app: 'suite',
      env: { WECOM_TIMEOUT_MS: String(suiteWecomTimeoutMs), LOGIN_RATE_LIMIT: '1000000' },
      clock: 'manual',
      callbackRetryIntervalMs: 3_600_000,
    });
    s = new SuiteGatewayDriver(h);
    await s.connect();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(async () => {
    s.control.clearFaults();
    await s.pastTokenBackoff();
  });

  /** Puts the tokens and profiles in the state the operation's column names, fault-free. */
  async function prepare(operation: SuiteOperation): Promise<Session | undefined> {
    const tenants = h.suiteTenants();
    const demo = tenants.clientFor(DEMO_CORP_ID);
    const session = ['me-cold', 'me-warm', 'verify'].includes(operation.name)
      ? await h.login(sessionUser)
      : undefined;
    await h.gateway.services.directory.forget(DEMO_CORP_ID, loginUser);
    await h.gateway.services.directory.forget(DEMO_CORP_ID, sessionUser);
    // The corp token first: fetching it takes the suite token.
    if (operation.corpToken !== 'unused') {
      const token = await demo.accessToken.getToken();
      if (operation.corpToken === 'cold') await demo.accessToken.invalidate(token);
    }
    if (operation.suiteToken !== 'unused') {
      const token = await tenants.suite.suiteToken.getToken();
      if (operation.suiteToken === 'cold') await tenants.suite.suiteToken.invalidate(token);
    }
    return session;
  }

  function inject(cell: SuiteMatrixCase): void {
    const { control } = s;
    if ('retire' in cell.fault) {
      const { token, retire } = cell.fault;
      if (token === 'suite') {
        if (retire === 'expire') control.suites.expireTokens(demoSuite.suiteId);
        else control.suites.revokeTokens(demoSuite.suiteId);
        return;
      }
      for (const corpid of installedCorps) {
        if (retire === 'expire') control.expireTokens({ corpid });
        else control.revokeTokens({ corpid });
      }
      return;
    }
    control.addFault({ path: cell.fault.path, ...cell.fault.spec });
  }

  async function run(
    operation: SuiteOperation,
    session: Session | undefined,
  ): Promise<JsonAnswer | undefined> {
    const token = (): string => {
      if (!session) throw new Error('this operation needs a session');
      return session.accessToken;
    };
    switch (operation.name) {
      case 'login-cold':
      case 'login-corp-cold':
      case 'login-warm':
        return h.call('POST', '/v1/sessions', { body: { code: h.code(loginUser) } });
      case 'me-cold':
      case 'me-warm':
        return h.call('GET', '/v1/me', { token: token() });
      case 'verify':
        return h.call('GET', '/v1/verify', { token: token() });
      case 'create-auth':
      case 'create-auth-cold':
        await s.install(OTHER_CORP_ID);
        return undefined;
      case 'change-auth':
        await s.changeAuth(DEMO_CORP_ID);
        return undefined;
    }
  }

  /** Exchanges on `path` between two metric reads. */
  const delta = (before: Map<string, number>, after: Map<string, number>, path: string): number =>
    (after.get(path) ?? 0) - (before.get(path) ?? 0);

  /** What an instruction's apply is expected to have logged. */
  function expectApply(cell: SuiteMatrixCase, line: Record<string, unknown>, triesOnPath: number): void {
    const { expected } = cell;
    const context = JSON.stringify(line);
    switch (expected.kind) {
      case 'unaffected':
      case 'recovered':
      case 'replayed':
        expect(line.msg, context).toBe(appliedMessage);
        expect(line.outcome, context).toBe('stored');
        if (expected.kind === 'recovered' && expected.tries !== undefined)
          expect(triesOnPath, 'tries on the faulted path').toBe(expected.tries);
        return;
      case 'dropped':
        expect(line.msg, context).toBe(appliedMessage);
        expect(line).toMatchObject({ outcome: expected.outcome, errcode: expected.errcode });
        expect(triesOnPath, 'tries on the faulted path').toBe(expected.tries);
        return;
      case 'deferred':
      case 'lost':
        expect(line.msg, context).toBe(applyFailedMessage);
        expect(line.code, context).toBe(expected.clientCode);
        expect(line.errcode, context).toBe(expected.kind === 'deferred' ? expected.errcode : undefined);
        expect(triesOnPath, 'tries on the faulted path').toBe(expected.tries);
        return;
      case 'failed':
        throw new Error('an instruction is answered `success` before it applies');
    }
  }

  function expectAnswer(cell: SuiteMatrixCase, answer: JsonAnswer, triesOnPath: number): void {
    const { expected, operation } = cell;
    const context = `${answer.status} ${answer.text}`;
    switch (expected.kind) {
      case 'unaffected':
      case 'recovered':
      case 'replayed':
        expect(answer.status, context).toBe(operation.successStatus);
        if (expected.kind === 'recovered' && expected.tries !== undefined)
          expect(triesOnPath, 'tries on the faulted path').toBe(expected.tries);
        return;
      case 'failed':
        expect(answer.status, context).toBe(expected.status);
        expect(answer.body?.error, context).toBe(expected.error);
        expect(answer.headers.get('retry-after') ?? undefined).toBe(expected.retryAfter);
        if (expected.errcode === undefined) expect(answer.body?.wecom).toBeUndefined();
        else
          expect(answer.body?.wecom).toMatchObject({ errcode: expected.errcode, errmsg: expect.any(String) });
        expect(triesOnPath, 'tries on the faulted path').toBe(expected.tries);
        return;
      case 'deferred':
      case 'dropped':
      case 'lost':
        throw new Error(`${expected.kind} is an instruction's outcome, never an answer's`);
    }
  }

  /** After a failed apply: the instruction waits in the inbox; the next instruction's arrival applies both. */
  async function recoverInstruction(cell: SuiteMatrixCase): Promise<void> {
    expect(await s.pending(), 'the failed instruction waits in the inbox').toBe(1);
    await s.pastTokenBackoff();
    const from = h.logLines.length;
    await s.changeAuth(SUBSIDIARY_CORP_ID);
    const [retried, next] = await s.applies(from, 2);
    expect(next).toMatchObject({ msg: appliedMessage, kind: 'change_auth', corpId: SUBSIDIARY_CORP_ID });
    if (cell.expected.kind === 'lost') {
      // The late answer of the timed-out exchange spent the auth code: the retry meets 40078.
      expect(retried).toMatchObject({ msg: appliedMessage, kind: 'create_auth', outcome: 'auth_code_used' });
      return;
    }
    expect(retried).toMatchObject({ msg: appliedMessage, outcome: 'stored' });
    expect(retried?.kind).toBe(cell.operation.name === 'change-auth' ? 'change_auth' : 'create_auth');
  }

  const cells = suiteMatrixCases().map((cell) => [cell.label, cell] as const);
  it.each(cells)('%s', async (_label, cell) => {
    const { operation, expected } = cell;
    await s.sync();
    const session = await prepare(operation);
    const { control } = s;
    const counted = expected.kind !== 'unaffected';
    const before = counted ? await s.exchanges() : new Map<string, number>();
    control.resetCalls();
    const from = h.logLines.length;
    inject(cell);
    const answer = await run(operation, session);
    const [apply] = operation.kind === 'instruction' ? await s.applies(from) : [];
    const calls = control.calls();
    control.clearFaults();
    const after = counted ? await s.exchanges() : new Map<string, number>();
    const path = cell.path;
    const triesOnPath = path === undefined ? 0 : delta(before, after, path);

    if (expected.kind === 'unaffected') {
      if (path !== undefined) {
        expect(calls.byPath[path] ?? 0, 'calls on the faulted path').toBe(0);
      } else {
        const grant = 'retire' in cell.fault && cell.fault.token === 'suite' ? suiteTokenPath : corpTokenPath;
        expect(calls.byPath[grant] ?? 0, 'token fetches').toBe(0);
      }
      if (operation.calls.length === 0) expect(calls.total, 'calls to WeCom').toBe(0);
    }
    if (expected.kind === 'replayed') {
      // WeCom retired the token: one new token, and the refused call replayed once.
      expect(delta(before, after, expected.grantPath), 'token fetches').toBe(1);
      expect(delta(before, after, expected.refusedPath), 'the refused call and its replay').toBe(2);
    }

    if (answer !== undefined) {
      expectWellFormed(answer);
      await recordSecretsOf(answer, h);
      expectAnswer(cell, answer, triesOnPath);
      if (s.tokenFailures() > 0) {
        // A token fetch failed: within its backoff the last error is answered at once, without asking WeCom.
        await h.gateway.services.directory.forget(DEMO_CORP_ID, loginUser);
        control.resetCalls();
        const during = await h.call('POST', '/v1/sessions', { body: { code: h.code(loginUser) } });
        expectWellFormed(during);
        expect(during.status, during.text).toBe(answer.status);
        expect(during.body?.error).toBe(answer.body?.error);
        const fetches = control.calls().byPath;
        expect((fetches[suiteTokenPath] ?? 0) + (fetches[corpTokenPath] ?? 0), 'token fetches').toBe(0);
        await s.pastTokenBackoff();
      }
      if (expected.kind === 'unaffected') return;
      // The fault is gone: a clean login and a verify of its token work at once.
      const clean = await h.login(loginUser);
      expect((await h.call('GET', '/v1/verify', { token: clean.accessToken })).status).toBe(204);
      expect(s.tokenFailures()).toBe(0);
      return;
    }

    expect(apply, 'the apply was logged').toBeDefined();
    expectApply(cell, apply ?? {}, triesOnPath);
    if (expected.kind === 'deferred' || expected.kind === 'lost') await recoverInstruction(cell);
    expect(await s.pending(), 'nothing left in the inbox').toBe(0);
    if (operation.name === 'change-auth') {
      // The corp stays installed whatever became of its change_auth, and its employees log in.
      expect(await s.installed(DEMO_CORP_ID)).toBe(true);
      if (expected.kind !== 'unaffected') await h.login(loginUser);
      return;
    }
    if (expected.kind === 'unaffected') {
      expect(await s.installed(OTHER_CORP_ID)).toBe(true);
      await s.uninstall(OTHER_CORP_ID);
      return;
    }
    // A create_auth: the partner corp's employees log in, unless the install was lost.
    const partner = await h.call('POST', '/v1/sessions', {
      body: { code: h.code(s.activeMember(OTHER_CORP_ID), OTHER_CORP_ID) },
    });
    await recordSecretsOf(partner, h);
    if (expected.kind === 'lost') {
      expect(await s.installed(OTHER_CORP_ID)).toBe(false);
      expect(partner.body?.error, partner.text).toBe('corp_not_authorized');
    } else {
      expect(await s.installed(OTHER_CORP_ID)).toBe(true);
      expect(partner.status, partner.text).toBe(201);
    }
    await h.recordSuiteSecrets();
    s.recordIssuedPermanentCodes();
    // The partner uninstalls again, for the next cell.
    await s.uninstall(OTHER_CORP_ID);
    expect(await s.installed(OTHER_CORP_ID)).toBe(false);
  });
});

describe('a third-party app: concurrent logins, replays, and the instruction queue', () => {
  // Real clock, default WeCom timeout (50 logins at once on two cores), and the queue's sweep every 300 ms.
  let h: EvidenceGateway;
  let s: SuiteGatewayDriver;
  /** Members who can log in, with their corp. */
  let members: { userid: string; corpid: string }[];
  beforeAll(async () => {
    h = await startEvidenceGateway('fault-matrix-suite-concurrent', {
      app: 'suite',
      env: { LOGIN_RATE_LIMIT: '1000000' },
      callbackRetryIntervalMs: 300,
    });
    s = new SuiteGatewayDriver(h);
    await s.connect();
    members = [];
    for (const corpid of installedCorps) {
      const corp = s.control.directory().corps.find((candidate) => candidate.corpId === corpid);
      for (const user of corp?.users ?? []) {
        const answer = await h.call('POST', '/v1/sessions', { body: { code: h.code(user.userid, corpid) } });
        if (answer.status === 201) members.push({ userid: user.userid, corpid });
      }
    }
    expect(new Set(members.map((member) => member.corpid))).toEqual(new Set(installedCorps));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => s.control.clearFaults());

  /** Both tokens of every corp warm (or cold), every profile cold: each login makes every call it can. */
  async function prepare(tokens: { suite: 'warm' | 'cold'; corp: 'warm' | 'cold' }): Promise<void> {
    const tenants = h.suiteTenants();
    for (const member of members) await h.gateway.services.directory.forget(member.corpid, member.userid);
    for (const corpId of installedCorps) {
      const client = tenants.clientFor(corpId);
      const token = await client.accessToken.getToken();
      if (tokens.corp === 'cold') await client.accessToken.invalidate(token);
    }
    const token = await tenants.suite.suiteToken.getToken();
    if (tokens.suite === 'cold') await tenants.suite.suiteToken.invalidate(token);
  }

  interface Scenario {
    readonly name: string;
    readonly tokens: { suite: 'warm' | 'cold'; corp: 'warm' | 'cold' };
    readonly inject: (control: SandboxControl) => void;
    /** One token for every concurrent caller: a single fetch (of up to 3 tries) per token, whatever the logins. */
    readonly suiteTokenCalls: number;
    readonly corpTokenCalls: number;
  }

  const scenarios: readonly Scenario[] = [
    {
      name: '42009 from suites.expireTokens()',
      tokens: { suite: 'warm', corp: 'warm' },
      inject: (control) => control.suites.expireTokens(demoSuite.suiteId),
      suiteTokenCalls: 1,
      corpTokenCalls: 0,
    },
    {
      name: '40082 from suites.revokeTokens()',
      tokens: { suite: 'warm', corp: 'warm' },
      inject: (control) => control.suites.revokeTokens(demoSuite.suiteId),
      suiteTokenCalls: 1,
      corpTokenCalls: 0,
    },
    {
      name: "42001 from expireTokens() of both corps' tokens",
      tokens: { suite: 'warm', corp: 'warm' },
      inject: (control) => {
        for (const corpid of installedCorps) control.expireTokens({ corpid });
      },
      suiteTokenCalls: 0,
      corpTokenCalls: installedCorps.length,
    },
    {
      name: 'a single -1 on get_suite_token (suite token cold)',
      tokens: { suite: 'cold', corp: 'warm' },
      inject: (control) => control.addFault({ path: suiteTokenPath, errcode: -1, count: 1 }),
      suiteTokenCalls: 2,
      corpTokenCalls: 0,
    },
    {
      name: 'a single -1 on get_corp_token (corp tokens cold)',
      tokens: { suite: 'warm', corp: 'cold' },
      inject: (control) => control.addFault({ path: corpTokenPath, errcode: -1, count: 1 }),
      suiteTokenCalls: 0,
      corpTokenCalls: installedCorps.length + 1,
    },
    {
      name: 'a single -1 on service/miniprogram/jscode2session',
      tokens: { suite: 'warm', corp: 'warm' },
      inject: (control) =>
        control.addFault({ path: '/cgi-bin/service/miniprogram/jscode2session', errcode: -1, count: 1 }),
      suiteTokenCalls: 0,
      corpTokenCalls: 0,
    },
  ];

  it.each(scenarios)('100 % of $name logins across both corps succeed', async (scenario) => {
    await prepare(scenario.tokens);
    const { control } = s;
    control.resetCalls();
    scenario.inject(control);
    const answers = await Promise.all(
      Array.from({ length: concurrentLogins }, (_, i) => {
        const member = members[i % members.length] as { userid: string; corpid: string };
        return h.call('POST', '/v1/sessions', { body: { code: h.code(member.userid, member.corpid) } });
      }),
    );
    control.clearFaults();
    for (const answer of answers) expectWellFormed(answer);
    const failures = answers.filter((answer) => answer.status !== 201).map((answer) => answer.text);
    expect(failures, JSON.stringify(failures.slice(0, 3))).toEqual([]);
    const first = answers[0];
    if (first) await h.recordSessionSecrets(first.body as { accessToken: string; refreshToken: string });
    const calls = control.calls().byPath;
    expect(calls[suiteTokenPath] ?? 0, 'get_suite_token').toBe(scenario.suiteTokenCalls);
    expect(calls[corpTokenPath] ?? 0, 'get_corp_token').toBe(scenario.corpTokenCalls);
  });

  it.each([
    {
      kind: 'suite',
      retire: (control: SandboxControl) => control.suites.revokeTokens(demoSuite.suiteId),
      refusedPath: '/cgi-bin/service/miniprogram/jscode2session',
      errcode: 40082,
      grantPath: suiteTokenPath,
    },
    {
      kind: 'corp',
      retire: (control: SandboxControl) => control.revokeTokens({ corpid: DEMO_CORP_ID }),
      refusedPath: '/cgi-bin/user/get',
      errcode: 40014,
      grantPath: corpTokenPath,
    },
  ])('a $kind token refused again after its replay is not replayed a second time', async (refusal) => {
    await prepare({ suite: 'warm', corp: 'warm' });
    const { control } = s;
    const before = await s.exchanges();
    control.resetCalls();
    // WeCom retired the token, so the gateway fetches a new one; the replay with it is refused as well.
    refusal.retire(control);
    control.addFault({ path: refusal.refusedPath, errcode: refusal.errcode, count: 2 });
    const answer = await h.call('POST', '/v1/sessions', { body: { code: h.code(loginUser) } });
    control.clearFaults();
    const after = await s.exchanges();
    expectWellFormed(answer);
    expect(answer.status, answer.text).toBe(502);
    expect(answer.body).toMatchObject({ error: 'wecom_error', wecom: { errcode: refusal.errcode } });
    const delta = (path: string) => (after.get(path) ?? 0) - (before.get(path) ?? 0);
    expect(delta(refusal.refusedPath), 'the refused call and its one replay').toBe(2);
    expect(delta(refusal.grantPath), 'token fetches').toBe(1);
    await h.login(loginUser);
  });

  it("a create_auth that failed is applied by the queue's own retry, with no other instruction", async () => {
    const from = h.logLines.length;
    s.control.addFault({ path: '/cgi-bin/service/get_permanent_code', errcode: -1 });
    await s.install(OTHER_CORP_ID);
    const [failed] = await s.applies(from);
    expect(failed).toMatchObject({ msg: applyFailedMessage, code: 'system_busy', errcode: -1 });
    s.control.clearFaults();
    // The sweep (every 300 ms here, 5 s by default) tries it again.
    expect(await eventually(() => s.installed(OTHER_CORP_ID), 10_000)).toBe(true);
    expect(await s.pending()).toBe(0);
    await s.uninstall(OTHER_CORP_ID);
  });

  it("a change_auth WeCom keeps failing holds back no other corp's install", async () => {
    // One corp's instruction that cannot apply must not stall the others until their auth codes expire.
    s.control.addFault({ path: '/cgi-bin/service/get_auth_info', errcode: -1 });
    let from = h.logLines.length;
    await s.changeAuth(DEMO_CORP_ID);
    expect((await s.applies(from))[0]).toMatchObject({ msg: applyFailedMessage, code: 'system_busy' });
    from = h.logLines.length;
    await s.install(OTHER_CORP_ID);
    expect(await eventually(() => s.installed(OTHER_CORP_ID), 10_000)).toBe(true);
    const partner = await h.call('POST', '/v1/sessions', {
      body: { code: h.code(s.activeMember(OTHER_CORP_ID), OTHER_CORP_ID) },
    });
    expect(partner.status, partner.text).toBe(201);
    expect(await s.pending(), 'the change_auth still waits').toBe(1);
    s.control.clearFaults();
    expect(await eventually(async () => (await s.pending()) === 0, 10_000)).toBe(true);
    expect(s.logsFrom(from).some((line) => line.msg === appliedMessage && line.kind === 'change_auth')).toBe(
      true,
    );
    await s.uninstall(OTHER_CORP_ID);
  });
});
