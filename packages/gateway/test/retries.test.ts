/**
 * A client that lost an answer asks again, and the next request may land on another instance: a login retried with
 * the same code from the same client is given the same session once, and a refresh token presented again within the
 * reuse interval (two tabs, a retry) is given the same new pair; past the windows the old rules hold (`code_invalid`,
 * and a reuse that revokes the session). Two gateways share one SQLite file, then one Redis, with windows of two
 * seconds so that both sides of each can be seen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '@wecom-auth/sandbox';
import {
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  type JsonAnswer,
  redisForTests,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the retry tests on Redis', 7);

const WINDOW_MS = 2_000;
const env = {
  LOG_LEVEL: 'warn',
  LOGIN_RETRY_WINDOW_SECONDS: String(WINDOW_MS / 1000),
  REFRESH_REUSE_INTERVAL_SECONDS: String(WINDOW_MS / 1000),
};
const pastTheWindow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 300));

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await sandbox?.close();
});

interface Backend {
  readonly name: string;
  readonly skip: boolean;
  open(): Promise<readonly [GatewayUnderTest, GatewayUnderTest]>;
  cleanUp(): Promise<void>;
}

let dataDir: string | undefined;
const backends: Backend[] = [
  {
    name: 'two gateways on one SQLite file',
    skip: false,
    async open() {
      dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-retries-'));
      const first = await startGatewayUnderTest({ sharedSandbox: sandbox, dataDir, env });
      const second = await startGatewayUnderTest({ sharedSandbox: sandbox, dataDir, env });
      return [first, second] as const;
    },
    async cleanUp() {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  },
  {
    name: 'two gateways on one Redis',
    skip: redis.unreachable,
    async open() {
      await flushDatabase(redis.url);
      const first = await startGatewayUnderTest({ sharedSandbox: sandbox, redisUrl: redis.url, env });
      const second = await startGatewayUnderTest({ sharedSandbox: sandbox, redisUrl: redis.url, env });
      return [first, second] as const;
    },
    async cleanUp() {
      await flushDatabase(redis.url);
    },
  },
];

describe.each(backends)('$name', (backend) => {
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;

  beforeAll(async () => {
    if (backend.skip) return;
    [a, b] = await backend.open();
  });
  afterAll(async () => {
    if (backend.skip) return;
    await a?.close();
    await b?.close();
    await backend.cleanUp();
  });

  const login = (gateway: GatewayUnderTest, code: string, headers: Record<string, string> = {}) =>
    gateway.call('POST', '/v1/sessions', { body: { code }, headers });
  const refresh = (gateway: GatewayUnderTest, refreshToken: string) =>
    gateway.call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
  const pairOf = (answer: JsonAnswer) => [answer.body?.accessToken, answer.body?.refreshToken];
  const exchanges = (): number => sandbox.control.calls().byPath['/cgi-bin/miniprogram/jscode2session'] ?? 0;

  describe.skipIf(backend.skip)('a login retried after a lost answer', () => {
    it('gets the same session on the other instance, once; then the code is spent', async () => {
      sandbox.control.resetCalls();
      const code = a.code('zhangsan');
      const first = await login(a, code);
      expect(first.status).toBe(201);
      const retry = await login(b, code);
      expect(retry.status).toBe(201);
      expect(pairOf(retry)).toEqual(pairOf(first));
      expect((await b.call('GET', '/v1/verify', { token: String(retry.body?.accessToken) })).status).toBe(
        204,
      );
      const third = await login(a, code);
      expect(third.status).toBe(401);
      expect(third.body).toMatchObject({ error: 'code_invalid' });
      // The retry was answered from the store; only the third went to WeCom, which refused the spent code.
      expect(exchanges()).toBe(2);
    });

    it('sent to both instances at once, gives both one session from one exchange', async () => {
      sandbox.control.resetCalls();
      const code = a.code('zhangsan');
      const [first, second] = await Promise.all([login(a, code), login(b, code)]);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(pairOf(second)).toEqual(pairOf(first));
      expect(exchanges()).toBe(1);
    });

    it('gives nothing to another client, and nothing after the window', async () => {
      const code = a.code('zhangsan');
      expect((await login(a, code)).status).toBe(201);
      const stranger = await login(b, code, { 'user-agent': 'another-client/1.0' });
      expect(stranger.status).toBe(401);
      expect(stranger.body).toMatchObject({ error: 'code_invalid' });
      await pastTheWindow();
      const late = await login(b, code);
      expect(late.status).toBe(401);
      expect(late.body).toMatchObject({ error: 'code_invalid' });
    });
  });

  describe.skipIf(backend.skip)('a refresh token presented again', () => {
    it('ten times at once over both instances: one rotation, one pair for all, nothing revoked', async () => {
      const session = await a.login('zhangsan');
      const refreshToken = String(session.refreshToken);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) => refresh(index % 2 === 0 ? a : b, refreshToken)),
      );
      expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 200));
      expect(new Set(answers.map((answer) => JSON.stringify(pairOf(answer)))).size).toBe(1);
      const [winner] = answers;
      expect(winner?.body?.refreshToken).not.toBe(refreshToken);
      for (const gateway of [a, b]) {
        expect(
          (await gateway.call('GET', '/v1/verify', { token: String(winner?.body?.accessToken) })).status,
        ).toBe(204);
      }
      expect((await refresh(b, String(winner?.body?.refreshToken))).status).toBe(200);
    });

    it('in sequence inside the interval gets the same pair; after it, revokes the session everywhere', async () => {
      const session = await a.login('zhangsan');
      const refreshToken = String(session.refreshToken);
      const first = await refresh(a, refreshToken);
      expect(first.status).toBe(200);
      const repeat = await refresh(b, refreshToken);
      expect(repeat.status).toBe(200);
      expect(pairOf(repeat)).toEqual(pairOf(first));

      await pastTheWindow();
      const reuse = await refresh(b, refreshToken);
      expect(reuse.status).toBe(401);
      expect(reuse.body).toMatchObject({ error: 'session_revoked' });
      const newest = String(first.body?.accessToken);
      for (const gateway of [a, b]) {
        expect(
          await eventually(
            async () => (await gateway.call('GET', '/v1/verify', { token: newest })).status === 401,
            1_000,
          ),
        ).toBe(true);
      }
      expect((await refresh(a, String(first.body?.refreshToken))).body).toMatchObject({
        error: 'session_revoked',
      });
    });
  });
});
