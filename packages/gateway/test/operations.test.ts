import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: GatewayUnderTest;

beforeAll(async () => {
  t = await startGatewayUnderTest({
    env: { LOGIN_RATE_LIMIT: '3', CORS_ORIGINS: 'https://console.example' },
  });
});

afterAll(async () => {
  await t?.close();
});

describe('operations endpoints', () => {
  it('healthz and readyz', async () => {
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      store: { kind: 'sqlite', status: 'ok' },
      revocations: 'in_sync',
    });
  });

  it('metrics count logins and WeCom calls without user ids or tokens in labels', async () => {
    const session = await t.login('zhangsan');
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /wecom_auth_logins_total\{outcome="success",corp="wwdemo0000000001"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /wecom_auth_wecom_calls_total\{api="\/cgi-bin\/miniprogram\/jscode2session",errcode="0"\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /wecom_auth_access_token_fetches_total\{outcome="success",corp="wwdemo0000000001"\} 1/,
    );
    expect(metrics.text).toContain(
      'wecom_auth_http_request_duration_seconds_bucket{le="0.001",route="/v1/sessions"',
    );
    expect(metrics.text).not.toContain('zhangsan');
    expect(metrics.text).not.toContain(session.accessToken as string);
  });

  it('publishes the public signing keys only, and verifies across a key rotation', async () => {
    const before = await t.login('lisi');
    const jwks = (await t.call('GET', '/.well-known/jwks.json')).body as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(jwks.keys[0]).not.toHaveProperty('d');

    const newKid = await t.gateway.services.issuer.rotate();
    const after = await t.login('lisi');
    expect(decodeProtectedHeader(after.accessToken as string).kid).toBe(newKid);
    expect(decodeProtectedHeader(before.accessToken as string).kid).not.toBe(newKid);
    const rotated = (await t.call('GET', '/.well-known/jwks.json')).body as { keys: unknown[] };
    expect(rotated.keys).toHaveLength(2);
    expect((await t.call('GET', '/v1/verify', { token: before.accessToken as string })).status).toBe(204);
    expect((await t.call('GET', '/v1/verify', { token: after.accessToken as string })).status).toBe(204);
  });

  it('describes the API in OpenAPI and serves the docs page', async () => {
    const spec = (await t.call('GET', '/openapi.json')).body as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/sessions',
        '/v1/sessions/refresh',
        '/v1/sessions/current',
        '/v1/me',
        '/v1/me/decrypt',
        '/v1/verify',
      ]),
    );
    const docs = await fetch(`${t.gateway.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('<html');
  });

  it('answers CORS only for the configured origins', async () => {
    const allowed = await t.call('OPTIONS', '/v1/sessions', {
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const other = await t.call('OPTIONS', '/v1/sessions', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits logins per IP with 429 rate_limited and Retry-After, leaving other endpoints alone', async () => {
    let limited: Awaited<ReturnType<GatewayUnderTest['call']>> | undefined;
    for (let i = 0; i < 6 && !limited; i++) {
      const response = await t.call('POST', '/v1/sessions', { body: { code: t.code('zhangsan') } });
      if (response.status === 429) limited = response;
    }
    expect(limited?.body).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const given = await t.call('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await t.call('GET', '/nope', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(replaced.body).toMatchObject({
      error: 'not_found',
      requestId: replaced.headers.get('x-request-id'),
    });
  });
});

describe('bodies', () => {
  it('accepts a bodiless DELETE that says content-type: application/json, as wx.request sends it', async () => {
    // Logged in from another address: the rate-limit test above used up this one's logins.
    const login = await t.gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      remoteAddress: '10.1.2.3',
      payload: { code: t.code('lisi') },
    });
    const response = await t.call('DELETE', '/v1/sessions/current', {
      token: login.json<{ accessToken: string }>().accessToken,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(204);
  });

  it('still refuses malformed JSON with 400 invalid_json', async () => {
    const response = await fetch(`${t.gateway.url}/v1/sessions/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"refreshToken":',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_json' });
  });
});
