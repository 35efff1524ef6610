/**
 * What the gateway shows strangers. WeCom's `errmsg` (its hint id and the gateway's egress address) is logged for the
 * operator and cut from the answer; with `OPERATIONS_LISTENER=admin` readiness, metrics and the API document leave the
 * public port for the admin listener, behind its token; in sandbox mode the sandbox (whose control API mints a login
 * code for anyone) and the admin listener stay on the loopback when the gateway listens on every interface.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startGateway } from '@wecom-auth/gateway';
import { exchangeJson, type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { publicErrmsg } from '../src/sessions/wecom-failure.js';

let t: GatewayUnderTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("WeCom's errmsg", () => {
  it.each([
    [
      'invalid code, hint: [1638944304340382735477502], from ip: 171.217.45.16, more info at https://open.work.weixin.qq.com/devtool/query?e=40029',
      'invalid code',
    ],
    [
      'not allow to access from your ip, hint: [1700000000000000000000001], from ip: 2001:db8::7',
      'not allow to access from your ip',
    ],
    ['api freq out of limit', 'api freq out of limit'],
    ['ip 10.1.2.3 blocked', 'ip [address] blocked'],
  ])('keeps the text and drops the hint, the address and the link: %s', (errmsg, expected) => {
    expect(publicErrmsg(errmsg)).toBe(expected);
  });

  it('never lets an address through, whatever surrounds it', () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(fc.string(), ipv4, fc.string(), (before, address, after) => {
        expect(publicErrmsg(`${before} ${address} ${after}`)).not.toContain(address);
      }),
    );
  });

  it('is answered without the egress address, which goes to the log instead', async () => {
    const logs: string[] = [];
    t = await startGatewayUnderTest({ logDestination: { write: (line) => void logs.push(line) } });
    const code = t.code('zhangsan');
    expect((await t.call('POST', '/v1/sessions', { body: { code } })).status).toBe(201);
    // Another client: the same one would be given its kept answer again (the login retry window).
    const spent = await t.call('POST', '/v1/sessions', {
      body: { code },
      headers: { 'user-agent': 'another-client/1.0' },
    });
    expect(spent.status).toBe(401);
    expect(spent.body).toMatchObject({
      error: 'code_invalid',
      wecom: { errcode: 40029, errmsg: 'invalid code' },
    });
    expect(spent.text).not.toMatch(/from ip|hint|127\.0\.0\.1/);
    const logged = logs.find((line) => line.includes('WeCom refused a call'));
    expect(logged).toBeDefined();
    expect(JSON.parse(String(logged))).toMatchObject({
      reqId: spent.body?.requestId,
      apiPath: '/cgi-bin/miniprogram/jscode2session',
      wecom: { errcode: 40029, errmsg: expect.stringContaining('from ip: 127.0.0.1') },
    });
  });
});

describe('OPERATIONS_LISTENER=admin', () => {
  const TOKEN = 'ops-admin-token-0123456789abcdefghij';

  it('moves readiness, metrics and the document to the admin listener, behind its token', async () => {
    t = await startGatewayUnderTest({
      env: { OPERATIONS_LISTENER: 'admin', WECOM_AUTH_ADMIN_TOKEN: TOKEN, ADMIN_PORT: '0' },
    });
    for (const path of ['/readyz', '/metrics', '/openapi.json', '/docs', '/docs/static/index.html']) {
      expect((await t.call('GET', path)).status, path).toBe(404);
    }
    expect((await t.call('GET', '/healthz')).status).toBe(200);
    expect((await t.call('GET', '/.well-known/jwks.json')).status).toBe(200);

    const admin = String(t.gateway.adminUrl);
    for (const path of ['/readyz', '/metrics', '/openapi.json']) {
      expect((await exchangeJson(`${admin}${path}`, { timeoutMs: 10_000 })).status, path).toBe(401);
      expect((await exchangeJson(`${admin}${path}`, { token: TOKEN, timeoutMs: 10_000 })).status, path).toBe(
        200,
      );
    }
    const document = await exchangeJson(`${admin}/openapi.json`, { token: TOKEN, timeoutMs: 10_000 });
    expect(Object.keys(document.body?.paths as object)).toContain('/v1/sessions');
    const metrics = await exchangeJson(`${admin}/metrics`, { token: TOKEN, timeoutMs: 10_000 });
    expect(metrics.text).toContain('wecom_auth_security_events_total');
  });

  it('needs an admin token: the configuration says so', () => {
    expect(() =>
      loadConfig({
        env: {
          WECOM_CORP_ID: 'ww0123456789',
          WECOM_SECRET: 's',
          WECOM_MINIPROGRAM_APPID: 'wx0123456789',
          OPERATIONS_LISTENER: 'admin',
        },
      }),
    ).toThrow(
      'OPERATIONS_LISTENER: admin needs an admin token (WECOM_AUTH_ADMIN_TOKEN or WECOM_AUTH_ADMIN_TOKEN_FILE)',
    );
  });
});

describe('sandbox mode with HOST=0.0.0.0', () => {
  it('keeps the sandbox and the admin listener on the loopback', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-exposure-'));
    const config = loadConfig({
      env: {
        HOST: '0.0.0.0',
        PORT: '0',
        SANDBOX_PORT: '0',
        ADMIN_PORT: '0',
        WECOM_AUTH_DB: join(dataDir, 'gateway.db'),
        LOG_LEVEL: 'silent',
      },
    });
    const gateway = await startGateway({ config, logger: createLogger({ level: 'silent' }) });
    try {
      expect(new URL(gateway.url).hostname).toBe('0.0.0.0');
      expect(new URL(String(gateway.sandboxUrl)).hostname).toBe('127.0.0.1');
      expect(new URL(String(gateway.adminUrl)).hostname).toBe('127.0.0.1');
      // A token was made up for this run, and it opens the admin API.
      expect(gateway.generatedAdminToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const events = await exchangeJson(`${gateway.adminUrl}/admin/v1/events`, {
        token: String(gateway.generatedAdminToken),
        timeoutMs: 10_000,
      });
      expect(events.status).toBe(200);
    } finally {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
