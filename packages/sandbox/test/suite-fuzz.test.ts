/** Property tests of the suite control inputs and the suite APIs: garbage gets a clear 4xx or an errcode, never 5xx. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSandboxApp, DEMO_CORP_ID, demoSuite, OTHER_CORP_ID } from '../src/index.js';

const SUITE = demoSuite.suiteId;
const STABLE_ERRORS = new Set([
  'invalid_request',
  'invalid_json',
  'not_found',
  'unknown_suite',
  'unknown_corp',
  'unknown_user',
  'not_installed',
  'already_installed',
  'callback_verification_failed',
  'invalid_pre_auth_code',
  'bad_request',
  'fst_err_ctp_body_too_large',
]);

// Well-formed percent-encoding only: a malformed URL is refused by the HTTP layer before any route (fuzz.test.ts).
const segment = fc.oneof(
  fc.constantFrom(SUITE, DEMO_CORP_ID, OTHER_CORP_ID, 'wwnobody00000000', '', '%E4%B8%AD', '..', 'a%20b'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const controlPath = fc.oneof(
  fc.constant('/__sandbox/suites'),
  segment.map((suite) => `/__sandbox/suites/${suite}/callback`),
  segment.map((suite) => `/__sandbox/suites/${suite}/ticket`),
  segment.map((suite) => `/__sandbox/suites/${suite}/installs`),
  segment.map((suite) => `/__sandbox/suites/${suite}/tokens/expire`),
  fc.tuple(segment, segment).map(([suite, corp]) => `/__sandbox/suites/${suite}/installs/${corp}`),
  fc.tuple(segment, segment).map(([suite, corp]) => `/__sandbox/suites/${suite}/installs/${corp}/change`),
  fc
    .tuple(segment, segment)
    .map(([suite, corp]) => `/__sandbox/suites/${suite}/installs/${corp}/reset-permanent-code`),
);
// Callback URLs point nowhere reachable (a refused port) or are not URLs: a property run must not wait on a network.
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 12 }), fc.string({ maxLength: 8 })), { maxLength: 4 }),
  fc.constantFrom(
    'http://127.0.0.1:1/cb',
    'ftp://127.0.0.1/x',
    'not a url',
    DEMO_CORP_ID,
    OTHER_CORP_ID,
    'zhangsan',
  ),
);
const fieldName = fc.constantFrom(
  'url',
  'verify',
  'corpid',
  'state',
  'userid',
  'preAuthCode',
  'allowParty',
  'allowUser',
  'cursor',
  'limit',
  'status',
  'extra',
);
const controlBody = fc.oneof(
  fc.dictionary(fieldName, anyValue, { maxKeys: 5 }).map((value) => JSON.stringify(value)),
  fc.json({ maxDepth: 2 }),
  fc.string({ maxLength: 60 }),
  fc.constant(''),
);
const method = fc.constantFrom<('GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH')[]>(
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
);

describe('suite control API robustness', () => {
  it('never answers 5xx, and every 4xx names a stable error code', async () => {
    const app = buildSandboxApp({ seed: 1, suites: [demoSuite] });
    await fc.assert(
      fc.asyncProperty(
        method,
        controlPath,
        controlBody,
        fc.string({ maxLength: 30 }),
        async (m, path, body, query) => {
          const res = await app.inject({
            method: m,
            url: `${path}?${query}`,
            ...(m === 'GET' || m === 'DELETE'
              ? {}
              : { payload: body, headers: { 'content-type': 'application/json' } }),
          });
          expect(res.statusCode, `${m} ${path} ${body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const answer = res.json<{ error: string; message: string }>();
            expect(STABLE_ERRORS.has(answer.error), answer.error).toBe(true);
            expect(answer.message).toEqual(expect.any(String));
          }
        },
      ),
      { numRuns: 400, seed: 20_261_206 },
    );
    // The demo installs survive or are restored by a reset; the sandbox still answers.
    app.sandboxControl.reset();
    expect(app.sandboxControl.suites.list()[0]?.installCount.active).toBe(2);
    await app.close();
  });

  it('an install input is installed, or refused with the code that says why', async () => {
    const app = buildSandboxApp({ seed: 2, suites: [demoSuite] });
    const input = fc.record(
      {
        corpid: fc.constantFrom(OTHER_CORP_ID, DEMO_CORP_ID, 'wwnobody00000000', '', 'x y'),
        state: fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), fc.string({ maxLength: 10 })),
        userid: fc.constantFrom('qianduoduo', 'zhoujie', 'nobody', '', '-bad'),
        preAuthCode: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(input, async (body) => {
        const res = await app.inject({
          method: 'POST',
          url: `/__sandbox/suites/${SUITE}/installs`,
          payload: body,
        });
        const answer = res.json<Record<string, unknown>>();
        if (res.statusCode === 200) {
          expect(answer).toMatchObject({
            corpid: body.corpid,
            authCode: expect.stringMatching(/^[\w-]{64}$/),
          });
          const removed = await app.inject({
            method: 'DELETE',
            url: `/__sandbox/suites/${SUITE}/installs/${body.corpid}`,
          });
          expect(removed.statusCode).toBe(200);
          return;
        }
        const expected =
          body.corpid === undefined ||
          !/^[A-Za-z0-9]+$/.test(body.corpid) ||
          (body.state !== undefined && !/^[A-Za-z0-9]{1,128}$/.test(body.state))
            ? ['invalid_request']
            : body.corpid === DEMO_CORP_ID
              ? ['already_installed', 'invalid_request', 'unknown_user', 'invalid_pre_auth_code']
              : ['invalid_request', 'unknown_corp', 'unknown_user', 'invalid_pre_auth_code'];
        expect(expected).toContain(answer.error);
        expect(res.statusCode).toBe(
          {
            invalid_request: 400,
            invalid_pre_auth_code: 400,
            unknown_corp: 404,
            unknown_user: 404,
            already_installed: 409,
          }[String(answer.error)],
        );
      }),
      { numRuns: 200, seed: 7 },
    );
    await app.close();
  });

  it('the installs listing takes any query and pages consistently', async () => {
    const app = buildSandboxApp({ seed: 3, suites: [demoSuite] });
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            cursor: fc.oneof(fc.constantFrom('', '0', '1', '2', 'zz'), fc.string({ maxLength: 6 })),
            limit: fc.oneof(fc.integer({ min: -5, max: 20_000 }).map(String), fc.string({ maxLength: 4 })),
            status: fc.constantFrom('active', 'cancelled', 'all', 'bogus'),
          },
          { requiredKeys: [] },
        ),
        async (query) => {
          const search = new URLSearchParams(query).toString();
          const res = await app.inject({ url: `/__sandbox/suites/${SUITE}/installs?${search}` });
          if (res.statusCode === 400) {
            expect(res.json<{ error: string }>().error).toBe('invalid_request');
            return;
          }
          expect(res.statusCode).toBe(200);
          const page = res.json<{ installs: { corpid: string; status: string }[]; nextCursor: string }>();
          const limit = Number(query.limit ?? 1000);
          expect(page.installs.length).toBeLessThanOrEqual(limit);
          for (const install of page.installs) {
            if (query.status === 'cancelled') expect(install.status).toBe('cancelled');
            if (query.status === undefined || query.status === 'active')
              expect(install.status).toBe('active');
          }
        },
      ),
      { numRuns: 200, seed: 11 },
    );
    await app.close();
  });

  it('the suite APIs answer garbage with an errcode, as WeCom does', async () => {
    const app = buildSandboxApp({ seed: 4, suites: [demoSuite] });
    const paths = [
      '/cgi-bin/service/get_suite_token',
      '/cgi-bin/service/get_pre_auth_code',
      '/cgi-bin/service/set_session_info',
      '/cgi-bin/service/get_permanent_code',
      '/cgi-bin/service/v2/get_permanent_code',
      '/cgi-bin/service/get_auth_info',
      '/cgi-bin/service/get_corp_token',
      '/cgi-bin/service/miniprogram/jscode2session',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom<('GET' | 'POST')[]>('GET', 'POST'),
        fc.oneof(
          fc.json({ maxDepth: 3 }),
          fc.string({ maxLength: 100 }),
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        ),
        fc.string({ maxLength: 40 }).map(encodeURIComponent),
        async (path, m, body, token) => {
          const res = await app.inject({
            method: m,
            url: `${path}?suite_access_token=${token}&js_code=${token}`,
            ...(m === 'POST' ? { payload: body, headers: { 'content-type': 'application/json' } } : {}),
          });
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
          expect(res.json<{ errcode: number }>().errcode).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300, seed: 13 },
    );
    await app.close();
  });
});
