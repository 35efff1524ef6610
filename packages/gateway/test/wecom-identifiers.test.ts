/**
 * A WeCom that answers outside its contract: userids outside the documented alphabet (`用户一`, a CR/LF) from
 * jscode2session or user/get. The login is refused before a token names them, and no path — the verify fast path
 * included — can end the process.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverFactoryWith } from '../src/http-server.js';
import { createLogger } from '../src/index.js';
import { createGatewayMetrics } from '../src/observability/metrics.js';
import { createVerifyFastPath } from '../src/routes/verify-fast-path.js';
import type { AccessTokenClaims } from '../src/sessions/token-issuer.js';

/** What the fake WeCom answers for one login code: jscode2session's userid, and user/get's. */
interface ScriptedLogin {
  readonly sessionUserId: string;
  readonly profileUserId: string;
}

const logins = new Map<string, ScriptedLogin>([
  ['code-chinese-0000000000000000', { sessionUserId: '用户一', profileUserId: '用户一' }],
  [
    'code-crlf-0000000000000000',
    { sessionUserId: 'zhang\r\nX-Evil: 1', profileUserId: 'zhang\r\nX-Evil: 1' },
  ],
  ['code-profile-crlf-0000000000000000', { sessionUserId: 'lisi', profileUserId: 'lisi\nX-Evil: 1' }],
  ['code-good-0000000000000000', { sessionUserId: 'zhangsan', profileUserId: 'zhangsan' }],
]);
let lastLogin: ScriptedLogin | undefined;

/** Just enough of WeCom for a login: gettoken, jscode2session, user/get and department/list. */
function wecomAnswer(url: URL): Record<string, unknown> {
  switch (url.pathname) {
    case '/cgi-bin/gettoken':
      return { access_token: 'fake-wecom-token', expires_in: 7200 };
    case '/cgi-bin/miniprogram/jscode2session': {
      lastLogin = logins.get(url.searchParams.get('js_code') ?? '');
      if (!lastLogin) return { errcode: 40029, errmsg: 'invalid code' };
      return {
        corpid: DEMO_CORP_ID,
        userid: lastLogin.sessionUserId,
        session_key: 'kJtdi6RF+Dv67QkbLlPGjw==',
      };
    }
    case '/cgi-bin/user/get':
      return {
        userid: lastLogin?.profileUserId ?? url.searchParams.get('userid'),
        name: '张三',
        department: [1],
        status: 1,
      };
    case '/cgi-bin/department/list':
      return { department: [{ id: 1, name: '总部', parentid: 0 }] };
    default:
      return { errcode: 404, errmsg: 'not found' };
  }
}

function answerAsWecom(request: IncomingMessage, response: ServerResponse): void {
  const body = wecomAnswer(new URL(request.url ?? '/', 'http://wecom.invalid'));
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ errcode: 0, errmsg: 'ok', ...body }));
}

let wecom: Server;
let t: GatewayUnderTest;

beforeAll(async () => {
  wecom = createServer(answerAsWecom).listen(0, '127.0.0.1');
  await once(wecom, 'listening');
  const { port } = wecom.address() as AddressInfo;
  t = await startGatewayUnderTest({ env: { WECOM_API_BASE: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await t?.close();
  wecom?.close();
});

describe('a WeCom answering userids outside its documented alphabet', () => {
  it.each([
    ['a non-ASCII userid from jscode2session', 'code-chinese-0000000000000000'],
    ['a userid with CR/LF from jscode2session', 'code-crlf-0000000000000000'],
    ['a userid with LF from user/get', 'code-profile-crlf-0000000000000000'],
  ])('refuses the login (%s) with 502 wecom_identifier_invalid, and keeps serving', async (_label, code) => {
    const login = await t.call('POST', '/v1/sessions', { body: { code } });
    expect(login.status).toBe(502);
    expect(login.body).toMatchObject({ error: 'wecom_identifier_invalid', requestId: expect.any(String) });
    expect(login.body?.accessToken).toBeUndefined();
    expect(login.text).not.toMatch(/X-Evil|用户一/);

    // The process is still there, and a well-formed employee logs in and verifies, on the fast path too.
    const good = await t.call('POST', '/v1/sessions', { body: { code: 'code-good-0000000000000000' } });
    expect(good.status).toBe(201);
    const token = String(good.body?.accessToken);
    for (let i = 0; i < 3; i++) {
      const verify = await t.call('GET', '/v1/verify', { token });
      expect(verify.status).toBe(204);
      expect(verify.headers.get('x-wecom-userid')).toBe('zhangsan');
    }
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });
});

describe('the verify fast path, handed claims that cannot be written as headers', () => {
  it('steps aside to the handler behind it instead of throwing out of the server', async () => {
    const claims: AccessTokenClaims = {
      userId: 'zhang\r\nX-Evil: 1',
      corpId: DEMO_CORP_ID,
      sessionId: 's1',
      issuedAt: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 900,
    };
    const logged: string[] = [];
    const fastPath = createVerifyFastPath({
      sessions: () => ({ verifyCached: () => claims }),
      metrics: createGatewayMetrics(),
      logger: createLogger({
        level: 'info',
        destination: { write: (line: string) => void logged.push(line) },
      }),
      varyOnOrigin: false,
      closing: () => false,
    });
    let fellThrough = 0;
    const factory = serverFactoryWith(fastPath);
    const server = factory((_request, response) => {
      fellThrough++;
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":"internal_error"}');
    }, {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (let i = 0; i < 2; i++) {
        const answer = await fetch(`http://127.0.0.1:${port}/v1/verify`, {
          headers: { authorization: 'Bearer anything' },
        });
        expect(answer.status).toBe(500);
        expect(answer.headers.get('x-evil')).toBeNull();
      }
      expect(fellThrough).toBe(2);
      expect(logged.join('\n')).toContain('ERR_INVALID_CHAR');
    } finally {
      server.close();
    }
  });
});
