/**
 * Garbage in, a clear 4xx out: random methods, paths, headers, queries and bodies over every endpoint never
 * produce a 5xx or a crash, and every error answer has the documented envelope.
 */

import { type GatewayUnderTest, gatewayRoutes, routePaths, startGatewayUnderTest } from '@wecom-auth/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: GatewayUnderTest;
let validToken: string;
/** Every route the gateway documents, and the document itself (which does not list itself). */
let paths: string[];

beforeAll(async () => {
  t = await startGatewayUnderTest({ env: { LOGIN_RATE_LIMIT: '100000', LOG_LEVEL: 'warn' } });
  validToken = (await t.login('zhangsan')).accessToken as string;
  paths = [...routePaths(await gatewayRoutes(t.gateway.url)), '/openapi.json'];
});

afterAll(async () => {
  await t?.close();
});

const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD');
/** Known paths, known paths with a suffix, and random ones. */
function pathAmong(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...known),
    fc
      .tuple(fc.constantFrom(...known), fc.string({ maxLength: 30 }))
      .map(([p, suffix]) => p + encodeURIComponent(suffix)),
    fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
  );
}
const query = fc.option(
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 4 }),
  {
    nil: undefined,
  },
);
const authorization = fc.option(
  fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ maxLength: 300 }).map((s) => `Bearer ${s}`),
    fc.constant('Bearer '),
    fc.constant('VALID'),
    fc
      .tuple(fc.nat({ max: 200 }), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([at, junk]) => `TAMPER:${at}:${junk}`),
  ),
  { nil: undefined },
);
const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/json; charset=utf-16',
    'multipart/form-data',
    '',
  ),
  { nil: undefined },
);
const body = fc.option(
  fc.oneof(
    fc.json().map((j) => j),
    fc.string({ maxLength: 200 }),
    fc
      .record(
        { code: fc.oneof(fc.string({ maxLength: 600 }), fc.integer(), fc.constant(null)) },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
    fc.record({ refreshToken: fc.string({ maxLength: 600 }) }).map((o) => JSON.stringify(o)),
    fc
      .record({ encryptedData: fc.base64String({ maxLength: 400 }), iv: fc.base64String({ maxLength: 40 }) })
      .map((o) => JSON.stringify(o)),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  ),
  { nil: undefined },
);

function resolveAuthorization(value: string | undefined): string | undefined {
  if (value === 'VALID') return `Bearer ${validToken}`;
  const tamper = value ? /^TAMPER:(\d+):(.*)$/s.exec(value) : null;
  if (tamper) {
    const at = Number(tamper[1]) % validToken.length;
    return `Bearer ${validToken.slice(0, at)}${tamper[2]}${validToken.slice(at + 1)}`;
  }
  return value;
}

describe('fuzzing every endpoint', () => {
  it('never answers 5xx, and every error has the stable envelope', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        pathAmong(paths),
        query,
        authorization,
        contentType,
        body,
        async (m, p, q, auth, type, payload) => {
          const headers: Record<string, string> = {};
          const resolved = resolveAuthorization(auth);
          if (resolved !== undefined) headers.authorization = resolved;
          if (type !== undefined) headers['content-type'] = type;
          const response = await t.gateway.app.inject({
            method: m as 'GET',
            url: p,
            ...(q ? { query: q } : {}),
            headers,
            ...(payload !== undefined && m !== 'GET' && m !== 'HEAD' ? { payload } : {}),
          });
          expect(response.statusCode, `${m} ${p} → ${response.body}`).toBeLessThan(500);
          if (response.statusCode >= 400 && m !== 'HEAD') {
            const parsed = JSON.parse(response.body) as Record<string, unknown>;
            expect(parsed).toMatchObject({
              error: expect.stringMatching(/^[a-z_]+$/),
              message: expect.any(String),
              requestId: expect.any(String),
            });
          }
        },
      ),
      { numRuns: 400 },
    );
    // Still serving. (A fuzzed `DELETE /v1/sessions/current` may have logged the first token out, legitimately.)
    const fresh = (await t.login('zhangsan')).accessToken as string;
    expect((await t.call('GET', '/v1/verify', { token: fresh })).status).toBe(204);
  }, 120_000);
});
