/**
 * fast-check arbitraries of HTTP requests to the gateway: every route it documents, unknown paths and methods, odd
 * encodings, lying content types, absent/huge/duplicate/tampered authorization, bad JSON, wrong types, deep nesting,
 * bodies up to and over the body limit, and a share of well-formed requests (fresh codes, live tokens, signed
 * callbacks) so the success paths run too. Requests are described as data; `fuzz-volume.test.ts` resolves the
 * placeholders (a live token, a fresh code) at send time, because a code must be minted just before its use.
 */
import fc from 'fast-check';

/** Documented routes whose answers are large: drawn rarely, so the evidence of 10,000 answers stays small. */
const heavyDocumentedPaths: ReadonlySet<string> = new Set(['/metrics']);

/** The OpenAPI document and the documentation UI, which the document does not list: large answers too. */
const documentationPaths = ['/openapi.json', '/docs', '/docs/static/index.html', '/docs/json'] as const;

/** The gateway's body limit (app.ts). */
export const bodyLimitBytes = 128 * 1024;

/** What to put in the Authorization header; the placeholders are resolved against live sessions when sent. */
export type AuthorizationSpec =
  | { readonly kind: 'absent' }
  | { readonly kind: 'raw'; readonly value: string }
  | { readonly kind: 'valid' }
  | { readonly kind: 'tampered'; readonly at: number; readonly junk: string }
  | { readonly kind: 'duplicate'; readonly second: string };

export type BodySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'text'; readonly text: string }
  /** `{ refreshToken: <a live refresh token> }`. */
  | { readonly kind: 'live-refresh-token' }
  /** `{ code: <a fresh wx.qy.login code> }`. */
  | { readonly kind: 'fresh-code' }
  /** `{ encryptedData, iv }` sealed with the live session's key. */
  | { readonly kind: 'live-encrypted' };

/** A fuzzed request; `wellFormed` ones expect a 2xx (unless a fuzzed logout revoked their session first). */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly contentType: string | undefined;
  readonly authorization: AuthorizationSpec;
  readonly body: BodySpec;
  /** Set for the signed callbacks: the test seals them when sending. */
  readonly callback?: 'verify-url' | 'event';
  readonly wellFormed: boolean;
}

const method = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'PATCH', 'OPTIONS', 'HEAD') },
  // Methods Node's HTTP parser knows but no route serves, and tokens it refuses itself (`FOO`, `get`), which the
  // gateway answers from its client-error handler.
  { weight: 1, arbitrary: fc.constantFrom('PROPFIND', 'PURGE', 'MKCOL', 'SEARCH', 'QUERY', 'FOO', 'get') },
);

/**
 * Paths whose percent-encoding does not decode (a lone `%`, a non-hex escape, bytes that are not UTF-8). The router
 * refuses them before any route runs; the gateway answers them from its framework-error handler.
 */
export const undecodablePaths = ['/v1/me/%', '/v1/verify/%ZZ', '/v1/sessions/%C0%AF', '/%E4%BD'] as const;

/** Segments that stress URL parsing: encoded separators and dots, NUL, double encoding, unicode. */
const oddSegment = fc.oneof(
  fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.constantFrom('%00', '%2F', '%2e%2e', '%E4%BD%A0', '..', '.', '', ';x=1', '%252F', '~', '%25'),
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => encodeURIComponent(s)),
);

/** Ways of spelling a known route that a router may or may not take for it. */
const routeVariants: Readonly<Record<string, (path: string, at: number) => string>> = {
  encode: (p, at) => {
    const index = 1 + (at % (p.length - 1));
    return `${p.slice(0, index)}%${p.charCodeAt(index).toString(16).padStart(2, '0')}${p.slice(index + 1)}`;
  },
  'double-slash': (p) => p.replace('/', '//'),
  trailing: (p) => `${p}/`,
  upper: (p) => p.toUpperCase(),
};

/** Paths around the routes the gateway documents (`documented`, from its OpenAPI document). */
function pathAround(documented: readonly string[]): fc.Arbitrary<string> {
  const knownPaths = documented.filter((path) => !heavyDocumentedPaths.has(path));
  const heavyPaths = [...documented.filter((path) => heavyDocumentedPaths.has(path)), ...documentationPaths];
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...knownPaths) },
    { weight: 1, arbitrary: fc.constantFrom(...heavyPaths) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...knownPaths), fc.constantFrom('/', ''), oddSegment)
        .map(([known, separator, suffix]) => `${known}${separator}${suffix}`),
    },
    {
      weight: 2,
      // Known routes with one character percent-encoded, doubled slashes, a trailing slash or another case.
      arbitrary: fc
        .tuple(fc.constantFrom(...knownPaths), fc.nat(), fc.constantFrom(...Object.keys(routeVariants)))
        .map(([known, at, how]) => (routeVariants[how] ?? ((p: string) => p))(known, at)),
    },
    { weight: 2, arbitrary: fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)) },
    { weight: 1, arbitrary: fc.nat({ max: 6_000 }).map((n) => `/v1/${'a'.repeat(n)}`) },
    { weight: 1, arbitrary: fc.constantFrom(...undecodablePaths) },
  );
}

