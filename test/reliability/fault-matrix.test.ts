/**
 * The fault matrix: each WeCom fault (busy, expired and revoked tokens, rate limits, HTTP 5xx, timeouts, malformed
 * answers, dropped connections) on each WeCom path, against each gateway operation, over real HTTP against the
 * sandbox. The table of expected outcomes is `support/fault-matrix-table.ts` (it also renders the docs' markdown);
 * this file runs every cell of it and then checks that the gateway serves a clean login once the fault is gone.
 *
 * Operations that never call WeCom (verify, logout, decrypt, anything with a cached profile) must be untouched by
 * every fault: same status, and the sandbox saw no call at all.
 */
import { DEMO_CORP_ID, type SandboxControl } from '@wecom-auth/sandbox';
import type { JsonAnswer } from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EvidenceGateway, startEvidenceGateway } from './support/evidence-gateway.js';
import {
  type MatrixCase,
  matrixCases,
  type Operation,
  wecomTimeoutMs,
} from './support/fault-matrix-table.js';

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

async function recordSecretsOf(answer: JsonAnswer): Promise<void> {
  const accessToken = answer.body?.accessToken;
  const refreshToken = answer.body?.refreshToken;
  if (typeof accessToken === 'string' && typeof refreshToken === 'string')
    await g.recordSessionSecrets({ accessToken, refreshToken });
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
