/**
 * A day of the gateway as a third-party app, for the secret scan: everything that puts the suite's secrets in play
 * and everything that could leak them. A login before the first ticket, the instruction callback's URL check,
 * ticket pushes (scheduled, forced, replayed, older), installs in three corps, logins across them with profile reads,
 * refreshes, decrypts and logouts, the suite and corp tokens expiring and refreshed, a change_auth, a
 * reset_permanent_code, WeCom faults on every suite path (refused ticket, refused tokens, void authorisations,
 * busy, timeouts, broken answers), a create_auth that fails and is applied on retry, WeCom re-delivering
 * instructions, forged and broken instructions, an uninstall, /readyz and /metrics throughout, and the errors the
 * suite client throws. Every log line (debug), answer and error goes to the evidence; every secret to the list.
 */
import type { WecomError } from '@wecom-auth/api';
import { buildCallbackEnvelope } from '@wecom-auth/crypto';
import {
  type CallbackDelivery,
  DEMO_CORP_ID,
  demoSuite,
  OTHER_CORP_ID,
  SUBSIDIARY_CORP_ID,
} from '@wecom-auth/sandbox';
import { eventually, postInstruction, sealInstruction } from '@wecom-auth/testing';
import { expect } from 'vitest';
import { recordEvidence, recordSecret } from './evidence.js';
import { type EvidenceGateway, startEvidenceGateway } from './evidence-gateway.js';
import { appliedMessage, SuiteGatewayDriver } from './suite-gateway-driver.js';

const source = 'secret-scan-suite';

/** What the day saw, for the scan's own checks that it happened. */
export interface SuiteDayReport {
  readonly logins: number;
  readonly statuses: ReadonlySet<number>;
  readonly errorCodes: ReadonlySet<string>;
  readonly wecomErrcodes: ReadonlySet<number>;
  readonly instructionAnswers: ReadonlySet<string>;
  readonly clientErrors: number;
}

class SuiteDay {
  readonly #h: EvidenceGateway;
  readonly #s: SuiteGatewayDriver;
  #logins = 0;
  readonly #statuses = new Set<number>();
  readonly #errorCodes = new Set<string>();
  readonly #wecomErrcodes = new Set<number>();
  readonly #instructionAnswers = new Set<string>();
  #clientErrorCount = 0;

  constructor(h: EvidenceGateway) {
    this.#h = h;
    this.#s = new SuiteGatewayDriver(h);
  }

  report(): SuiteDayReport {
    return {
      logins: this.#logins,
      statuses: this.#statuses,
      errorCodes: this.#errorCodes,
      wecomErrcodes: this.#wecomErrcodes,
      instructionAnswers: this.#instructionAnswers,
      clientErrors: this.#clientErrorCount,
    };
  }

