/**
 * The admin API on its own listener: an operator sees one employee's sessions (with the client of each login) and
 * ends one or all of them, which works as a leaver's revocation does; every request needs an admin token, and a
 * refused one is recorded. The public port knows no admin route. The CLI does the same through the API.
 */
import { execFile, spawn } from 'node:child_process';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import {
  eventually,
  exchangeJson,
  type GatewayUnderTest,
  gatewayCliArgs,
  type JsonAnswer,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOKEN = 'admin-token-0123456789abcdefghij';
const NEXT_TOKEN = 'admin-token-next-0123456789abcdefgh';

let t: GatewayUnderTest;
let admin: string;

beforeAll(async () => {
  t = await startGatewayUnderTest({
    env: { WECOM_AUTH_ADMIN_TOKEN: `${TOKEN}, ${NEXT_TOKEN}`, ADMIN_PORT: '0' },
  });
  admin = String(t.gateway.adminUrl);
});

afterAll(async () => {
  await t?.close();
});

/** One exchange with the admin listener, with the admin token unless another (or `null`, none) is given. */
function adminCall(method: string, path: string, token: string | null = TOKEN): Promise<JsonAnswer> {
  return exchangeJson(`${admin}${path}`, {
    method,
    ...(token === null ? {} : { token }),
    timeoutMs: 10_000,
  });
}

/** Logs `userid` in from a client with this User-Agent; the session's tokens. */
async function loginAs(
  userid: string,
  userAgent: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const answer = await t.call('POST', '/v1/sessions', {
    body: { code: t.code(userid) },
    headers: { 'user-agent': userAgent },
  });
  expect(answer.status).toBe(201);
  return { accessToken: String(answer.body?.accessToken), refreshToken: String(answer.body?.refreshToken) };
}

const sessionsPath = (userid: string): string =>
  `/admin/v1/corps/${DEMO_CORP_ID}/employees/${userid}/sessions`;

async function verifyStatus(accessToken: string): Promise<number> {
  return (await t.call('GET', '/v1/verify', { token: accessToken })).status;
}

async function eventsOf(type: string): Promise<Record<string, unknown>[]> {
  await t.gateway.services.events.flush();
  const answer = await adminCall('GET', `/admin/v1/events?type=${type}&limit=100`);
  expect(answer.status).toBe(200);
  return answer.body?.events as Record<string, unknown>[];
}

describe('the admin listener', () => {
  it('is a listener of its own: the public port answers 404 for every admin route', async () => {
    expect(admin).not.toBe(t.gateway.url);
    for (const path of ['/admin/v1/events', sessionsPath('zhangsan'), '/admin/v1/openapi.json']) {
      const answer = await t.call('GET', path, { token: TOKEN });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: 'not_found' });
    }
    expect((await t.call('DELETE', '/admin/v1/sessions/anything', { token: TOKEN })).status).toBe(404);
  });

  it('answers 401 without a token or with a wrong one, on known and unknown paths, and records admin.denied', async () => {
    const cases: [string | null, string, string][] = [
      [null, '/admin/v1/events', 'missing_token'],
      ['admin-token-0123456789abcdefghiX', '/admin/v1/events', 'wrong_token'],
      [`${TOKEN}x`, sessionsPath('zhangsan'), 'wrong_token'],
      ['short', '/admin/v1/nowhere', 'wrong_token'],
    ];
    for (const [token, path] of cases) {
      const answer = await adminCall('GET', path, token);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'admin_unauthorized', requestId: expect.any(String) });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="wecom-auth-admin"');
    }
    const denied = await eventsOf('admin.denied');
    expect(denied.map((event) => event.reason).reverse()).toEqual(cases.map(([, , reason]) => reason));
    for (const event of denied)
      expect(event).toMatchObject({ clientIp: '127.0.0.1', requestId: expect.any(String) });
    // Either configured token opens it (a rotation in progress).
    expect((await adminCall('GET', '/admin/v1/events', NEXT_TOKEN)).status).toBe(200);
  });

  it('lists two logins of one employee as two sessions, with the client of each', async () => {
    const before = Date.now();
    await loginAs('zhangsan', 'wxwork/4.1.22 phone');
    await loginAs('zhangsan', 'wxwork/4.1.22 desktop');
    await loginAs('lisi', 'wxwork/4.1.22 phone');
    const answer = await adminCall('GET', sessionsPath('zhangsan'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ corpId: DEMO_CORP_ID, userId: 'zhangsan' });
    const sessions = answer.body?.sessions as Record<string, unknown>[];
    expect(sessions.map((session) => session.userAgent)).toEqual([
      'wxwork/4.1.22 phone',
      'wxwork/4.1.22 desktop',
    ]);
    for (const session of sessions) {
      expect(session).toEqual({
        id: expect.any(String),
        createdAt: expect.any(String),
        refreshedAt: session.createdAt,
        expiresAt: expect.any(String),
        userAgent: expect.any(String),
        clientIp: '127.0.0.1',
      });
      expect(Date.parse(String(session.createdAt))).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(String(session.expiresAt)) - Date.parse(String(session.createdAt))).toBe(
        30 * 86_400_000,
      );
    }
    // Nothing of a token or a key in what an operator sees.
    expect(answer.text).not.toMatch(/refreshToken|refresh_token|ciphertext|session_?key/i);
  });

  it('keeps no control character of a client header: what an operator prints cannot drive the terminal', async () => {
    // U+009B is a terminal's CSI: "\u009b2J" would clear the screen of whoever lists the sessions.
    await loginAs('lilei', 'agent\u009b2J\u0085end');
    const sessions = (await adminCall('GET', sessionsPath('lilei'))).body?.sessions as {
      userAgent: string;
    }[];
    expect(sessions.map((session) => session.userAgent)).toEqual(['agent2Jend']);
  });

  it('ends one session: only its token is refused, at once, and its refresh token too; ending it again is 404', async () => {
    const phone = await loginAs('wujiu', 'phone');
    const desktop = await loginAs('wujiu', 'desktop');
    const listed = (await adminCall('GET', sessionsPath('wujiu'))).body?.sessions as {
      id: string;
      userAgent: string;
    }[];
    const phoneSession = listed.find((session) => session.userAgent === 'phone');
    expect(phoneSession).toBeDefined();

    const started = performance.now();
    const revoked = await adminCall('DELETE', `/admin/v1/sessions/${phoneSession?.id}`);
    expect(revoked.status).toBe(204);
    expect(await eventually(async () => (await verifyStatus(phone.accessToken)) === 401, 1_000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await verifyStatus(desktop.accessToken)).toBe(204);
    const me = await t.call('GET', '/v1/me', { token: phone.accessToken });
    expect(me.body).toMatchObject({ error: 'session_revoked' });
    const refresh = await t.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: phone.refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toMatchObject({ error: 'session_revoked' });

    const again = await adminCall('DELETE', `/admin/v1/sessions/${phoneSession?.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ error: 'session_not_found' });
    expect((await adminCall('GET', sessionsPath('wujiu'))).body?.sessions).toHaveLength(1);

    const events = await eventsOf('session.revoked');
    expect(events[0]).toMatchObject({
      corpId: DEMO_CORP_ID,
      userId: 'wujiu',
      sessionId: phoneSession?.id,
      reason: 'admin',
      clientIp: '127.0.0.1',
    });
  });

  it("ends all of one employee's sessions, and nobody else's", async () => {
    const first = await loginAs('zhengshi', 'a');
    const second = await loginAs('zhengshi', 'b');
    const other = await loginAs('chenjing', 'c');
    const answer = await adminCall('DELETE', sessionsPath('zhengshi'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ revoked: 2, sessionIds: [expect.any(String), expect.any(String)] });
    expect(await verifyStatus(first.accessToken)).toBe(401);
    expect(await verifyStatus(second.accessToken)).toBe(401);
    expect(await verifyStatus(other.accessToken)).toBe(204);
    expect((await adminCall('GET', sessionsPath('zhengshi'))).body?.sessions).toEqual([]);
    expect((await adminCall('DELETE', sessionsPath('zhengshi'))).body).toEqual({
      revoked: 0,
      sessionIds: [],
    });
    // The employee logs in again afterwards, as the SDK does by itself.
    await loginAs('zhengshi', 'a');
    expect((await adminCall('GET', sessionsPath('zhengshi'))).body?.sessions).toHaveLength(1);
  });

  it('answers garbage with a clear 400 and a stable code, never a 500', async () => {
    for (const path of [
      '/admin/v1/events?limit=0',
      '/admin/v1/events?limit=1001',
      '/admin/v1/events?limit=ten',
      '/admin/v1/events?type=login.maybe',
      '/admin/v1/events?since=yesterday',
      '/admin/v1/events?unknown=1',
      `/admin/v1/corps/${'w'.repeat(65)}/employees/zhangsan/sessions`,
    ]) {
      const answer = await adminCall('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_request' });
    }
    expect((await adminCall('GET', '/admin/v1/events?cursor=not-ours')).body).toEqual({ events: [] });
    expect((await adminCall('GET', '/admin/v1/nowhere')).status).toBe(404);
  });

  it('has its own OpenAPI document, with the four operations behind the admin token', async () => {
    const answer = await adminCall('GET', '/admin/v1/openapi.json');
    expect(answer.status).toBe(200);
    const document = answer.body as {
      info: { title: string };
      paths: Record<string, Record<string, unknown>>;
    };
    expect(document.info.title).toBe('WeCom Auth admin API');
    expect(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    ).toEqual([
      'GET /admin/v1/corps/{corpId}/employees/{userid}/sessions',
      'DELETE /admin/v1/corps/{corpId}/employees/{userid}/sessions',
      'DELETE /admin/v1/sessions/{id}',
      'GET /admin/v1/events',
    ]);
    // The public document says nothing of the admin API.
    expect((await t.call('GET', '/openapi.json')).text).not.toContain('/admin/');
  });
});

describe('the admin CLI', () => {
  /**
   * Runs `wecom-auth …` with `env` over this process's environment (the admin token by default), as an operator
   * would. Asynchronously: the gateway it talks to runs in this process.
   */
  function cli(
    args: string[],
    env: Record<string, string> = { WECOM_AUTH_ADMIN_TOKEN: TOKEN },
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        gatewayCliArgs(...args),
        { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 30_000 },
        (error, stdout, stderr) => {
          const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ status, stdout, stderr });
        },
      );
    });
  }
  const at = (...args: string[]): string[] => [...args, '--admin-url', admin];

  it('lists, revokes and shows the events of one employee', async () => {
    const session = await loginAs('zhouba', 'cli-test-agent');
    const listed = await cli(at('sessions', 'list', '--corp', DEMO_CORP_ID, '--user', 'zhouba'));
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`zhouba of ${DEMO_CORP_ID}: 1 live session\n`);
    expect(listed.stdout).toContain('127.0.0.1  cli-test-agent');

    const revoked = await cli(at('sessions', 'revoke', '--corp', DEMO_CORP_ID, '--user', 'zhouba', '--json'));
    expect(revoked.status).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: 1 });
    expect(await verifyStatus(session.accessToken)).toBe(401);

    await t.gateway.services.events.flush();
    const events = await cli(at('events', '--user', 'zhouba', '--json'));
    expect(events.status).toBe(0);
    const lines = events.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Oldest first: the login, then the revocation.
    expect(lines.map((event) => [event.type, event.reason])).toEqual([
      ['login.succeeded', undefined],
      ['session.revoked', 'admin'],
    ]);
    const text = await cli(at('events', '--user', 'zhouba', '--type', 'session.revoked'));
    expect(text.stdout).toMatch(
      /^\S+Z {2}session\.revoked\s+\S+\/zhouba {2}reason=admin {2}session=\S+ {2}ip=127\.0\.0\.1/,
    );
  }, 90_000);

  it('--follow shows each new event once, as it is recorded', async () => {
    const child = spawn(
      process.execPath,
      gatewayCliArgs('events', '--follow', '--json', '--user', 'liuyang', '--admin-url', admin),
      {
        env: { ...process.env, WECOM_AUTH_ADMIN_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const lines = (): Record<string, unknown>[] =>
      output
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    try {
      await loginAs('liuyang', 'before-follow');
      await t.gateway.services.events.flush();
      expect(await eventually(() => lines().length === 1, 30_000, 100)).toBe(true);
      // Two more while it follows: each shown once, in order.
      await loginAs('liuyang', 'while-following');
      await adminCall('DELETE', sessionsPath('liuyang'));
      await t.gateway.services.events.flush();
      expect(await eventually(() => lines().length >= 4, 10_000, 100)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(lines().map((event) => [event.type, event.reason])).toEqual([
        ['login.succeeded', undefined],
        ['login.succeeded', undefined],
        ['session.revoked', 'admin'],
        ['session.revoked', 'admin'],
      ]);
      expect(new Set(lines().map((event) => event.id)).size).toBe(4);
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);

  it('says what is wrong in one line: a wrong token, a missing one, no listener, bad options', async () => {
    // Five CLI processes at once: each starts in seconds, and they do not depend on each other.
    const [wrong, missing, nobody, both, badType] = await Promise.all([
      cli(at('events'), { WECOM_AUTH_ADMIN_TOKEN: 'not-the-admin-token-at-all-0000' }),
      cli(at('events'), { WECOM_AUTH_ADMIN_TOKEN: '' }),
      cli(['events', '--admin-url', 'http://127.0.0.1:9']),
      cli(at('sessions', 'revoke', '--session', 'x', '--user', 'y')),
      cli(at('events', '--type', 'login.maybe')),
    ]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(
      'wecom-auth: the admin API refused the token: WECOM_AUTH_ADMIN_TOKEN is not one of the gateway’s\n',
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no admin token');
    expect(nobody.status).toBe(1);
    expect(nobody.stderr).toContain('no admin API answers at http://127.0.0.1:9');
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('not both');
    expect(badType.status).not.toBe(0);
    expect(badType.stderr).toContain('must be one of login.succeeded');
  }, 90_000);
});
