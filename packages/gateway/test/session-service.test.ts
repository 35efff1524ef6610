/**
 * The session lifecycle on its own: a SessionService over the memory store, with a scripted WeCom (code2Session and
 * user/get answered from tables the test fills) and a clock the test moves. What a login, a refresh, a reuse, a
 * revocation and each WeCom refusal become, by error code and status.
 */
import { fromErrcode, type WecomClient, type WecomUser } from '@wecom-auth/api';
import { createMemoryStore, type Store } from '@wecom-auth/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmployeeDirectory } from '../src/employees/employee-directory.js';
import { GatewayError } from '../src/gateway-error.js';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';
import { RevocationMirror } from '../src/sessions/revocation-mirror.js';
import { hashRefreshToken, type LoginOutcome, SessionService } from '../src/sessions/session-service.js';
import { TokenIssuer } from '../src/sessions/token-issuer.js';
import { createCorpClients } from '../src/tenants/corp-clients.js';

const corpId = 'wwcorp';
const refreshTtlSeconds = 3_600;

/** A WeCom whose answers the test scripts: codes to sessions, userids to profiles or errcodes. */
class ScriptedWecom {
  readonly codes = new Map<string, { corpId: string; userId: string; sessionKey: string }>();
  readonly users = new Map<string, WecomUser | number>();
  code2SessionCalls = 0;

  readonly client = {
    miniprogram: {
      code2Session: async (code: string) => {
        this.code2SessionCalls += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        const session = this.codes.get(code);
        if (!session) throw this.#refusal(40029, '/cgi-bin/miniprogram/jscode2session');
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
  service = new SessionService({
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
    issuer,
    revocations,
    sealer,
    refreshTtlSeconds,
    now,
    onLogin: (outcome) => outcomes.push(outcome),
  });
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

  it('revokes the whole session when a spent refresh token comes back', async () => {
    wecom.issue('code-1', 'zhangsan');
    const first = await service.login({ code: 'code-1' });
    const second = await service.refresh(first.refreshToken);
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
