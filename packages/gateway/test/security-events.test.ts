/**
 * The security event log over a scripted day — three logins, a refresh, a refresh token reused, a refused decrypt, an
 * admin revocation, a refused callback, a leaver — on SQLite and on Redis: exactly the expected events, in order,
 * with who, where and why, and still there after a restart. None carries a token, a code, a secret or a session_key.
 * Old events go when their retention is over; the counters in /metrics count each type.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSealer, deriveDataKey } from '@wecom-auth/gateway';
import { createSandbox, DEMO_APP, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';
import {
  callbackEnv,
  eventually,
  exchangeJson,
  flushDatabase,
  type GatewayUnderTest,
  postCallback,
  redisForTests,
  sealEvent,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const redis = await redisForTests('the security event log tests on Redis', 15);

const TOKEN = 'events-admin-token-0123456789abcdef';

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
  /** Starts a gateway on this backend: the same data every time within one test. */
  start(env?: Record<string, string>, clock?: 'real' | 'manual'): Promise<GatewayUnderTest>;
  reset(): Promise<void>;
}

/** What every gateway of these tests runs with, on either backend, and `env` over it. */
const gatewayEnv = (env: Record<string, string>): Record<string, string> => ({
  ...callbackEnv,
  WECOM_AUTH_ADMIN_TOKEN: TOKEN,
  ADMIN_PORT: '0',
  LOG_LEVEL: 'warn',
  // The day's reuse comes right after the refresh: no reuse interval, so it is the reuse it is meant to be.
  REFRESH_REUSE_INTERVAL_SECONDS: '0',
  ...env,
});

const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-events-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: false,
    start: (env = {}, clock = 'real') =>
      startGatewayUnderTest({
        sharedSandbox: sandbox,
        dataDir,
        clock,
        env: gatewayEnv(env),
      }),
    reset: async () => {
      rmSync(dataDir, { recursive: true, force: true });
    },
  },
  {
    name: 'Redis',
    skip: redis.unreachable,
    start: (env = {}, clock = 'real') =>
      startGatewayUnderTest({
        sharedSandbox: sandbox,
        redisUrl: redis.url,
        clock,
        env: gatewayEnv(env),
      }),
    reset: () => flushDatabase(redis.url),
  },
];

interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

/** Every event the admin API has, oldest first, without the ids and times (which differ between runs). */
async function allEvents(t: GatewayUnderTest): Promise<Record<string, unknown>[]> {
  await t.gateway.services.events.flush();
  const answer = await exchangeJson(`${t.gateway.adminUrl}/admin/v1/events?limit=1000`, {
    token: TOKEN,
    timeoutMs: 10_000,
  });
  expect(answer.status).toBe(200);
  return ((answer.body?.events ?? []) as Record<string, unknown>[]).reverse();
}

