/**
 * The example nginx configuration (examples/nginx/wecom-auth.conf), run by a real nginx in front of a real gateway
 * and a dummy upstream: a valid access token reaches the upstream with the employee's id, anything else is 401.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import {
  type ExampleNginx,
  type GatewayUnderTest,
  nginxForTests,
  startExampleNginx,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const nginxBinary = nginxForTests('the nginx forward-auth test');

describe.skipIf(nginxBinary === undefined)('nginx auth_request in front of the gateway', () => {
  let t: GatewayUnderTest;
  let upstream: Server;
  let nginx: ExampleNginx;
  let base: string;
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    t = await startGatewayUnderTest({ env: { TRUST_PROXY: '1' } });
    upstream = createServer((request, response) => {
      seen.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url, userId: request.headers['x-wecom-userid'] ?? null }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamAddress = upstream.address();
    const upstreamPort = typeof upstreamAddress === 'object' && upstreamAddress ? upstreamAddress.port : 0;
    nginx = await startExampleNginx(nginxBinary as string, t.gateway.url, upstreamPort);
    base = nginx.url;
  });

  afterAll(async () => {
    await nginx?.close();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await t?.close();
  });

  it('logs in through nginx, and a valid token reaches the upstream with X-WeCom-UserId', async () => {
    const login = await fetch(`${base}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: t.code('zhangsan') }),
    });
    expect(login.status).toBe(201);
    const { accessToken } = (await login.json()) as { accessToken: string };

    seen.length = 0;
    const response = await fetch(`${base}/api/orders?page=2`, {
      headers: { authorization: `Bearer ${accessToken}`, 'x-wecom-userid': 'boss' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/api/orders?page=2', userId: 'zhangsan' });
    // The forged header is replaced by the verified one, not sent alongside it.
    expect(seen).toHaveLength(1);
    expect(seen[0]?.['x-wecom-userid']).toBe('zhangsan');
    expect(seen[0]?.['x-wecom-corpid']).toBe(DEMO_CORP_ID);

    // Logged out: the same token is refused at the door.
    const logout = await fetch(`${base}/v1/sessions/current`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(logout.status).toBe(204);
    const after = await fetch(`${base}/api/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(after.status).toBe(401);
  });

  it.each([
    ['no token', {}],
    ['a malformed token', { authorization: 'Bearer not-a-token-at-all' }],
    ['a forged token', { authorization: `Bearer ${'eyJhbGciOiJFUzI1NiJ9'}.${'e30'}.${'a'.repeat(86)}` }],
    ['a forged identity header alone', { 'x-wecom-userid': 'zhangsan' }],
  ])('answers 401 for %s and never reaches the upstream', async (_case, headers: Record<string, string>) => {
    seen.length = 0;
    const response = await fetch(`${base}/api/orders`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="wecom-auth"');
    expect(await response.json()).toMatchObject({ error: 'unauthorized', requestId: expect.any(String) });
    expect(seen).toHaveLength(0);
  });
});
