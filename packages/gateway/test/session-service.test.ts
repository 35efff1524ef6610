/**
 * The session lifecycle on its own: a SessionService over the memory store, with a scripted WeCom (code2Session and
 * user/get answered from tables the test fills; a code works once, as WeCom's) and a clock the test moves. What a
 * login, a retry, a refresh, a repeat, a reuse, a revocation and each WeCom refusal become, by error code and status.
 */
import { createHash } from 'node:crypto';
import { fromErrcode, type WecomClient, type WecomUser } from '@wecom-auth/api';
import { createMemoryStore, type Store } from '@wecom-auth/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmployeeDirectory } from '../src/employees/employee-directory.js';
import { GatewayError } from '../src/gateway-error.js';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';
import { loginRetryKey } from '../src/sessions/kept-answer.js';
import { hashRefreshToken } from '../src/sessions/refresh-token.js';
import { RevocationMirror } from '../src/sessions/revocation-mirror.js';
import {
  type IssuedSession,
  type LoginOutcome,
  SessionService,
  type SessionServiceOptions,
} from '../src/sessions/session-service.js';
import { sortableTime } from '../src/sessions/sortable-time.js';
import { TokenIssuer } from '../src/sessions/token-issuer.js';
import { createCorpClients } from '../src/tenants/corp-clients.js';

const corpId = 'wwcorp';
const refreshTtlSeconds = 3_600;
const loginRetryWindowSeconds = 60;
const refreshReuseIntervalSeconds = 30;
const phone = { requestId: 'req-1', clientIp: '203.0.113.7', userAgent: 'wxwork/4.1 iPhone' };

/** A WeCom whose answers the test scripts: codes to sessions, userids to profiles or errcodes. */
class ScriptedWecom {
  readonly codes = new Map<string, { corpId: string; userId: string; sessionKey: string }>();
  readonly users = new Map<string, WecomUser | number>();
  code2SessionCalls = 0;
  /** How long code2Session takes. */
  delayMs = 5;

  readonly client = {
    miniprogram: {
      code2Session: async (code: string) => {
        this.code2SessionCalls += 1;
        await new Promise((resolve) => setTimeout(resolve, this.delayMs));
        const session = this.codes.get(code);
        if (!session) throw this.#refusal(40029, '/cgi-bin/miniprogram/jscode2session');
        this.codes.delete(code);
        return session;
      },
    },
    user: {
      get: async (userId: string) => {
        const user = this.users.get(userId);
        if (user === undefined || typeof user === 'number')
          throw this.#refusal(user ?? 60111, '/cgi-bin/user/get');
        return user;
      },
    },
    department: { list: async () => ({ errcode: 0, errmsg: 'ok', department: [{ id: 1, name: '总部' }] }) },
  } as unknown as WecomClient;

  /** `code` logs `userId` of `corp` in. */
  issue(code: string, userId: string, corp = corpId): void {
    this.codes.set(code, {
      corpId: corp,
      userId,
      sessionKey: Buffer.alloc(16, code.length).toString('base64'),
    });
  }

  #refusal(errcode: number, apiPath: string): Error {
    return fromErrcode({ errcode, errmsg: `errmsg ${errcode}`, apiPath });
  }
}

let nowMs: number;
let store: Store;
let wecom: ScriptedWecom;
let issuer: TokenIssuer;
let revocations: RevocationMirror;
let service: SessionService;
let outcomes: LoginOutcome[];
/** Another service over the same store and WeCom, with `overrides`: a second instance, or another setting. */
let serviceWith: (overrides?: Partial<SessionServiceOptions>) => SessionService;