describe.each(backends)('the security event log on $name', (backend) => {
  it.skipIf(backend.skip)(
    'records a scripted day exactly, in order, and keeps it across a restart',
    async () => {
      await backend.reset();
      let t = await backend.start();
      const secrets: string[] = [DEMO_APP.secret];
      const login = async (userid: string, userAgent: string): Promise<Session> => {
        const code = t.code(userid);
        secrets.push(code);
        const answer = await t.call('POST', '/v1/sessions', {
          body: { code },
          headers: { 'user-agent': userAgent },
        });
        expect(answer.status).toBe(201);
        const accessToken = String(answer.body?.accessToken);
        const refreshToken = String(answer.body?.refreshToken);
        secrets.push(accessToken, refreshToken);
        return { accessToken, refreshToken, sessionId: String(decodeJwt(accessToken).sid) };
      };
      try {
        // Morning: zhangsan on his phone and his desktop, lisi on her phone.
        const phone = await login('zhangsan', 'phone');
        const desktop = await login('zhangsan', 'desktop');
        const lisi = await login('lisi', 'phone');
        // The phone refreshes; then a copy of its old refresh token is played again (theft assumed).
        const refreshed = await t.call('POST', '/v1/sessions/refresh', {
          body: { refreshToken: phone.refreshToken },
        });
        expect(refreshed.status).toBe(200);
        secrets.push(String(refreshed.body?.accessToken), String(refreshed.body?.refreshToken));
        const reused = await t.call('POST', '/v1/sessions/refresh', {
          body: { refreshToken: phone.refreshToken },
        });
        expect(reused.body).toMatchObject({ error: 'session_revoked' });
        // Data that does not decrypt with the desktop session's key.
        const decrypt = await t.call('POST', '/v1/me/decrypt', {
          token: desktop.accessToken,
          body: {
            encryptedData: Buffer.alloc(48, 7).toString('base64'),
            iv: Buffer.alloc(16, 1).toString('base64'),
          },
        });
        expect(decrypt.body).toMatchObject({ error: 'decrypt_failed' });
        // An operator ends the desktop session.
        const revoked = await exchangeJson(`${t.gateway.adminUrl}/admin/v1/sessions/${desktop.sessionId}`, {
          method: 'DELETE',
          token: TOKEN,
          timeoutMs: 10_000,
        });
        expect(revoked.status).toBe(204);
        // A callback whose signature does not match; then WeCom reports that lisi left.
        const forged = sealEvent({ kind: 'delete_user', userId: 'zhangsan' });
        const refused = await postCallback(t.gateway.url, {
          ...forged,
          // Another first hex digit: the signature no longer matches, whatever digit it had.
          query: forged.query.replace(
            /msg_signature=([0-9a-f])/,
            (_match, digit: string) => `msg_signature=${digit === '0' ? '1' : '0'}`,
          ),
        });
        expect(refused.status).toBe(401);
        expect(
          (await postCallback(t.gateway.url, sealEvent({ kind: 'delete_user', userId: 'lisi' }))).status,
        ).toBe(200);
        expect(await eventually(async () => (await allEvents(t)).length === 9, 5_000)).toBe(true);

        const expected = [
          { type: 'login.succeeded', userId: 'zhangsan', sessionId: phone.sessionId },
          { type: 'login.succeeded', userId: 'zhangsan', sessionId: desktop.sessionId },
          { type: 'login.succeeded', userId: 'lisi', sessionId: lisi.sessionId },
          { type: 'session.refreshed', userId: 'zhangsan', sessionId: phone.sessionId },
          { type: 'session.reuse_detected', userId: 'zhangsan', sessionId: phone.sessionId },
          {
            type: 'decrypt.refused',
            userId: 'zhangsan',
            sessionId: desktop.sessionId,
            reason: 'decrypt_failed',
          },
          { type: 'session.revoked', userId: 'zhangsan', sessionId: desktop.sessionId, reason: 'admin' },
          { type: 'callback.refused', reason: 'callback_signature_invalid' },
          { type: 'session.revoked', userId: 'lisi', sessionId: lisi.sessionId, reason: 'leaver' },
        ];
        const strip = (events: Record<string, unknown>[]) =>
          events.map(({ id: _id, at: _at, requestId: _requestId, clientIp: _clientIp, ...rest }) => rest);
        const day = await allEvents(t);
        expect(strip(day)).toEqual(expected.map((event) => ({ corpId: DEMO_CORP_ID, ...event })));
        // Each event a request caused names it and the client; the leaver's revocation came from no request.
        for (const event of day.slice(0, 8)) {
          expect(event).toMatchObject({ requestId: expect.any(String), clientIp: '127.0.0.1' });
        }
        expect(day[8]).not.toHaveProperty('requestId');
        const times = day.map((event) => Date.parse(String(event.at)));
        expect(times).toEqual([...times].sort((a, b) => a - b));

        // Nothing secret in the log: no token, no code, no WeCom secret, no session_key.
        const sealer = createDataSealer(deriveDataKey({ configuredKey: undefined, secret: DEMO_APP.secret }));
        for (const session of [phone, desktop, lisi]) {
          const record = await t.gateway.services.store.sessions.get(session.sessionId);
          if (record) secrets.push(sealer.open(record.sessionKeyCiphertext, 'session_key'));
        }
        const text = JSON.stringify(day);
        for (const secret of secrets) expect(text).not.toContain(secret);

        // The counters count each type.
        const metrics = (await t.call('GET', '/metrics')).text;
        expect(metrics).toContain('wecom_auth_security_events_total{type="login.succeeded"} 3');
        expect(metrics).toContain('wecom_auth_security_events_total{type="admin.denied"} 0');

        // A restart: the log is the store's, not the process's.
        await t.close();
        t = await backend.start();
        expect(await allEvents(t)).toEqual(day);
      } finally {
        await t.close();
      }
    },
    60_000,
  );

  it.skipIf(backend.skip)('removes events once their retention is over, and keeps the rest', async () => {
    await backend.reset();
    const t = await backend.start({ EVENT_RETENTION_DAYS: '1' }, 'manual');
    try {
      await t.login('zhangsan');
      t.advanceClock(2 * 86_400_000);
      await t.login('lisi');
      await t.gateway.services.events.flush();
      await t.gateway.services.events.prune();
      expect((await allEvents(t)).map((event) => [event.type, event.userId])).toEqual([
        ['login.succeeded', 'lisi'],
      ]);
    } finally {
      await t.close();
    }
  });

  it.skipIf(backend.skip)('with EVENT_RETENTION_DAYS=0 writes nothing, and still counts', async () => {
    await backend.reset();
    const t = await backend.start({ EVENT_RETENTION_DAYS: '0' });
    try {
      await t.login('zhangsan');
      expect(await allEvents(t)).toEqual([]);
      expect((await t.call('GET', '/metrics')).text).toContain(
        'wecom_auth_security_events_total{type="login.succeeded"} 1',
      );
    } finally {
      await t.close();
    }
  });
});
