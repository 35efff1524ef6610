/**
 * No secret of a suite leaves the client: the suite secret, tickets, permanent and auth codes, suite and corp tokens
 * and session keys appear in no error message, stack, `toString`, JSON or inspection, and in no log line, whatever
 * path the error took.
 */
import { inspect } from 'node:util';
import { createSuiteClient, WecomError } from '@wecom-auth/api';
import { describe, expect, it } from 'vitest';
import { createScriptedWecom, json, type ScriptedInstall, scriptedSuite } from './scripted-wecom.js';
import { corpTokenPath, suiteLoginPath, suiteSetup, suiteTokenPath } from './suite-setup.js';

const [corpA, corpB] = scriptedSuite.corps as [ScriptedInstall, ScriptedInstall];
const sessionKey = 'scripted-session-key-0000000001';
const staleTicket = 'stale-ticket-secret-value-0001';
const wrongSecret = 'wrong-suite-secret-value-0001';
const oldPermanentCode = 'old-permanent-code-secret-0001';

describe('suite secrets', () => {
  it('appear in no error (message, stack, toString, JSON, inspection) and no log line', async () => {
    const wecom = createScriptedWecom();
    const { suite, ticket, clock, logLines } = suiteSetup({ wecom });
    const errors: unknown[] = [];
    const failing = async (call: () => Promise<unknown>) => {
      errors.push(
        await call().then(
          () => new Error('expected a failure'),
          (e: unknown) => e,
        ),
      );
    };

    // Successes, whose answers carry the secrets.
    await suite.miniprogram.code2Session('js-code-success');
    const install = await suite.service.getPermanentCode(corpA.authCode);
    await suite.corpClient(install).user.get('zhangsan');
    await suite.service.getAuthInfo(corpA.corpId, corpA.permanentCode);

    // Refused tokens, replayed and given up on.
    wecom.queue(suiteLoginPath, () => json({ errcode: 42009, errmsg: 'suite_access_token expired' }));
    await suite.miniprogram.code2Session('js-code-replayed');
    const refused = () => json({ errcode: 40082, errmsg: 'invalid suite_acccess_token, hint: [x]' });
    wecom.queue(suiteLoginPath, refused, refused);
    await failing(() => suite.miniprogram.code2Session('js-code-refused'));
    wecom.queue('/cgi-bin/user/get', () => json({ errcode: 40014, errmsg: 'invalid access_token' }));
    await suite.corpClient(install).user.get('zhangsan');

    // The login's own failures, one of them an answer holding a session key but no open_userid.
    wecom.queue(suiteLoginPath, () => json({ errcode: 40029, errmsg: 'invalid code' }));
    await failing(() => suite.miniprogram.code2Session('js-code-spent'));
    wecom.queue(suiteLoginPath, () => json({ corpid: corpA.corpId, userid: 'u', session_key: sessionKey }));
    await failing(() => suite.miniprogram.code2Session('js-code-malformed'));

    // Installs: a spent auth code, authorisation gone, a timed-out corp token.
    await failing(() => suite.service.getPermanentCode(corpA.authCode));
    wecom.suite.cancelled.add(corpB.corpId);
    await failing(() => suite.corpClient({ ...corpB }).user.get('zhangsan'));
    await failing(() =>
      suite.corpClient({ corpId: corpA.corpId, permanentCode: oldPermanentCode }).user.get('u'),
    );
    await failing(() => suite.service.getAuthInfo(corpB.corpId, corpB.permanentCode));
    wecom.queue(corpTokenPath, () => ({
      status: 502,
      contentType: 'text/html',
      body: '<html>bad gateway</html>',
    }));
    wecom.queue(corpTokenPath, () => ({
      status: 502,
      contentType: 'text/html',
      body: '<html>bad gateway</html>',
    }));
    wecom.queue(corpTokenPath, () => ({
      status: 502,
      contentType: 'text/html',
      body: '<html>bad gateway</html>',
    }));
    await failing(() =>
      suite.corpClient({ corpId: corpA.corpId, permanentCode: `${corpA.permanentCode}-x` }).user.get('u'),
    );

    // Tickets: none, a stale one refused, and a wrong secret.
    clock.advance(7300_000);
    ticket.value = undefined;
    await failing(() => suite.miniprogram.code2Session('js-code-no-ticket'));
    clock.advance(60_000);
    ticket.value = staleTicket;
    await failing(() => suite.miniprogram.code2Session('js-code-stale-ticket'));
    const log = (object: Record<string, unknown>, message: string): void => {
      logLines.push(JSON.stringify({ message, ...object }));
    };
    const misconfigured = createSuiteClient({
      suiteId: scriptedSuite.suiteId,
      suiteSecret: wrongSecret,
      tickets: { current: async () => scriptedSuite.suiteTicket },
      transport: wecom.transport,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    await failing(() => misconfigured.miniprogram.code2Session('js-code-wrong-secret'));

    expect(errors.length).toBe(11);
    expect(errors.every((e) => e instanceof WecomError)).toBe(true);
    expect(new Set(errors.map((e) => (e as WecomError).code))).toEqual(
      new Set([
        'access_token_invalid',
        'invalid_code',
        'malformed_response',
        'wecom_api_error',
        'authorization_gone',
        'http_status',
        'suite_ticket_missing',
        'configuration',
      ]),
    );
    expect(logLines.some((line) => line.includes('token refused; replaying once'))).toBe(true);
    expect(logLines.some((line) => line.includes('token fetch failed'))).toBe(true);

    const secrets = [
      scriptedSuite.suiteSecret,
      wrongSecret,
      scriptedSuite.suiteTicket,
      staleTicket,
      corpA.permanentCode,
      corpB.permanentCode,
      oldPermanentCode,
      corpA.authCode,
      sessionKey,
      'js-code-',
      wecom.latestSuiteToken(),
      'suite-token-1',
      'corp-token-',
    ];
    const texts = [
      ...errors.flatMap((e) => [
        String((e as Error).message),
        String((e as Error).stack),
        String(e),
        JSON.stringify(e),
        inspect(e, { depth: 5 }),
      ]),
      ...logLines,
    ];
    for (const text of texts) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(wecom.count(suiteTokenPath)).toBeGreaterThan(2);
  });
});