const query = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 4 })
      .map((entries) => `?${new URLSearchParams(entries).toString()}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?',
      '?&&&',
      '?a=%',
      '?a=%ZZ',
      '?msg_signature=&timestamp=&nonce=&echostr=',
      '?timestamp=99999999999999999999',
      `?x=${'y'.repeat(2_000)}`,
      '?a[b][c]=1&a[b][c]=2',
      '?__proto__[polluted]=1',
    ),
  },
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/jsonx',
      'application/xml',
      'text/xml',
      'application/octet-stream',
      '',
      ';;;',
      'application/json, text/plain',
    ),
  },
);

const authorization: fc.Arbitrary<AuthorizationSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'absent' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'valid' as const }) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ maxLength: 300 }).map((s) => `Bearer ${s}`),
        fc.constantFrom('Bearer ', 'Bearer', 'bearer x.y.z', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c.d.e'),
        // Huge, yet with the longest path and query still under Node's 16 KiB limit, so the gateway sees it.
        fc.nat({ max: 7_000 }).map((n) => `Bearer ${'A'.repeat(n)}`),
        fc
          .array(fc.base64String({ minLength: 4, maxLength: 200 }), { minLength: 3, maxLength: 3 })
          .map((parts) => `Bearer ${parts.join('.')}`),
      )
      .map((value) => ({ kind: 'raw' as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat({ max: 1_000 }), fc.string({ minLength: 1, maxLength: 3 }))
      .map(([at, junk]) => ({ kind: 'tampered' as const, at, junk })),
  },
  {
    weight: 1,
    arbitrary: fc.string({ maxLength: 60 }).map((second) => ({ kind: 'duplicate' as const, second })),
  },
);

/** JSON nested `depth` levels deep, arrays or objects. */
function nested(depth: number, asObject: boolean): string {
  return asObject
    ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

const wrongTypes = fc.constantFrom(
  '{"code":123}',
  '{"code":null}',
  '{"code":["a"]}',
  '{"code":{"$gt":""}}',
  '{"code":"x","extra":1}',
  '{"refreshToken":true}',
  '{"encryptedData":1,"iv":2}',
  '{"encryptedData":"","iv":""}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '[]',
  '"code"',
  'null',
  '0',
);

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 6,
    arbitrary: fc
      .oneof(
        fc.json({ maxDepth: 4 }),
        fc.string({ maxLength: 200 }),
        wrongTypes,
        fc.record({ code: fc.string({ maxLength: 600 }) }).map((o) => JSON.stringify(o)),
        fc.record({ refreshToken: fc.string({ maxLength: 600 }) }).map((o) => JSON.stringify(o)),
        fc
          .record({
            encryptedData: fc.base64String({ maxLength: 400 }),
            iv: fc.base64String({ maxLength: 40 }),
          })
          .map((o) => JSON.stringify(o)),
        fc.constantFrom('{', '{"code":', '{"code":"x"', '\u0000', '\ufeff{}', '{"a":1}{"b":2}', 'NaN'),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        fc
          .tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean())
          .map(([depth, asObject]) => nested(depth, asObject)),
        // Within the limit, and over it.
        fc
          .integer({ min: 1_000, max: bodyLimitBytes - 100 })
          .map((n) => JSON.stringify({ code: 'c'.repeat(n) })),
        fc.integer({ min: bodyLimitBytes + 1, max: 2 * bodyLimitBytes }).map((n) => 'x'.repeat(n)),
      )
      .map((text) => ({ kind: 'text' as const, text })),
  },
);

/** Requests the API documents as valid, with the placeholders resolved at send time. */
const wellFormed: fc.Arbitrary<FuzzRequest> = fc.constantFrom<FuzzRequest>(
  ...(
    [
      ['POST', '/v1/sessions', 'application/json', { kind: 'absent' }, { kind: 'fresh-code' }],
      ['GET', '/v1/verify', undefined, { kind: 'valid' }, { kind: 'none' }],
      ['GET', '/v1/me', undefined, { kind: 'valid' }, { kind: 'none' }],
      [
        'POST',
        '/v1/sessions/refresh',
        'application/json',
        { kind: 'absent' },
        { kind: 'live-refresh-token' },
      ],
      ['POST', '/v1/me/decrypt', 'application/json', { kind: 'valid' }, { kind: 'live-encrypted' }],
      ['DELETE', '/v1/sessions/current', undefined, { kind: 'valid' }, { kind: 'none' }],
      ['GET', '/.well-known/jwks.json', undefined, { kind: 'absent' }, { kind: 'none' }],
      ['GET', '/healthz', undefined, { kind: 'absent' }, { kind: 'none' }],
      ['GET', '/readyz', undefined, { kind: 'absent' }, { kind: 'none' }],
    ] as const
  ).map(
    ([m, p, type, auth, payload]): FuzzRequest => ({
      method: m,
      path: p,
      query: '',
      contentType: type,
      authorization: auth,
      body: payload,
      wellFormed: true,
    }),
  ),
  {
    method: 'GET',
    path: '/v1/callback',
    query: '',
    contentType: undefined,
    authorization: { kind: 'absent' },
    body: { kind: 'none' },
    callback: 'verify-url',
    wellFormed: true,
  },
  {
    method: 'POST',
    path: '/v1/callback',
    query: '',
    contentType: 'text/xml',
    authorization: { kind: 'absent' },
    body: { kind: 'none' },
    callback: 'event',
    wellFormed: true,
  },
);

/**
 * Fuzzed requests around the routes the gateway documents (`documentedPaths`, from its OpenAPI document): garbage
 * mostly; about one request in six is well-formed.
 */
export function fuzzRequests(documentedPaths: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const garbage: fc.Arbitrary<FuzzRequest> = fc
    .record({ method, path: pathAround(documentedPaths), query, contentType, authorization, body })
    .map((request) => ({ ...request, wellFormed: false }));
  return fc.oneof({ weight: 5, arbitrary: garbage }, { weight: 1, arbitrary: wellFormed });
}
