/**
 * The operator's side of the gateway, as evidence for the secret scan: a day of logins, refreshes, a reused refresh
 * token, refused decryptions, callbacks and admin calls, then everything an operator reads about it — the admin API's
 * answers (sessions, revocations, the event log pages) and the security event log itself. The admin answers are
 * recorded as responses, and the event log as a log: no token of ours, no login code, no WeCom secret, no session_key
 * and no admin token may be in either.
 */
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { callbackEnv, exchangeJson, postCallback, sealEvent } from '@wecom-auth/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvidence, recordSecret } from './support/evidence.js';
import { type EvidenceGateway, startEvidenceGateway } from './support/evidence-gateway.js';

const EVIDENCE = 'operator';
const ADMIN_TOKEN = 'reliability-admin-token-0123456789abcdef';

let h: EvidenceGateway;

beforeAll(async () => {
  h = await startEvidenceGateway(EVIDENCE, {
    env: {
      ...callbackEnv,
      WECOM_AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
      ADMIN_PORT: '0',
      // The day's reuse comes right after the refresh: no reuse interval, so it is the reuse it is meant to be.
      REFRESH_REUSE_INTERVAL_SECONDS: '0',
    },
  });
  recordSecret('admin_token', ADMIN_TOKEN);
});

afterAll(async () => {
  await h?.close();
});

/** One admin call, its answer recorded as a response. */
async function admin(method: string, path: string, token: string | null = ADMIN_TOKEN) {
  const answer = await exchangeJson(`${h.gateway.adminUrl}${path}`, {
    method,
    ...(token === null ? {} : { token }),
    timeoutMs: 10_000,
  });
  recordEvidence('response', `${EVIDENCE}-admin`, answer.text);
  return answer;
}

describe('what an operator reads', () => {
  it('holds no secret: admin answers and the security event log', async () => {
    // Logins whose codes are recorded as secrets: a code is single-use, but no log or answer should ever hold one.
    const codes: string[] = [];
    const login = async (userid: string) => {
      const code = h.code(userid);
      codes.push(code);
      recordSecret('login_code', code);
      const answer = await h.call('POST', '/v1/sessions', { body: { code } });
      expect(answer.status).toBe(201);
      const session = {
        accessToken: String(answer.body?.accessToken),
        refreshToken: String(answer.body?.refreshToken),
      };
      await h.recordSessionSecrets(session);
      return session;
    };
    const zhangsan = await login('zhangsan');
    const lisi = await login('lisi');
    const refreshed = await h.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: zhangsan.refreshToken },
    });
    await h.recordSessionSecrets({
      accessToken: String(refreshed.body?.accessToken),
      refreshToken: String(refreshed.body?.refreshToken),
    });
    expect(
      (await h.call('POST', '/v1/sessions/refresh', { body: { refreshToken: zhangsan.refreshToken } }))
        .status,
    ).toBe(401);
    // A spent code, refused by WeCom; junk refused before WeCom.
    expect((await h.call('POST', '/v1/sessions', { body: { code: codes[0] } })).status).toBe(401);
    expect((await h.call('POST', '/v1/sessions', { body: { code: 'not a code' } })).status).toBe(401);
    expect(
      (
        await h.call('POST', '/v1/me/decrypt', {
          token: lisi.accessToken,
          body: {
            encryptedData: Buffer.alloc(32, 3).toString('base64'),
            iv: Buffer.alloc(16).toString('base64'),
          },
        })
      ).status,
    ).toBe(400);
    const forged = sealEvent({ kind: 'delete_user', userId: 'lisi' });
    expect(
      (
        await postCallback(h.gateway.url, {
          ...forged,
          query: forged.query.replace(/nonce=[^&]+/, 'nonce=x'),
        })
      ).status,
    ).toBe(401);
    expect((await admin('GET', '/admin/v1/events', null)).status).toBe(401);
    expect((await admin('GET', '/admin/v1/events', 'a-wrong-admin-token-000000000000')).status).toBe(401);

    // What an operator reads.
    expect((await admin('GET', `/admin/v1/corps/${DEMO_CORP_ID}/employees/lisi/sessions`)).status).toBe(200);
    expect(
      (await admin('DELETE', `/admin/v1/sessions/${String(decodeJwt(lisi.accessToken).sid)}`)).status,
    ).toBe(204);
    expect(
      (await admin('DELETE', `/admin/v1/corps/${DEMO_CORP_ID}/employees/zhangsan/sessions`)).status,
    ).toBe(200);
    await h.gateway.services.events.flush();
    const events = await admin('GET', '/admin/v1/events?limit=1000');
    const types = new Set(((events.body?.events ?? []) as { type: string }[]).map((event) => event.type));
    // Every kind of fact was recorded, so every kind was searched.
    expect([...types].sort()).toEqual(
      [
        'admin.denied',
        'callback.refused',
        'decrypt.refused',
        'login.refused',
        'login.succeeded',
        'session.refreshed',
        'session.reuse_detected',
        'session.revoked',
      ].sort(),
    );
    // The log as stored, searched like a log: not even our own tokens may be in it.
    const stored = await h.gateway.services.store.events.list({ limit: 1_000 });
    recordEvidence(
      'log',
      `${EVIDENCE}-events`,
      stored.events.map((event) => JSON.stringify(event)).join('\n'),
    );
    const text = JSON.stringify(stored);
    for (const code of codes) expect(text).not.toContain(code);
    expect(text).not.toContain(zhangsan.accessToken);
    expect(text).not.toContain(ADMIN_TOKEN);
  });
});
