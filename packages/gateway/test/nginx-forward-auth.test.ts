/**
 * The example nginx configuration (examples/nginx/wecom-auth.conf), run by a real nginx in front of a real gateway
 * and a dummy upstream: a valid access token reaches the upstream with the employee's id, anything else is 401.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import {
  eventually,
  freePort,
  type GatewayUnderTest,
  serviceAvailable,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exampleConfig = fileURLToPath(new URL('../../../examples/nginx/wecom-auth.conf', import.meta.url));

function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const nginxBinary = findNginx();
serviceAvailable(
  'the nginx forward-auth test',
  nginxBinary === undefined ? 'nginx is not installed (apt-get install nginx-light)' : undefined,
);

/** The example, pointed at this test's gateway and upstream and listening on a spare local port. */
function siteConfig(gatewayUrl: string, upstreamPort: number, listenPort: number): string {
  const gateway = new URL(gatewayUrl).host;
  const text = readFileSync(exampleConfig, 'utf8');
  const adapted = text
    .replace('server 127.0.0.1:8080;', `server ${gateway};`)
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${listenPort};`);
  if (adapted.includes(':8080;') || adapted.includes(':3000;') || adapted.includes('listen 80;')) {
    throw new Error('the example config changed shape; update this test');
  }
  return adapted;
}

/** A whole nginx.conf whose every path is inside `dir`, so it runs without root. */
function mainConfig(dir: string): string {
  const temp = (name: string): string => {
    mkdirSync(join(dir, name), { recursive: true });
    return join(dir, name);
  };
  return `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${temp('client_body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  include ${join(dir, 'site.conf')};
}
`;
}

describe.skipIf(nginxBinary === undefined)('nginx auth_request in front of the gateway', () => {
  let t: GatewayUnderTest;
  let upstream: Server;
  let nginx: ChildProcess;
  let dir: string;
  let base: string;
  let nginxOutput = '';
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    t = await startGatewayUnderTest({ env: { TRUST_PROXY: '127.0.0.1' } });
    upstream = createServer((request, response) => {
      seen.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url, userId: request.headers['x-wecom-userid'] ?? null }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamAddress = upstream.address();
    const upstreamPort = typeof upstreamAddress === 'object' && upstreamAddress ? upstreamAddress.port : 0;

    dir = mkdtempSync(join(tmpdir(), 'wecom-auth-nginx-'));
    const port = await freePort();
    writeFileSync(join(dir, 'site.conf'), siteConfig(t.gateway.url, upstreamPort, port));
    writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir));
    nginx = spawn(
      nginxBinary as string,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    nginx.stdout?.on('data', (chunk: Buffer) => {
      nginxOutput += chunk.toString();
    });
    nginx.stderr?.on('data', (chunk: Buffer) => {
      nginxOutput += chunk.toString();
    });
    base = `http://127.0.0.1:${port}`;
    const up = await eventually(
      async () => {
        if (nginx.exitCode !== null) return true;
        return fetch(`${base}/v1/none`).then(
          () => true,
          () => false,
        );
      },
      10_000,
      50,
    );
    if (!up || nginx.exitCode !== null) throw new Error(`nginx did not start:\n${nginxOutput}`);
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
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
