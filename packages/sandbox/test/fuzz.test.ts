import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSandboxApp } from '../src/index.js';

const API_PATHS = [
  '/cgi-bin/gettoken',
  '/cgi-bin/miniprogram/jscode2session',
  '/cgi-bin/user/get',
  '/cgi-bin/user/convert_to_openid',
  '/cgi-bin/user/list_id',
  '/cgi-bin/batch/userid_to_openuserid',
  '/cgi-bin/department/list',
  '/cgi-bin/department/simplelist',
  '/cgi-bin/department/get',
  '/cgi-bin/auth/getuserinfo',
];
const CONTROL_PATHS = [
  '/__sandbox/login',
  '/__sandbox/oauth-code',
  '/__sandbox/faults',
  '/__sandbox/faults/fault_1',
  '/__sandbox/clock',
  '/__sandbox/tokens/expire',
  '/__sandbox/tokens/revoke',
  '/__sandbox/calls',
  '/__sandbox/encrypt',
  '/__sandbox/directory',
];

// Raw percent-escapes (valid, truncated and non-UTF-8) mixed with ordinary text.
const queryPiece = fc.oneof(
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom(
    '%',
    '%ZZ',
    '%FF%FE',
    '%E4%B8',
    '%00',
    '&&',
    '==',
    '+',
    '[]',
    'access_token',
    'corpid',
    'userid',
    'id',
  ),
  fc.integer().map(String),
);
const queryString = fc
  .array(fc.tuple(queryPiece, queryPiece), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(''),
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=gbk',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  '*/*',
);
const path = fc.oneof(
  fc.constantFrom(...API_PATHS, ...CONTROL_PATHS),
  fc.string({ maxLength: 40 }).map((s) => `/cgi-bin/${encodeURIComponent(s)}`),
  fc.string({ maxLength: 40 }).map((s) => `/__sandbox/${encodeURIComponent(s)}`),
  fc.constantFrom('/cgi-bin/', '/cgi-bin//user/get', '/__sandbox', '/cgi-bin/user/get/', '/avatars/%FF.svg'),
);
const method = fc.constantFrom<('GET' | 'POST' | 'DELETE' | 'PUT' | 'HEAD' | 'OPTIONS')[]>(
  'GET',
  'POST',
  'DELETE',
  'PUT',
  'HEAD',
  'OPTIONS',
);

describe('robustness', () => {
  it('never answers 5xx to random paths, queries, bodies and content types', async () => {
    const app = buildSandboxApp({ seed: 1 });
    const token = (
      await app.inject({ url: '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me' })
    ).json<{ access_token: string }>().access_token;
    await fc.assert(
      fc.asyncProperty(
        method,
        path,
        queryString,
        fc.boolean(),
        body,
        contentType,
        async (m, p, q, withToken, payload, type) => {
          const query = withToken ? `access_token=${token}&${q}` : q;
          const sendsBody = m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS';
          const res = await app.inject({
            method: m,
            url: `${p}?${query}`,
            ...(sendsBody
              ? {
                  payload:
                    typeof payload === 'string' || Buffer.isBuffer(payload)
                      ? payload
                      : JSON.stringify(payload),
                }
              : {}),
            headers: type === undefined ? {} : { 'content-type': type },
          });
          expect(res.statusCode).toBeLessThan(500);
          if (p.startsWith('/cgi-bin/') && res.statusCode === 200 && m !== 'HEAD') {
            expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
            expect(typeof res.json<{ errcode: unknown }>().errcode).toBe('number');
          }
        },
      ),
      { numRuns: 300, seed: 20_261_123 },
    );
    // The sandbox still works after the barrage.
    app.sandboxControl.reset();
    const ok = await app.inject({
      url: '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me',
    });
    expect(ok.json<{ errcode: number }>().errcode).toBe(0);
  });

  it('survives huge parameter values', async () => {
    const app = buildSandboxApp();
    const huge = 'x'.repeat(60_000);
    for (const url of [
      `/cgi-bin/gettoken?corpid=${huge}&corpsecret=${huge}`,
      `/cgi-bin/user/get?access_token=${huge}&userid=${huge}`,
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(huge);
    }
    const big = await app.inject({
      method: 'POST',
      url: '/__sandbox/login',
      payload: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(big.statusCode).toBe(413);
  });
});
