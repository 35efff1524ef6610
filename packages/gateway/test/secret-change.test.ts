/**
 * The scenario that once stopped a gateway, over real processes: a gateway runs with a WeCom secret and no
 * `WECOM_AUTH_DATA_KEY`, an employee logs in, the app's secret is changed in WeCom and the gateway restarted with the
 * new one. With the previous secret as a fallback every session survives; without it the gateway still starts, serves
 * its JWKS and new logins, and says in one line what ended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  type ChildGateway,
  demoGatewayEnv,
  exchangeJson,
  flushDatabase,
  redisForTests,
  setDemoAppSecret,
  spawnGateway,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const redis = await redisForTests('the secret change tests', 3);
const NEW_SECRET = 'the-secret-after-the-change';

describe.each([
  ['SQLite', false],
  ['Redis', true],
])('a secret change on %s, over real processes', { timeout: 90_000 }, (_name, onRedis) => {
  let sandbox: Sandbox;
  let dataDir: string;
  const children: ChildGateway[] = [];

  beforeAll(async () => {
    sandbox = await createSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(async (context) => {
    if (onRedis && redis.unreachable) context.skip();
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-secret-change-'));
    if (onRedis) await flushDatabase(redis.url);
    await setDemoAppSecret(sandbox.url, DEMO_APP.secret);
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill('SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function gateway(env: Record<string, string>): Promise<ChildGateway> {
    const child = await spawnGateway({
      ...demoGatewayEnv(sandbox.url),
      ...(onRedis ? { REDIS_URL: redis.url } : { WECOM_AUTH_DB: join(dataDir, 'gateway.db') }),
      ...env,
    });
    children.push(child);
    return child;
  }

  const call = (child: ChildGateway, method: string, path: string, options = {}) =>
    exchangeJson(child.url + path, { method, ...options });

  async function login(child: ChildGateway, userid: string): Promise<{ access: string; refresh: string }> {
    const code = sandbox.control.login({ userid }).code;
    const answer = await call(child, 'POST', '/v1/sessions', { body: { code } });
    expect(answer.status).toBe(201);
    return { access: String(answer.body?.accessToken), refresh: String(answer.body?.refreshToken) };
  }

  async function decrypt(child: ChildGateway, userid: string, token: string) {
    const sealed = sandbox.control.encrypt({ userid, kind: 'mobile' });
    return call(child, 'POST', '/v1/me/decrypt', {
      token,
      body: { encryptedData: sealed.encryptedData, iv: sealed.iv },
    });
  }

  /**
   * A gateway on the old secret with zhangsan logged in; then the secret is changed in WeCom and the gateway stopped.
   */
  async function sessionBeforeTheChange(): Promise<{ access: string; refresh: string }> {
    const before = await gateway({});
    const session = await login(before, 'zhangsan');
    await before.kill('SIGTERM');
    await setDemoAppSecret(sandbox.url, NEW_SECRET);
    return session;
  }

  it('with the previous secret as a fallback, every session survives the change', async () => {
    const session = await sessionBeforeTheChange();
    const after = await gateway({ WECOM_SECRET: NEW_SECRET, WECOM_SECRET_FALLBACKS: DEMO_APP.secret });
    expect((await call(after, 'GET', '/v1/verify', { token: session.access })).status).toBe(204);
    const decrypted = await decrypt(after, 'zhangsan', session.access);
    expect(decrypted.status).toBe(200);
    expect(decrypted.body).toMatchObject({ kind: 'mobile', source: 'wecom' });
    const refreshed = await call(after, 'POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refresh },
    });
    expect(refreshed.status).toBe(200);
    expect((await call(after, 'GET', '/v1/me', { token: String(refreshed.body?.accessToken) })).status).toBe(
      200,
    );
    await login(after, 'lisi');
    expect(after.output()).not.toContain('data_key_lost');
    expect(after.output()).not.toContain(NEW_SECRET);
    expect(after.output()).not.toContain(DEMO_APP.secret);
  });

  it('without it, the gateway starts, serves its JWKS and new logins, and says in one line what ended', async () => {
    const session = await sessionBeforeTheChange();
    const after = await gateway({ WECOM_SECRET: NEW_SECRET });
    expect(after.output()).not.toContain('Unsupported state or unable to authenticate data');

    const jwks = await call(after, 'GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    // The fresh key signs; the lost one stays published until the tokens it signed expire.
    expect((jwks.body as { keys: unknown[] }).keys).toHaveLength(2);
    const fresh = await login(after, 'lisi');
    expect((await call(after, 'GET', '/v1/verify', { token: fresh.access })).status).toBe(204);
    expect((await decrypt(after, 'lisi', fresh.access)).status).toBe(200);

    const lostLines = after
      .output()
      .split('\n')
      .filter((line) => line.includes('"code":"data_key_lost"'));
    expect(lostLines).toHaveLength(1);
    expect(lostLines[0]).toContain('a fresh signing key signs from now on');
    expect(lostLines[0]).toContain('WECOM_SECRET_FALLBACKS');
    expect(lostLines[0]).not.toContain(NEW_SECRET);
    expect(lostLines[0]).not.toContain(DEMO_APP.secret);

    // The old session's token still verifies; its session_key cannot be read, so it ends when it is needed.
    expect((await call(after, 'GET', '/v1/verify', { token: session.access })).status).toBe(204);
    const decrypted = await decrypt(after, 'zhangsan', session.access);
    expect(decrypted.status).toBe(401);
    expect(decrypted.body).toMatchObject({ error: 'session_revoked' });
    const refreshed = await call(after, 'POST', '/v1/sessions/refresh', {
      body: { refreshToken: session.refresh },
    });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body).toMatchObject({ error: 'session_revoked' });
    // What the SDK does next: a new login, which works.
    await login(after, 'zhangsan');
  });
});