  /** One call to the gateway; its answer is evidence (through the gateway under test), its outcome counted. */
  async #call(method: string, path: string, options: { body?: unknown; token?: string } = {}) {
    const answer = await this.#h.call(method, path, options);
    this.#statuses.add(answer.status);
    // Never a 500: WeCom's failures are 502 or 503, everything else a 4xx with a code.
    expect(
      answer.status < 500 || answer.status === 502 || answer.status === 503,
      `${method} ${path}: ${answer.text}`,
    ).toBe(true);
    const error = answer.body?.error;
    if (typeof error === 'string') this.#errorCodes.add(error);
    const wecom = answer.body?.wecom as { errcode?: unknown } | undefined;
    if (typeof wecom?.errcode === 'number') this.#wecomErrcodes.add(wecom.errcode);
    return answer;
  }

  /** A login of `userid` of `corpid`, and everything a session does: profile, refresh, decrypt, verify. */
  async #session(userid: string, corpid: string, options: { logout?: boolean } = {}) {
    const login = await this.#call('POST', '/v1/sessions', { body: { code: this.#h.code(userid, corpid) } });
    if (login.status !== 201) return login;
    this.#logins += 1;
    const accessToken = String(login.body?.accessToken);
    const refreshToken = String(login.body?.refreshToken);
    await this.#h.recordSessionSecrets({ accessToken, refreshToken });
    await this.#call('GET', '/v1/me', { token: accessToken });
    const refreshed = await this.#call('POST', '/v1/sessions/refresh', { body: { refreshToken } });
    const current = { accessToken, refreshToken };
    if (refreshed.status === 200) {
      current.accessToken = String(refreshed.body?.accessToken);
      current.refreshToken = String(refreshed.body?.refreshToken);
      await this.#h.recordSessionSecrets(current);
    }
    const { encryptedData, iv } = this.#s.control.encrypt({
      userid,
      corpid,
      suiteId: demoSuite.suiteId,
      // What every member has (not every one has a mobile).
      kind: 'enterprise_user_info',
      watermarkTimestamp: Math.floor(this.#h.now() / 1000),
    });
    await this.#call('POST', '/v1/me/decrypt', { token: current.accessToken, body: { encryptedData, iv } });
    await this.#call('GET', '/v1/verify', { token: current.accessToken });
    if (options.logout) await this.#call('DELETE', '/v1/sessions/current', { token: current.accessToken });
    return login;
  }

  async #operatorViews(): Promise<void> {
    await this.#call('GET', '/readyz');
    await this.#call('GET', '/healthz');
    await this.#call('GET', '/metrics');
  }

  /** A member of each installed corp logs in and works; one of them logs out. */
  async #workday(corps: readonly string[]): Promise<void> {
    for (const corpid of corps) {
      const corp = this.#s.control.directory().corps.find((candidate) => candidate.corpId === corpid);
      const active = (corp?.users ?? []).filter((user) => user.status === 1).slice(0, 3);
      for (const [i, user] of active.entries()) await this.#session(user.userid, corpid, { logout: i === 0 });
    }
    await this.#h.recordSuiteSecrets();
  }

  /** Sends an instruction callback request and keeps WeCom's view of the answer. */
  async #deliver(query: string, body: string, method = 'POST'): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.#h.gateway.url}/v1/suite/callback${query}`, {
      method,
      ...(method === 'POST' ? { headers: { 'content-type': 'text/xml' }, body } : {}),
    });
    const text = await response.text();
    recordEvidence('response', source, text);
    this.#instructionAnswers.add(
      `${response.status} ${text.startsWith('{') ? JSON.parse(text).error : text}`,
    );
    return { status: response.status, text };
  }

  /** WeCom delivers a logged instruction again, byte for byte (its retry after a lost acknowledgement). */
  async #redeliver(delivery: CallbackDelivery | undefined): Promise<void> {
    if (delivery === undefined) throw new Error('no delivery to send again');
    const query = `?${new URLSearchParams({
      msg_signature: delivery.msgSignature,
      timestamp: delivery.timestamp,
      nonce: delivery.nonce,
    })}`;
    const body = buildCallbackEnvelope({
      toUserName: demoSuite.suiteId,
      encrypt: delivery.encrypt,
      agentId: '',
    });
    expect(await this.#deliver(query, body)).toEqual({ status: 200, text: 'success' });
  }

  #lastDelivery(event: string): CallbackDelivery | undefined {
    return this.#s.control
      .callbacks()
      .filter((delivery) => delivery.suiteId === demoSuite.suiteId && delivery.event === event)
      .at(-1);
  }

  /** Instructions WeCom never sends: forged, for another suite, stale, broken. Each a 4xx with a code. */
  async #hostileInstructions(): Promise<void> {
    const signedAt = this.#s.control.clock().unixSeconds;
    const cancel = {
      suiteId: demoSuite.suiteId,
      infoType: 'cancel_auth',
      timeStamp: signedAt,
      authCorpId: DEMO_CORP_ID,
    } as const;
    const forged = sealInstruction(cancel, { token: 'notTheSuiteToken', signedAt });
    const otherSuite = sealInstruction(cancel, { receiveId: 'wwanothersuite01', signedAt });
    const stale = sealInstruction(cancel, { signedAt: signedAt - 3_600 });
    for (const sealed of [forged, otherSuite, stale]) {
      const answer = await this.#deliver(`?${sealed.query}`, sealed.body);
      expect(answer.status, answer.text).toBe(401);
    }
    for (const [query, body, method] of [
      ['', '', 'GET'],
      ['?msg_signature=abc&timestamp=1&nonce=1&echostr=x', '', 'GET'],
      ['?msg_signature=x', '<xml>', 'POST'],
      [`?${forged.query}`, 'not xml', 'POST'],
    ] as const) {
      const answer = await this.#deliver(query, body, method);
      expect(answer.status, answer.text).toBeGreaterThanOrEqual(400);
      expect(answer.status, answer.text).toBeLessThan(500);
    }
    // An older ticket, and a replayed one: acknowledged, never stored over the newer.
    const newest = await this.#h.gateway.services.store.suites.ticket(demoSuite.suiteId);
    for (const [timeStamp, suiteTicket] of [
      [(newest?.timestamp ?? 0) - 600, 'anOlderSuiteTicketThatMustNotWin'],
      [newest?.timestamp ?? 0, 'aReplayedSuiteTicketWithTheSameTime'],
    ] as const) {
      recordSecret('suite_ticket', suiteTicket);
      const sealed = sealInstruction(
        { suiteId: demoSuite.suiteId, infoType: 'suite_ticket', timeStamp, suiteTicket },
        { signedAt },
      );
      expect(await postInstruction(this.#h.gateway.url, sealed)).toEqual({ status: 200, text: 'success' });
    }
    expect((await this.#h.gateway.services.store.suites.ticket(demoSuite.suiteId))?.ticket).toBe(
      newest?.ticket,
    );
  }

  /** WeCom fails on each suite path in turn; the gateway answers with WeCom's errcode where WeCom sent one. */
  async #faults(): Promise<void> {
    const { control } = this.#s;
    const tenants = this.#h.suiteTenants();
    const userid = this.#s.activeMember(DEMO_CORP_ID);
    const faults: readonly [string, number, 'suite' | 'corp' | 'none'][] = [
      ['/cgi-bin/service/get_suite_token', 40085, 'suite'],
      ['/cgi-bin/service/get_suite_token', -1, 'suite'],
      ['/cgi-bin/service/miniprogram/jscode2session', 40082, 'none'],
      ['/cgi-bin/service/miniprogram/jscode2session', 45009, 'none'],
      ['/cgi-bin/service/get_corp_token', 40084, 'corp'],
      ['/cgi-bin/service/get_corp_token', 48004, 'corp'],
      ['/cgi-bin/user/get', 48004, 'none'],
      ['/cgi-bin/user/get', 42001, 'none'],
      ['/cgi-bin/user/get', 60011, 'none'],
    ];
    for (const [path, errcode, cold] of faults) {
      await this.#h.gateway.services.directory.forget(DEMO_CORP_ID, userid);
      if (cold === 'suite')
        await tenants.suite.suiteToken.invalidate(await tenants.suite.suiteToken.getToken());
      if (cold === 'corp') {
        const corp = tenants.clientFor(DEMO_CORP_ID);
        await corp.accessToken.invalidate(await corp.accessToken.getToken());
      }
      control.addFault({ path, errcode });
      const answer = await this.#session(userid, DEMO_CORP_ID);
      control.clearFaults();
      expect(answer.status, `${errcode} on ${path}: ${answer.text}`).not.toBe(201);
      await this.#s.pastTokenBackoff();
      await this.#operatorViews();
    }
    // The transport's own failures, with no errcode to carry.
    for (const spec of [
      { delayMs: 1_300 },
      { malformed: true },
      { drop: true },
      { httpStatus: 503 },
    ] as const) {
      await this.#h.gateway.services.directory.forget(DEMO_CORP_ID, userid);
      control.addFault({ path: '/cgi-bin/user/get', ...spec });
      await this.#session(userid, DEMO_CORP_ID);
      control.clearFaults();
    }
    // WeCom retires the tokens: refreshed, replayed once, the day goes on.
    control.suites.expireTokens(demoSuite.suiteId);
    control.revokeTokens({ corpid: DEMO_CORP_ID });
    await this.#workday([DEMO_CORP_ID]);
  }

  /** The suite client's own errors, as a caller that logs them would see them: message, stack and JSON. */
  async #clientErrors(): Promise<void> {
    const { suite } = this.#h.suiteTenants();
    const { control } = this.#s;
    const permanentCode = 'aPermanentCodeOfNoInstallAtAll0123456789';
    recordSecret('permanent_code', permanentCode);
    const attempts: (() => Promise<unknown>)[] = [
      () => suite.miniprogram.code2Session('aLoginCodeWeComNeverIssued'),
      () => suite.service.getPermanentCode('anAuthCodeWeComNeverIssued0123456789'),
      () => suite.service.getAuthInfo(DEMO_CORP_ID, permanentCode),
      () => suite.corpClient({ corpId: DEMO_CORP_ID, permanentCode }).user.get('zhangsan'),
      async () => {
        await suite.suiteToken.invalidate(await suite.suiteToken.getToken());
        control.addFault({ path: '/cgi-bin/service/get_suite_token', errcode: 40085, count: 1 });
        return suite.miniprogram.code2Session('anotherCodeWeComNeverIssued');
      },
      async () => {
        control.addFault({ path: '/cgi-bin/service/get_auth_info', malformed: true, count: 1 });
        return suite.service.getAuthInfo(DEMO_CORP_ID, this.#h.suiteTenants().permanentCodeOf(DEMO_CORP_ID));
      },
    ];
    for (const attempt of attempts) {
      try {
        await attempt();
        throw new Error('WeCom accepted what it never issued');
      } catch (error) {
        const wecom = error as WecomError;
        expect(wecom.code, String(error)).toEqual(expect.any(String));
        recordEvidence('error', source, `${String(error)}\n${wecom.stack ?? ''}\n${JSON.stringify(error)}`);
        this.#clientErrorCount += 1;
      } finally {
        control.clearFaults();
      }
      await this.#s.pastTokenBackoff();
    }
  }

  async run(): Promise<void> {
    const s = this.#s;
    // Before WeCom pushed a ticket: logins cannot work yet, and say where tickets come from.
    await this.#operatorViews();
    await this.#session(s.activeMember(DEMO_CORP_ID), DEMO_CORP_ID);
    // The provider sets the instruction callback URL (checked, then a ticket at once); two corps install.
    await s.connect();
    await this.#operatorViews();
    await this.#workday([DEMO_CORP_ID, SUBSIDIARY_CORP_ID]);
    // A member of a corp that has not installed the app is refused.
    await this.#session(s.activeMember(OTHER_CORP_ID), OTHER_CORP_ID);
    // WeCom re-delivers the first create_auth (its acknowledgement got lost): acknowledged, applied once.
    await this.#redeliver(this.#lastDelivery('create_auth'));
    // The partner corp installs while get_permanent_code is failing: applied by the queue's retry.
    let from = this.#h.logLines.length;
    s.control.addFault({ path: '/cgi-bin/service/get_permanent_code', errcode: -1 });
    await s.install(OTHER_CORP_ID);
    await s.applies(from);
    s.control.clearFaults();
    expect(await eventually(() => s.installed(OTHER_CORP_ID), 10_000)).toBe(true);
    await this.#workday([OTHER_CORP_ID]);
    // The day goes on: tickets every ten minutes, a forced one, and tokens that expire and are fetched again.
    for (let hour = 0; hour < 3; hour += 1) {
      await s.advance(20 * 60_000);
      recordSecret('suite_ticket', (await s.control.suites.pushTicket(demoSuite.suiteId)).ticket);
      await this.#redeliver(this.#lastDelivery('suite_ticket'));
      await s.advance(40 * 60_000);
      await this.#workday([DEMO_CORP_ID, SUBSIDIARY_CORP_ID, OTHER_CORP_ID]);
      await this.#operatorViews();
    }
    await this.#faults();
    await this.#clientErrors();
    // The subsidiary's admin changes the authorisation; the subsidiary's permanent code is reset.
    from = this.#h.logLines.length;
    await s.changeAuth(SUBSIDIARY_CORP_ID);
    await this.#redeliver(this.#lastDelivery('change_auth'));
    s.recordIssuedPermanentCodes();
    await s.resetPermanentCode(SUBSIDIARY_CORP_ID);
    const reset = () =>
      s.logsFrom(from).some((line) => line.msg === appliedMessage && line.kind === 'reset_permanent_code');
    expect(await eventually(reset, 10_000)).toBe(true);
    s.recordIssuedPermanentCodes();
    await this.#redeliver(this.#lastDelivery('reset_permanent_code'));
    await this.#workday([SUBSIDIARY_CORP_ID]);
    await this.#hostileInstructions();
    // The partner uninstalls: its sessions end at once, its logins are refused.
    from = this.#h.logLines.length;
    const partner = await this.#session(s.activeMember(OTHER_CORP_ID), OTHER_CORP_ID);
    s.recordIssuedPermanentCodes();
    await s.uninstall(OTHER_CORP_ID);
    await this.#redeliver(this.#lastDelivery('cancel_auth'));
    expect((await this.#call('GET', '/v1/verify', { token: String(partner.body?.accessToken) })).status).toBe(
      401,
    );
    await this.#session(s.activeMember(OTHER_CORP_ID), OTHER_CORP_ID);
    await this.#operatorViews();
    expect(await s.pending(), 'every instruction applied').toBe(0);
  }
}

/**
 * Runs the day on a gateway of its own (the demo suite, SQLite, debug logs, a manual clock kept with the sandbox's)
 * and closes it.
 */
export async function driveSuiteDay(): Promise<SuiteDayReport> {
  const h = await startEvidenceGateway(source, {
    app: 'suite',
    env: { WECOM_TIMEOUT_MS: '1000', LOGIN_RATE_LIMIT: '1000000' },
    clock: 'manual',
    callbackRetryIntervalMs: 300,
  });
  try {
    const day = new SuiteDay(h);
    await day.run();
    return day.report();
  } finally {
    await h.close();
  }
}