beforeEach(async () => {
  nowMs = Date.UTC(2026, 0, 5, 9, 0, 0);
  const now = (): number => nowMs;
  store = createMemoryStore({ now });
  wecom = new ScriptedWecom();
  wecom.users.set('zhangsan', { userid: 'zhangsan', name: '张三', department: [1], status: 1 });
  const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: 'the corp secret' }));
  issuer = await TokenIssuer.create({
    keys: store.signingKeys,
    sealer,
    issuer: 'https://auth.example.com',
    audience: 'wecom-auth',
    ttlSeconds: 900,
    now,
  });
  revocations = new RevocationMirror({
    sessions: store.sessions,
    now,
    horizonMs: 900_000,
    onError: () => {},
  });
  await revocations.start();
  outcomes = [];
  const corps = createCorpClients([{ corpId, secret: 'scripted', callback: undefined }], () => wecom.client);
  const options: SessionServiceOptions = {
    corps,
    miniProgramAppId: 'wxapp',
    directory: new EmployeeDirectory({
      corps,
      cache: store.cache,
      profileTtlMs: 0,
      now,
      onWarning: () => {},
    }),
    sessions: store.sessions,
    loginRetries: store.loginRetries,
    issuer,
    revocations,
    sealer,
    refreshTtlSeconds,
    loginRetryWindowSeconds,
    refreshReuseIntervalSeconds,
    now,
    onLogin: (outcome) => void outcomes.push(outcome),
  };
  serviceWith = (overrides = {}) => new SessionService({ ...options, ...overrides });
  service = serviceWith();
});

afterEach(async () => {
  await revocations.stop();
  await issuer.close();
  await store.close();
});

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return { code: (error as GatewayError).code, status: (error as GatewayError).statusCode };
}

describe('login', () => {
  it('turns a code into a session of the employee, storing neither the refresh token nor the session_key', async () => {
    wecom.issue('code-1', 'zhangsan');
    const session = await service.login({ code: 'code-1' });
    expect(session).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshExpiresIn: refreshTtlSeconds,
      employee: {
        userId: 'zhangsan',
        corpId,
        name: '张三',
        status: 'active',
        departments: [{ id: 1, name: '总部' }],
      },
    });
    const claims = await service.verify(session.accessToken);
    expect(claims).toMatchObject({ userId: 'zhangsan', corpId });
    const stored = await store.sessions.get(claims.sessionId);
    expect(stored?.refreshTokenHash).toBe(hashRefreshToken(session.refreshToken));
    expect(JSON.stringify(stored)).not.toContain(session.refreshToken);
    expect(JSON.stringify(stored)).not.toContain(wecom.codes.get('code-1')?.sessionKey);
    expect(stored?.expiresAt).toBe(nowMs + refreshTtlSeconds * 1000);
    expect(outcomes).toEqual(['success']);
  });

  it('shares one exchange between submissions of a code in flight', async () => {
    wecom.issue('code-1', 'zhangsan');
    const [first, second] = await Promise.all([
      service.login({ code: 'code-1' }),
      service.login({ code: 'code-1' }),
    ]);
    expect(second).toBe(first);
    expect(wecom.code2SessionCalls).toBe(1);
  });

  it.each<[string, () => void, string, number, LoginOutcome]>([
    ['a spent or unknown code (40029)', () => undefined, 'code_invalid', 401, 'code_invalid'],
    [
      'a member of another corp',
      () => wecom.issue('code-1', 'wo-foreign', 'wwother'),
      'not_a_member',
      403,
      'not_a_member',
    ],
    [
      'a user outside the visible range (60011)',
      () => {
        wecom.issue('code-1', 'hidden');
        wecom.users.set('hidden', 60011);
      },
      'not_a_member',
      403,
      'not_a_member',
    ],
    [
      'a disabled employee',
      () => {
        wecom.issue('code-1', 'lisi');
        wecom.users.set('lisi', { userid: 'lisi', name: '李四', status: 2 });
      },
      'employee_inactive',
      403,
      'employee_inactive',
    ],
    [
      'WeCom busy (-1) on user/get',
      () => {
        wecom.issue('code-1', 'busy');
        wecom.users.set('busy', -1);
      },
      'wecom_unavailable',
      503,
      'error',
    ],
  ])('refuses %s', async (_name, script, code, status, outcome) => {
    script();
    expect(await refusal(service.login({ code: 'code-1' }))).toEqual({ code, status });
    expect(outcomes).toEqual([outcome]);
  });
});

