/**
 * The readers of the suite's answers, fed whatever WeCom (or something in front of it) might send: a well-formed
 * answer maps exactly, in every shape, and anything else is a typed client error, never a TypeError or a crash.
 */
import { isWecomError, WecomMalformedResponseError } from '@wecom-auth/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { json } from './scripted-wecom.js';
import { suiteLoginPath, suiteSetup } from './suite-setup.js';

const permanentCodePath = '/cgi-bin/service/get_permanent_code';
const authInfoPath = '/cgi-bin/service/get_auth_info';

/** Any JSON value, and objects that may hold the fields the readers look at, with values of any JSON type. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const objectWith = (keys: readonly string[]) =>
  fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), jsonValue, { maxKeys: 8 });

/** What the client reads: the value as it crossed the wire (JSON has no -0, for one). */
const onTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
const extraKeys = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 10 }).map((key) => `x_${key}`),
  jsonValue,
  { maxKeys: 3 },
);

describe('get_permanent_code answers', () => {
  it('map exactly when well formed, in the full and the simplified shape', async () => {
    const { wecom, suite } = suiteSetup();
    const answer = fc.record(
      {
        errcode: fc.constant(0),
        errmsg: fc.constant('ok'),
        permanent_code: nonEmpty,
        auth_corp_info: fc
          .tuple(fc.record({ corpid: nonEmpty, corp_name: fc.string({ maxLength: 20 }) }), extraKeys)
          .map(([known, extra]) => ({ ...extra, ...known })),
        access_token: fc.string({ maxLength: 20 }),
        expires_in: fc.oneof(fc.integer({ min: -10, max: 100_000 }), fc.constant('7200')),
        auth_info: fc.record({ agent: fc.array(fc.record({ agentid: fc.integer(), name: fc.string() })) }),
        auth_user_info: fc.record({ userid: fc.string(), open_userid: fc.string() }),
        dealer_corp_info: fc.record({ corpid: fc.string() }),
        state: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: ['permanent_code', 'auth_corp_info'] },
    );
    await fc.assert(
      fc.asyncProperty(answer, async (sent) => {
        wecom.queue(permanentCodePath, () => json(sent));
        const payload = onTheWire(sent);
        const install = await suite.service.getPermanentCode('auth-code');
        expect(install.permanentCode).toBe(payload.permanent_code);
        expect(install.corpId).toBe(payload.auth_corp_info.corpid);
        expect(install.corpName).toBe(payload.auth_corp_info.corp_name);
        expect(install.authCorpInfo).toEqual(payload.auth_corp_info);
        expect(install.authInfo).toEqual(payload.auth_info);
        expect(install.authUser).toEqual(payload.auth_user_info);
        expect(install.dealerCorpInfo).toEqual(payload.dealer_corp_info);
        expect(install.state).toBe(payload.state ? payload.state : undefined);
        if (payload.access_token) {
          const stated = Number(payload.expires_in);
          expect(install.corpToken).toEqual({
            token: payload.access_token,
            expiresInSeconds: stated > 0 ? stated : 7200,
          });
        } else {
          expect(install).not.toHaveProperty('corpToken');
        }
      }),
    );
  });

  it('anything else is a typed client error, never a TypeError', async () => {
    const { wecom, suite } = suiteSetup();
    const payload = fc.oneof(
      objectWith(['permanent_code', 'auth_corp_info', 'access_token', 'expires_in', 'auth_info', 'state']),
      fc.record({ permanent_code: jsonValue, auth_corp_info: objectWith(['corpid', 'corp_name']) }),
      jsonValue,
    );
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        wecom.queue(permanentCodePath, () => ({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify(body),
        }));
        const outcome = await suite.service.getPermanentCode('auth-code').then(
          (install) => ({ install }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          expect(isWecomError(outcome.error)).toBe(true);
          return;
        }
        const record = onTheWire(body) as Record<string, unknown>;
        expect(outcome.install.permanentCode).toBe(record.permanent_code);
        expect(outcome.install.corpId).toBe((record.auth_corp_info as Record<string, unknown>).corpid);
        expect(typeof outcome.install.corpName).toBe('string');
      }),
    );
  });
});

describe('get_auth_info answers', () => {
  it('map to the corp asked for unless the answer names one, or are malformed', async () => {
    const { wecom, suite } = suiteSetup();
    const payload = fc.oneof(
      fc.record({ auth_corp_info: objectWith(['corpid', 'corp_name']), auth_info: jsonValue }),
      objectWith(['auth_corp_info', 'auth_info', 'dealer_corp_info']),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (body) => {
        wecom.queue(authInfoPath, () => json(body));
        const outcome = await suite.service.getAuthInfo('wpAsked', 'permanent-code').then(
          (info) => ({ info }),
          (error: unknown) => ({ error }),
        );
        const corpInfo = (onTheWire(body) as Record<string, unknown>).auth_corp_info;
        if ('error' in outcome) {
          expect(isWecomError(outcome.error)).toBe(true);
          return;
        }
        const named = (corpInfo as Record<string, unknown>).corpid;
        expect(outcome.info.corpId).toBe(typeof named === 'string' && named !== '' ? named : 'wpAsked');
        expect(outcome.info.authCorpInfo).toEqual(corpInfo);
        expect(typeof outcome.info.authInfo).toBe('object');
      }),
    );
  });
});

describe('service/miniprogram/jscode2session answers', () => {
  it('map exactly when every field is a non-empty string, else are malformed', async () => {
    const { wecom, suite } = suiteSetup();
    const field = fc.oneof(nonEmpty, fc.constant(''), jsonValue);
    const payload = fc.record(
      { corpid: field, userid: field, open_userid: field, session_key: field },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(payload, extraKeys, async (sent, extra) => {
        wecom.queue(suiteLoginPath, () => json({ ...extra, ...sent }));
        const fields = onTheWire(sent);
        const outcome = await suite.miniprogram.code2Session('code').then(
          (session) => ({ session }),
          (error: unknown) => ({ error }),
        );
        const wellFormed = [fields.corpid, fields.userid, fields.open_userid, fields.session_key].every(
          (value) => typeof value === 'string' && value !== '',
        );
        if (wellFormed) {
          expect(outcome).toEqual({
            session: {
              corpId: fields.corpid,
              userId: fields.userid,
              openUserId: fields.open_userid,
              sessionKey: fields.session_key,
            },
          });
        } else {
          expect(outcome).toEqual({ error: expect.any(WecomMalformedResponseError) });
        }
      }),
    );
  });
});
