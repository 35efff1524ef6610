/**
 * A gateway running as a third-party (suite) app, over real HTTP against the sandbox as WeCom's provider platform:
 * the instruction callback (ticket, installs, uninstalls), logins of installed corps' employees, and what a forged,
 * replayed or older instruction can never do. On SQLite, and on Redis across two instances.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSandbox,
  DEMO_CORP_ID,
  demoSuite,
  OTHER_CORP_ID,
  type Sandbox,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';
import {
  connectSuite,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  postInstruction,
  redisForTests,
  sealInstruction,
  startGatewayUnderTest,
  startRedisGateway,
  uninstalledDemoSuite,
} from '@wecom-auth/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

interface SuiteReadiness {
  readonly ticket: string;
  readonly ticketAgeSeconds?: number;
  readonly installedCorps: number;
  readonly installsInSync: boolean;
}

async function suiteReadiness(t: GatewayUnderTest): Promise<SuiteReadiness> {
  const answer = await t.call('GET', '/readyz');
  return (answer.body as { suite: SuiteReadiness }).suite;
}

function login(t: GatewayUnderTest, userid: string, corpid?: string) {
  return t.call('POST', '/v1/sessions', { body: { code: t.code(userid, corpid) } });
}

function verify(t: GatewayUnderTest, token: unknown) {
  return t.call('GET', '/v1/verify', { token: String(token) });
}

describe('a gateway as a third-party app (SQLite)', () => {
  let sandbox: Sandbox;
  let t: GatewayUnderTest;
  let dataDir: string;

  beforeAll(async () => {
    // The test's own directory: it outlives a gateway, as a deployment's volume does.
    dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-suite-'));
    sandbox = await createSandbox({ port: 0, suites: [uninstalledDemoSuite] });
    t = await startGatewayUnderTest({ app: 'suite', sharedSandbox: sandbox, dataDir });
  });

  afterAll(async () => {
    await t.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('before the first ticket: ready, says the ticket is missing, and logins answer 503 naming the instruction callback', async () => {
    const ready = await t.call('GET', '/readyz');
    // Not unready: the ticket arrives through this very gateway, which a load balancer must keep routing to.
    expect(ready.status).toBe(200);
    expect(await suiteReadiness(t)).toMatchObject({
      ticket: 'missing',
      installedCorps: 0,
      installsInSync: true,
    });
    const answer = await login(t, 'zhangsan');
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'wecom_unavailable' });
    expect(String(answer.body?.message)).toContain('/v1/suite/callback');
    expect(answer.headers.get('retry-after')).toBe('30');
    expect(sandbox.control.calls().byPath['/cgi-bin/service/get_suite_token'] ?? 0).toBe(0);
  });

  it('the first ticket and the installs arrive: logins of installed corps succeed by themselves, with open_userid', async () => {
    await connectSuite(sandbox, t.gateway.url);
    expect(await eventually(async () => (await suiteReadiness(t)).installedCorps === 2, 5_000)).toBe(true);
    expect((await suiteReadiness(t)).ticket).toBe('fresh');
    const answer = await login(t, 'zhangsan');
    expect(answer.status).toBe(201);
    const employee = answer.body?.employee as Record<string, unknown>;
    expect(employee).toMatchObject({ userId: 'zhangsan', corpId: DEMO_CORP_ID, status: 'active' });
    expect(employee.openUserId).toMatch(/^wo/);
    // A third-party app gets neither the name nor the sensitive fields from user/get.
    expect(employee).not.toHaveProperty('mobile');
    expect(employee).not.toHaveProperty('email');
    const verified = await verify(t, answer.body?.accessToken);
    expect(verified.status).toBe(204);
    expect(verified.headers.get('x-wecom-corpid')).toBe(DEMO_CORP_ID);
    // The subsidiary's zhangsan is another person, of another installed corp.
    const other = await login(t, 'zhangsan', SUBSIDIARY_CORP_ID);
    expect(other.status).toBe(201);
    expect(other.body?.employee).toMatchObject({ corpId: SUBSIDIARY_CORP_ID });
  });

  it('refuses the user of a corp that has not installed the app, and stores nothing of them', async () => {
    const partner = sandbox.control.directory().corps.find((corp) => corp.corpId === OTHER_CORP_ID);
    const userid = partner?.users.find((user) => user.status === 1)?.userid ?? '';
    const answer = await login(t, userid, OTHER_CORP_ID);
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: 'corp_not_authorized' });
    expect(t.logs.join('\n')).not.toContain(`"userId":"${userid}"`);
  });

  it('a replayed or older suite_ticket never replaces the newer one; a forged instruction is refused', async () => {
    const before = await t.gateway.services.store.suites.ticket(demoSuite.suiteId);
    expect(before).toBeDefined();
    const older = sealInstruction({
      suiteId: demoSuite.suiteId,
      infoType: 'suite_ticket',
      timeStamp: (before?.timestamp ?? 0) - 600,
      suiteTicket: 'an-older-ticket',
    });
    expect(await postInstruction(t.gateway.url, older)).toEqual({ status: 200, text: 'success' });
    const equal = sealInstruction({
      suiteId: demoSuite.suiteId,
      infoType: 'suite_ticket',
      timeStamp: before?.timestamp ?? 0,
      suiteTicket: 'a-replayed-ticket',
    });
    expect(await postInstruction(t.gateway.url, equal)).toEqual({ status: 200, text: 'success' });
    expect((await t.gateway.services.store.suites.ticket(demoSuite.suiteId))?.ticket).toBe(before?.ticket);

    const instruction = {
      suiteId: demoSuite.suiteId,
      infoType: 'cancel_auth',
      timeStamp: Math.floor(Date.now() / 1000),
      authCorpId: DEMO_CORP_ID,
    } as const;
    const forged = await postInstruction(
      t.gateway.url,
      sealInstruction(instruction, { token: 'notTheSuiteToken' }),
    );
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.text)).toMatchObject({ error: 'callback_signature_invalid' });
    const otherSuite = await postInstruction(
      t.gateway.url,
      sealInstruction(instruction, { receiveId: 'wwanothersuite01' }),
    );
    expect(otherSuite.status).toBe(401);
    const stale = await postInstruction(
      t.gateway.url,
      sealInstruction(instruction, { signedAt: Math.floor(Date.now() / 1000) - 3_600 }),
    );
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text)).toMatchObject({ error: 'callback_expired' });
    const garbage = await fetch(`${t.gateway.url}/v1/suite/callback?msg_signature=x`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<xml>',
    });
    expect(garbage.status).toBe(400);
    // None of them uninstalled anything.
    expect((await suiteReadiness(t)).installedCorps).toBe(2);
    expect((await login(t, 'lisi')).status).toBe(201);
  });

  it('a restart keeps the ticket: the suite token is fetched again with the stored one, no new push needed', async () => {
    await t.close();
    const pushedBefore = sandbox.control.suites.list()[0]?.ticket?.issuedAt;
    t = await startGatewayUnderTest({ app: 'suite', sharedSandbox: sandbox, dataDir });
    // The sandbox forgets the suite tokens it issued: only a ticket can get a new one.
    sandbox.control.suites.revokeTokens(demoSuite.suiteId);
    const before = sandbox.control.calls().byPath['/cgi-bin/service/get_suite_token'] ?? 0;
    expect((await suiteReadiness(t)).ticket).toBe('fresh');
    expect((await login(t, 'zhangsan')).status).toBe(201);
    expect(sandbox.control.calls().byPath['/cgi-bin/service/get_suite_token']).toBe(before + 1);
    expect(sandbox.control.suites.list()[0]?.ticket?.issuedAt).toBe(pushedBefore);
    // The new process listens elsewhere: the provider points the instruction callback at it.
    await sandbox.control.suites.setCallback(demoSuite.suiteId, {
      url: `${t.gateway.url}/v1/suite/callback`,
    });
  });

  it('a change_auth whose authorisation WeCom calls void is done once, not retried forever; the corp stays installed', async () => {
    // 48004 for every get_auth_info: no retry can ever read it, and retrying would hold back the corp's later
    // instructions; the corp's cancel_auth (or reset_permanent_code) is what changes the install.
    const logged = t.logs.length;
    sandbox.control.addFault({ path: '/cgi-bin/service/get_auth_info', errcode: 48004 });
    try {
      await sandbox.control.suites.changeAuth(demoSuite.suiteId, SUBSIDIARY_CORP_ID);
      const done = () => t.logs.slice(logged).some((line) => line.includes('"outcome":"authorization_gone"'));
      expect(await eventually(done, 5_000)).toBe(true);
      expect(await t.gateway.services.store.inbox.pending(10)).toEqual([]);
      expect(t.logs.slice(logged).join('\n')).not.toContain('apply failed');
    } finally {
      sandbox.control.clearFaults();
    }
    expect((await login(t, 'zhangsan', SUBSIDIARY_CORP_ID)).status).toBe(201);
  });

  it('an uninstall ends every session of that corp at once, refuses its logins, and leaves other corps alone', async () => {
    const demo = await login(t, 'zhangsan');
    const subsidiary = await login(t, 'zhangsan', SUBSIDIARY_CORP_ID);
    expect([demo.status, subsidiary.status]).toEqual([201, 201]);
    await sandbox.control.suites.uninstall(demoSuite.suiteId, DEMO_CORP_ID);
    const verified = await verify(t, demo.body?.accessToken);
    expect(verified.status).toBe(401);
    expect(verified.body).toMatchObject({ error: 'session_revoked' });
    const refreshed = await t.call('POST', '/v1/sessions/refresh', {
      body: { refreshToken: demo.body?.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    expect((await verify(t, subsidiary.body?.accessToken)).status).toBe(204);
    expect((await login(t, 'lisi')).body).toMatchObject({ error: 'corp_not_authorized' });
    expect((await suiteReadiness(t)).installedCorps).toBe(1);
    // The permanent code and the corp's token are gone with the install.
    expect(await t.gateway.services.store.suites.install(demoSuite.suiteId, DEMO_CORP_ID)).toBeUndefined();
  });

  it('a reinstall serves the corp again, without bringing back the sessions of the earlier installation', async () => {
    const earlier = await login(t, 'zhangsan', SUBSIDIARY_CORP_ID);
    await sandbox.control.suites.uninstall(demoSuite.suiteId, SUBSIDIARY_CORP_ID);
    await sandbox.control.suites.install(demoSuite.suiteId, { corpid: SUBSIDIARY_CORP_ID });
    expect(
      await eventually(async () => (await login(t, 'lisi', SUBSIDIARY_CORP_ID)).status === 201, 5_000),
    ).toBe(true);
    expect((await verify(t, earlier.body?.accessToken)).status).toBe(401);
  });

  it('answers garbage on the instruction callback with a 4xx and a stable code, never a 500', async () => {
    const probes: [string, string, string][] = [
      ['GET', '', ''],
      ['GET', '?msg_signature=abc&timestamp=1&nonce=1&echostr=x', ''],
      ['POST', '', ''],
      [
        'POST',
        `?${sealInstruction({ suiteId: demoSuite.suiteId, infoType: 'x', timeStamp: 1 }).query}`,
        'not xml',
      ],
      [
        'POST',
        '?msg_signature=0000000000000000000000000000000000000000&timestamp=1700000000&nonce=1',
        '<xml><Encrypt>AAAA</Encrypt></xml>',
      ],
    ];
    for (const [method, query, body] of probes) {
      const response = await fetch(`${t.gateway.url}/v1/suite/callback${query}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'text/xml' }, body } : {}),
      });
      expect(response.status, `${method} ${query}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${method} ${query}`).toBeLessThan(500);
      expect(JSON.parse(await response.text())).toHaveProperty('error');
    }
  });
});

const redis = await redisForTests('the third-party app on Redis', 3);

describe.skipIf(redis.unreachable)('a third-party app on two instances sharing Redis', () => {
  let sandbox: Sandbox;
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;

  beforeAll(async () => {
    await flushDatabase(redis.url);
    sandbox = await createSandbox({ port: 0, suites: [uninstalledDemoSuite] });
    a = await startRedisGateway(sandbox, redis.url, {}, { app: 'suite' });
    b = await startRedisGateway(sandbox, redis.url, {}, { app: 'suite' });
  });

  afterEach(() => sandbox.control.clearFaults());

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  it('share one ticket and one suite token: the ticket reaches one instance, both log in', async () => {
    expect((await login(b, 'zhangsan')).status).toBe(503);
    // WeCom knows one instruction callback URL: the load balancer sends each push to one instance.
    await connectSuite(sandbox, a.gateway.url);
    expect(await eventually(async () => (await suiteReadiness(b)).installedCorps === 2, 5_000)).toBe(true);
    const logins = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(i % 2 === 0 ? a : b, i % 4 < 2 ? 'zhangsan' : 'lisi')),
    );
    expect(logins.map((answer) => answer.status)).toEqual(logins.map(() => 201));
    const calls = sandbox.control.calls().byPath;
    expect(calls['/cgi-bin/service/get_suite_token']).toBe(1);
    expect(calls['/cgi-bin/service/get_corp_token'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('a restart keeps the ticket on Redis', async () => {
    await b.close();
    b = await startRedisGateway(sandbox, redis.url, {}, { app: 'suite' });
    expect((await suiteReadiness(b)).ticket).toBe('fresh');
    sandbox.control.suites.revokeTokens(demoSuite.suiteId);
    expect((await login(b, 'lisi')).status).toBe(201);
  });

  it('an uninstall reaches both instances within a second; the other corp keeps its sessions', async () => {
    const onA = await login(a, 'zhangsan');
    const onB = await login(b, 'zhangsan');
    const subsidiary = await login(b, 'zhangsan', SUBSIDIARY_CORP_ID);
    expect([onA.status, onB.status, subsidiary.status]).toEqual([201, 201, 201]);
    for (const [t, session] of [
      [a, onA],
      [b, onA],
      [a, onB],
      [b, onB],
    ] as const) {
      expect((await verify(t, session.body?.accessToken)).status).toBe(204);
    }
    // The cancel_auth reaches instance a only; b must learn it from the store within a second.
    await sandbox.control.suites.uninstall(demoSuite.suiteId, DEMO_CORP_ID);
    const allRefused = async () => {
      for (const t of [a, b]) {
        for (const session of [onA, onB]) {
          if ((await verify(t, session.body?.accessToken)).status !== 401) return false;
        }
      }
      return true;
    };
    expect(await eventually(allRefused, 1_000)).toBe(true);
    for (const t of [a, b]) expect((await verify(t, subsidiary.body?.accessToken)).status).toBe(204);
    expect((await login(b, 'lisi')).body).toMatchObject({ error: 'corp_not_authorized' });
  });
});