describe('refresh', () => {
  it('rotates the refresh token: the new one works, the old one is spent', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const second = await service.refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.employee.userId).toBe('zhangsan');
    const third = await service.refresh(second.refreshToken);
    expect((await service.verify(third.accessToken)).userId).toBe('zhangsan');
  });

  it('revokes the whole session when a spent refresh token comes back after the reuse interval', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const second = await service.refresh(first.refreshToken);
    nowMs += refreshReuseIntervalSeconds * 1000;
    expect(await refusal(service.refresh(first.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
    // The thief's replay took the legitimate holder's session down with it.
    expect(await refusal(service.refresh(second.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
    expect(await refusal(service.verify(second.accessToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });

  it('issues refresh tokens that begin with their issue time, and keeps digests that begin with it too', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    expect(first.refreshToken.slice(0, 9)).toBe(sortableTime(nowMs));
    nowMs += 60_000;
    const second = await service.refresh(first.refreshToken);
    expect(second.refreshToken.slice(0, 9)).toBe(sortableTime(nowMs));
    const stored = await store.sessions.findByRefreshHash(hashRefreshToken(second.refreshToken));
    expect(stored?.refreshTokenHash.slice(0, 9)).toBe(sortableTime(nowMs));
    expect(JSON.stringify(stored)).not.toContain(second.refreshToken);
  });

  it('issues refresh tokens that name their session, and hands the store that name as a hint', async () => {
    const hints: unknown[] = [];
    const sessions = store.sessions;
    const spied = serviceWith({
      sessions: {
        ...sessions,
        findByRefreshHash: (hash, hint) => {
          hints.push(['find', hint]);
          return sessions.findByRefreshHash(hash, hint);
        },
        rotate: (hash, next, hint) => {
          hints.push(['rotate', hint]);
          return sessions.rotate(hash, next, hint);
        },
      },
    });
    wecom.issue('code-1', 'zhangsan');
    const first = await spied.login({ code: 'code-1' });
    const { sessionId } = await spied.verify(first.accessToken);
    expect(first.refreshToken.slice(9, 31)).toBe(sessionId);
    expect(hashRefreshToken(first.refreshToken)).toHaveLength(52);
    nowMs += 60_000;
    const second = await spied.refresh(first.refreshToken);
    expect(second.refreshToken.slice(9, 31)).toBe(sessionId);
    expect(hints).toEqual([
      ['find', { sessionId }],
      ['rotate', { sessionId }],
    ]);
  });

  it('refuses a token whose session id was changed, as an unknown one: a token cannot move to another session', async () => {
    wecom.issue('code-1', 'zhangsan');
    wecom.issue('code-2', 'zhangsan');
    const mine = await service.login({ code: 'code-1' });
    const theirs = await service.login({ code: 'code-2' });
    const moved =
      mine.refreshToken.slice(0, 9) + theirs.refreshToken.slice(9, 31) + mine.refreshToken.slice(31);
    expect(await refusal(service.refresh(moved))).toEqual({ code: 'refresh_token_invalid', status: 401 });
    // Nothing was revoked or spent: both sessions go on.
    await expect(service.refresh(mine.refreshToken)).resolves.toMatchObject({
      employee: { userId: 'zhangsan' },
    });
    await expect(service.refresh(theirs.refreshToken)).resolves.toMatchObject({
      employee: { userId: 'zhangsan' },
    });
  });

  it('refreshes a session holding a token of the release before (issue time, no session id), then names it', async () => {
    const beforeToken = sortableTime(nowMs - 60_000) + Buffer.alloc(32, 9).toString('base64url');
    const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: 'the corp secret' }));
    const id = `${sortableTime(nowMs - 60_000)}AbCdEfGhIjKlM`;
    await store.sessions.create({
      id,
      corpId,
      userId: 'zhangsan',
      refreshTokenHash:
        beforeToken.slice(0, 9) + createHash('sha256').update(beforeToken).digest('base64url'),
      sessionKeyCiphertext: sealer.seal(Buffer.alloc(16, 1).toString('base64'), 'session_key'),
      createdAt: nowMs - 60_000,
      refreshedAt: nowMs - 60_000,
      expiresAt: nowMs + 3_000_000,
    });
    const next = await service.refresh(beforeToken);
    expect(next.refreshToken.slice(9, 31)).toBe(id);
    expect((await service.verify(next.accessToken)).sessionId).toBe(id);
    nowMs += refreshReuseIntervalSeconds * 1000;
    expect(await refusal(service.refresh(beforeToken))).toEqual({ code: 'session_revoked', status: 401 });
  });

  it('refreshes a session holding a token of an earlier release once, then treats that token as spent', async () => {
    // What an earlier release issued: 32 random bytes, no issue time, stored as their bare SHA-256.
    const earlierToken = Buffer.alloc(32, 7).toString('base64url');
    const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: 'the corp secret' }));
    await store.sessions.create({
      id: 'earlier-release-session',
      corpId,
      userId: 'zhangsan',
      refreshTokenHash: createHash('sha256').update(earlierToken).digest('base64url'),
      sessionKeyCiphertext: sealer.seal(Buffer.alloc(16, 1).toString('base64'), 'session_key'),
      createdAt: nowMs - 60_000,
      refreshedAt: nowMs - 60_000,
      expiresAt: nowMs + 3_000_000,
    });
    const next = await service.refresh(earlierToken);
    expect(next.employee.userId).toBe('zhangsan');
    expect(next.refreshToken).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{43}$/);
    expect((await service.verify(next.accessToken)).sessionId).toBe('earlier-release-session');
    nowMs += refreshReuseIntervalSeconds * 1000;
    expect(await refusal(service.refresh(earlierToken))).toEqual({ code: 'session_revoked', status: 401 });
    expect(await refusal(service.refresh(next.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });

  it('refuses an unknown refresh token, and one past the session lifetime', async () => {
    expect(await refusal(service.refresh('never-issued'))).toEqual({
      code: 'refresh_token_invalid',
      status: 401,
    });
    wecom.issue('code-1', 'zhangsan');
    const session = await service.login({ code: 'code-1' });
    nowMs += (refreshTtlSeconds + 1) * 1000;
    expect(await refusal(service.refresh(session.refreshToken))).toEqual({
      code: 'refresh_token_expired',
      status: 401,
    });
  });

  it('ends the session of an employee who left since the login', async () => {
    wecom.issue('code-1', 'zhangsan');
    const session = await service.login({ code: 'code-1' });
    wecom.users.set('zhangsan', { userid: 'zhangsan', name: '张三', status: 5 });
    expect(await refusal(service.refresh(session.refreshToken))).toEqual({
      code: 'employee_inactive',
      status: 403,
    });
    expect(await refusal(service.verify(session.accessToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });
});

describe('what a login refused for who the employee is says', () => {
  it.each<[string, WecomUser | number, string, RegExp]>([
    [
      'a member who left, whom user/get no longer finds (60111)',
      60111,
      'employee_inactive',
      /^This employee has left the company: WeCom no longer finds their account \(60111/,
    ],
    [
      'a member marked as departed (status 5)',
      { userid: 'u', name: 'U', status: 5 },
      'employee_inactive',
      /^This employee has left the company/,
    ],
    [
      'a disabled member (status 2)',
      { userid: 'u', name: 'U', status: 2 },
      'employee_inactive',
      /disabled by the company's WeCom admin/,
    ],
    [
      'a member not activated yet (status 4)',
      { userid: 'u', name: 'U', status: 4 },
      'employee_inactive',
      /has not activated their WeCom account yet/,
    ],
    ['a member outside the visible range (60011)', 60011, 'not_a_member', /outside the app's visible range/],
  ])('%s', async (_name, answer, code, message) => {
    wecom.issue('code-1', 'u');
    wecom.users.set('u', answer);
    const error = await service.login({ code: 'code-1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe(code);
    expect((error as GatewayError).message).toMatch(message);
    expect((error as GatewayError).message).not.toMatch(
      code === 'employee_inactive' ? /visible range\.$/ : /left/,
    );
    expect(outcomes).toEqual([code]);
  });
});

describe('a login retried after a lost answer', () => {
  it('gives the same request from the same client the same session once more, then refuses the code', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1', client: phone });
    const retry = await service.login({ code: 'code-1', client: phone });
    expect(retry).toEqual(first);
    expect(wecom.code2SessionCalls).toBe(1);
    expect((await service.verify(retry.accessToken)).userId).toBe('zhangsan');
    expect(await refusal(service.login({ code: 'code-1', client: phone }))).toEqual({
      code: 'code_invalid',
      status: 401,
    });
    expect(outcomes).toEqual(['success', 'retry_answered', 'code_invalid']);
  });

  it('counts the lifetimes of what it hands out again down, and keeps nothing past the window', async () => {
    wecom.issue('code-1', 'zhangsan');
    wecom.issue('code-2', 'zhangsan');
    const first = await service.login({ code: 'code-1', client: phone });
    await service.login({ code: 'code-2', client: phone });
    nowMs += 20_000;
    expect(await service.login({ code: 'code-1', client: phone })).toEqual({
      ...first,
      expiresIn: first.expiresIn - 20,
      refreshExpiresIn: first.refreshExpiresIn - 20,
    });
    nowMs += (loginRetryWindowSeconds - 20) * 1000;
    expect(await refusal(service.login({ code: 'code-2', client: phone }))).toEqual({
      code: 'code_invalid',
      status: 401,
    });
  });

  it('gives nothing to the same code from another address or User-Agent, and still answers the right client', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1', client: phone });
    for (const client of [
      { ...phone, clientIp: '198.51.100.9' },
      { ...phone, userAgent: 'curl/8.5' },
    ]) {
      expect(await refusal(service.login({ code: 'code-1', client }))).toEqual({
        code: 'code_invalid',
        status: 401,
      });
    }
    expect(await refusal(service.login({ code: 'code-1', corpId: 'wwother', client: phone }))).toEqual({
      code: 'corp_unknown',
      status: 400,
    });
    expect(await service.login({ code: 'code-1', client: phone })).toEqual(first);
  });

  it('keeps nothing for a login without a client, or with the window at 0', async () => {
    wecom.issue('code-1', 'zhangsan');
    await service.login({ code: 'code-1' });
    expect(await refusal(service.login({ code: 'code-1' }))).toMatchObject({ code: 'code_invalid' });
    const noWindow = serviceWith({ loginRetryWindowSeconds: 0 });
    wecom.issue('code-2', 'zhangsan');
    await noWindow.login({ code: 'code-2', client: phone });
    expect(await refusal(noWindow.login({ code: 'code-2', client: phone }))).toMatchObject({
      code: 'code_invalid',
    });
  });

  it('does not hand out a pair that was refreshed or logged out since', async () => {
    wecom.issue('code-1', 'zhangsan');
    wecom.issue('code-2', 'zhangsan');
    const refreshed = await service.login({ code: 'code-1', client: phone });
    await service.refresh(refreshed.refreshToken);
    const loggedOut = await service.login({ code: 'code-2', client: phone });
    await service.revoke((await service.verify(loggedOut.accessToken)).sessionId, 'logout');
    for (const code of ['code-1', 'code-2']) {
      expect(await refusal(service.login({ code, client: phone }))).toMatchObject({ code: 'code_invalid' });
    }
  });

  it('waits for the same request under way on another instance and gets its answer', async () => {
    wecom.issue('code-1', 'zhangsan');
    wecom.delayMs = 300;
    const other = serviceWith();
    const first = service.login({ code: 'code-1', client: phone });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const retry = other.login({ code: 'code-1', client: phone });
    expect(await retry).toEqual(await first);
    expect(wecom.code2SessionCalls).toBe(1);
  });

  it('shares one exchange between concurrent submissions, and still answers one retry after them', async () => {
    wecom.issue('code-1', 'zhangsan');
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => service.login({ code: 'code-1', client: phone })),
    );
    expect(new Set(answers).size).toBe(1);
    expect(await service.login({ code: 'code-1', client: phone })).toEqual(answers[0]);
    expect(wecom.code2SessionCalls).toBe(1);
  });

  /** The memory store's login retries, recording what is kept (key, answer), as a store outside the process would. */
  const recordingRetries = (
    kept: Map<string, string>,
    keepsInProcess: boolean,
  ): SessionServiceOptions['loginRetries'] => ({
    keepsInProcess,
    claim: (key, holder, ttlMs) => store.loginRetries.claim(key, holder, ttlMs),
    release: (key, holder) => store.loginRetries.release(key, holder),
    fulfil: (key, holder, answer, ttlMs) => {
      kept.set(key, answer);
      return store.loginRetries.fulfil(key, holder, answer, ttlMs);
    },
  });

  it('keeps the answer sealed: the store sees no token', async () => {
    const kept = new Map<string, string>();
    const spying = serviceWith({ loginRetries: recordingRetries(kept, false) });
    wecom.issue('code-1', 'zhangsan');
    const session = await spying.login({ code: 'code-1', client: phone });
    expect(kept.size).toBe(1);
    const text = [...kept].flat().join(' ');
    for (const secret of [
      session.accessToken,
      session.refreshToken,
      'code-1',
      phone.clientIp,
      phone.userAgent,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('keeps the answer unsealed in a store that keeps it in this process, still bound to its key', async () => {
    const kept = new Map<string, string>();
    const inProcess = serviceWith({ loginRetries: recordingRetries(kept, true) });
    wecom.issue('code-1', 'zhangsan');
    const session = await inProcess.login({ code: 'code-1', client: phone });
    const [[key, answer]] = [...kept] as [[string, string]];
    // Not sealed: the tokens are there as issued (nobody but this process reads this memory).
    expect(answer).toContain(session.refreshToken);
    expect(await inProcess.login({ code: 'code-1', client: phone })).toEqual(session);
    // An answer kept under another key is not handed out for this one.
    wecom.issue('code-2', 'zhangsan');
    const other = { ...phone, userAgent: 'another phone' };
    const holder = 'test-holder';
    const otherKey = loginRetryKey('code-2', undefined, {
      address: other.clientIp,
      userAgent: other.userAgent,
    });
    expect(await store.loginRetries.claim(otherKey, holder, 20_000)).toEqual({ state: 'claimed' });
    expect(await store.loginRetries.fulfil(otherKey, holder, answer, 60_000)).toBe(true);
    const fresh = await inProcess.login({ code: 'code-2', client: other });
    expect(fresh.refreshToken).not.toBe(session.refreshToken);
    expect(key).not.toBe(otherKey);
  });
});

describe('a refresh repeated within the reuse interval', () => {
  const tokensOf = (session: IssuedSession) => [session.accessToken, session.refreshToken];

  it('gives a sequential repeat of the replaced token the same pair, and revokes nothing', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const second = await service.refresh(first.refreshToken);
    nowMs += (refreshReuseIntervalSeconds - 1) * 1000;
    const repeat = await service.refresh(first.refreshToken);
    expect(tokensOf(repeat)).toEqual(tokensOf(second));
    expect(repeat.expiresIn).toBe(second.expiresIn - (refreshReuseIntervalSeconds - 1));
    expect((await service.verify(second.accessToken)).userId).toBe('zhangsan');
    expect((await service.refresh(second.refreshToken)).refreshToken).not.toBe(second.refreshToken);
  });

  it('gives ten concurrent refreshes with one token, on two instances, one pair', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const other = serviceWith();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? service : other).refresh(first.refreshToken),
      ),
    );
    expect(new Set(answers.map((answer) => answer.refreshToken)).size).toBe(1);
    expect(new Set(answers.map((answer) => answer.accessToken)).size).toBe(1);
    const [winner] = answers;
    expect((await service.verify(winner?.accessToken ?? '')).userId).toBe('zhangsan');
    expect(await store.sessions.listRevocations(0)).toEqual([]);
    expect((await service.refresh(winner?.refreshToken ?? '')).employee.userId).toBe('zhangsan');
  });

  it('revokes on a repeat of a token older than the one just replaced, even inside the interval', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const second = await service.refresh(first.refreshToken);
    const third = await service.refresh(second.refreshToken);
    expect(await refusal(service.refresh(first.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
    expect(await refusal(service.refresh(third.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });

  it('revokes at once with the interval at 0', async () => {
    const strict = serviceWith({ refreshReuseIntervalSeconds: 0 });
    wecom.issue('code-1', 'zhangsan');
    const first = await strict.login({ code: 'code-1' });
    const second = await strict.refresh(first.refreshToken);
    expect(await refusal(strict.refresh(first.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
    expect(await refusal(strict.verify(second.accessToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });
});

describe('verify and revoke', () => {
  it('refuses a token that is not one of its access tokens', async () => {
    expect(await refusal(service.verify('not-a-token'))).toEqual({ code: 'token_invalid', status: 401 });
  });

  it('refuses the access token of a revoked session at once, and its refresh token too', async () => {
    wecom.issue('code-1', 'zhangsan');
    const session = await service.login({ code: 'code-1' });
    const { sessionId } = await service.verify(session.accessToken);
    await service.revoke(sessionId, 'logout');
    expect(() => service.verifyCached(session.accessToken)).toThrow(GatewayError);
    expect(await refusal(service.verify(session.accessToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
    expect(await refusal(service.refresh(session.refreshToken))).toEqual({
      code: 'session_revoked',
      status: 401,
    });
  });

  it('answers 503 store_unavailable while revocations are being resynchronised', async () => {
    wecom.issue('code-1', 'zhangsan');
    const session = await service.login({ code: 'code-1' });
    revocations.markStale();
    expect(await refusal(service.verify(session.accessToken))).toEqual({
      code: 'store_unavailable',
      status: 503,
    });
  });
});
