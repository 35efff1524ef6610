/**
 * The `/v1/verify` fast path answers a token seen before without Fastify; these tests hold it to answering exactly
 * like the route (status, headers, log line, metric) and to stepping aside for everything else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGatewayMetrics } from '@wecom-auth/gateway';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifyFastPath } from '../src/routes/verify-fast-path.js';
import type { AccessTokenClaims } from '../src/sessions/token-issuer.js';

const volatileHeaders = new Set(['x-request-id', 'date', 'keep-alive', 'connection']);
const stableHeaders = (headers: Headers): Record<string, string> =>
  Object.fromEntries([...headers].filter(([name]) => !volatileHeaders.has(name)));
const requestLines = (logs: readonly string[]): Record<string, unknown>[] =>
  logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');

describe('GET /v1/verify through the fast path and through Fastify', () => {
  let t: GatewayUnderTest;
  let token: string;
  beforeAll(async () => {
    t = await startGatewayUnderTest({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    token = (await t.login('zhangsan')).accessToken as string;
  });
  afterAll(() => t.close());

  it('answers a new token (Fastify) and the same token again (fast path) identically', async () => {
    const fresh = (await t.login('lisi')).accessToken as string;
    t.logs.length = 0;
    const first = await t.call('GET', '/v1/verify', { token: fresh });
    const second = await t.call('GET', '/v1/verify', { token: fresh });
    expect(first.status).toBe(204);
    expect(second.status).toBe(204);
    expect(stableHeaders(second.headers)).toEqual(stableHeaders(first.headers));
    expect(second.headers.get('x-wecom-userid')).toBe('lisi');
    expect(second.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const lines = requestLines(t.logs).filter((line) => line.route === '/v1/verify');
    expect(lines).toHaveLength(2);
    const [a, b] = lines.map((line) => Object.keys(line).sort());
    expect(b).toEqual(a);
    expect(lines.map((line) => [line.method, line.status])).toEqual([
      ['GET', 204],
      ['GET', 204],
    ]);
  });

  it('counts every answer in the latency histogram, by route pattern', async () => {
    const count = async (): Promise<number> => {
      const metrics = await t.call('GET', '/metrics');
      const match =
        /wecom_auth_http_request_duration_seconds_count\{route="\/v1\/verify",method="GET",status="204"\} (\d+)/.exec(
          metrics.text,
        );
      return Number(match?.[1] ?? 0);
    };
    const before = await count();
    for (let i = 0; i < 5; i++) expect((await t.call('GET', '/v1/verify', { token })).status).toBe(204);
    expect(await count()).toBe(before + 5);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    await t.call('GET', '/v1/verify', { token });
    const echoed = await t.call('GET', '/v1/verify', { token, headers: { 'x-request-id': 'proxy-42.a_b' } });
    expect(echoed.headers.get('x-request-id')).toBe('proxy-42.a_b');
    const replaced = await t.call('GET', '/v1/verify', {
      token,
      headers: { 'x-request-id': 'has spaces; forged' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ignores the query string, as the route does', async () => {
    const response = await t.call('GET', '/v1/verify?rd=https%3A%2F%2Fapp.example.com%2F', { token });
    expect(response.status).toBe(204);
    expect(response.headers.get('x-wecom-userid')).toBe('zhangsan');
  });

  it('accepts the other spellings the Bearer parse accepts, and refuses a token it never issued', async () => {
    await t.call('GET', '/v1/verify', { token });
    const lower = await t.call('GET', '/v1/verify', { headers: { authorization: `bearer ${token}` } });
    expect(lower.status).toBe(204);
    const forged = await t.call('GET', '/v1/verify', { headers: { authorization: `Bearer ${token}x` } });
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: 'token_invalid' });
  });

  it('leaves CORS requests to Fastify, which adds the CORS headers', async () => {
    await t.call('GET', '/v1/verify', { token });
    const response = await t.call('GET', '/v1/verify', {
      token,
      headers: { origin: 'https://app.example.com' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('leaves failures to the route: a revoked token gets the error body at once', async () => {
    const session = await t.login('zhouba');
    const revoked = session.accessToken as string;
    expect((await t.call('GET', '/v1/verify', { token: revoked })).status).toBe(204);
    expect((await t.call('DELETE', '/v1/sessions/current', { token: revoked })).status).toBe(204);
    const after = await t.call('GET', '/v1/verify', { token: revoked });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: 'session_revoked' });
    expect(after.body?.requestId).toBe(after.headers.get('x-request-id'));
  });

  it('leaves other methods and paths to Fastify', async () => {
    const post = await t.call('POST', '/v1/verify', { token });
    expect(post.status).toBe(404);
    expect(post.body).toMatchObject({ error: 'not_found' });
    const longer = await t.call('GET', '/v1/verifyx', { token });
    expect(longer.status).toBe(404);
  });
});

describe('createVerifyFastPath', () => {
  const claims: AccessTokenClaims = {
    userId: 'zhangsan',
    corpId: 'wwcorp',
    sessionId: 'sid',
    issuedAt: 0,
    exp: 0,
  };
  const written: { status?: number; headers?: Record<string, string>; ended: boolean }[] = [];
  const response = (): ServerResponse => {
    const record: (typeof written)[number] = { ended: false };
    written.push(record);
    return {
      // writeHead takes headers as an object or as flat [name, value, …] pairs.
      writeHead(status: number, headers: Record<string, string> | readonly string[]) {
        record.status = status;
        record.headers = Array.isArray(headers)
          ? Object.fromEntries(
              Array.from({ length: headers.length / 2 }, (_, i) => [headers[2 * i], headers[2 * i + 1]]),
            )
          : (headers as Record<string, string>);
        return this;
      },
      end() {
        record.ended = true;
        return this;
      },
    } as unknown as ServerResponse;
  };
  const request = (input: Partial<IncomingMessage>): IncomingMessage =>
    ({
      method: 'GET',
      url: '/v1/verify',
      headers: { authorization: 'Bearer x' },
      ...input,
    }) as IncomingMessage;
  type Sessions = { verifyCached(): AccessTokenClaims | undefined };
  const build = (sessions: Sessions, closing = false) =>
    createVerifyFastPath({
      sessions: () => sessions,
      metrics: createGatewayMetrics(),
      logger: pino({ level: 'silent' }),
      varyOnOrigin: false,
      closing: () => closing,
    });

  it('answers a cached token with 204 and the identity headers', () => {
    written.length = 0;
    expect(build({ verifyCached: () => claims })(request({}), response())).toBe(true);
    expect(written[0]).toMatchObject({
      status: 204,
      ended: true,
      headers: { 'x-wecom-userid': 'zhangsan', 'x-wecom-corpid': 'wwcorp', 'cache-control': 'no-store' },
    });
  });

  const cases: [string, Partial<IncomingMessage>, Sessions, boolean][] = [
    ['a token not seen yet', {}, { verifyCached: () => undefined }, false],
    [
      'a failed check',
      {},
      {
        verifyCached: (): AccessTokenClaims => {
          throw new Error('revoked');
        },
      },
      false,
    ],
    ['a HEAD request', { method: 'HEAD' }, { verifyCached: () => claims }, false],
    ['another path', { url: '/v1/verified' }, { verifyCached: () => claims }, false],
    [
      'a CORS request',
      { headers: { authorization: 'Bearer x', origin: 'https://a' } },
      { verifyCached: () => claims },
      false,
    ],
    ['a closing server', {}, { verifyCached: () => claims }, true],
  ];
  it.each(cases)('steps aside, touching nothing, for %s', (_name, input, sessions, closing) => {
    written.length = 0;
    expect(build(sessions, closing)(request(input), response())).toBe(false);
    expect(written[0]).toEqual({ ended: false });
  });
});
