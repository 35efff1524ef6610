/**
 * The OpenAPI document tells the truth: every operation it lists, called to succeed and to fail, answers with a
 * status the document gives that operation and a body its schema for that status accepts. Generated clients are
 * built from this document, so an undocumented status or a body off its schema breaks them.
 */

import {
  type GatewayUnderTest,
  gatewayRoutes,
  type JsonAnswer,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface DocumentedResponse {
  readonly description?: string;
  readonly content?: Record<string, { readonly schema?: Record<string, unknown> }>;
}
interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { readonly responses?: Record<string, DocumentedResponse> }>>;
  readonly components: { readonly schemas?: Record<string, Record<string, unknown>> };
}
/** One call of an operation: what to send, given a fresh logged-in session. */
type Call = (session: { accessToken: string; refreshToken: string }) => {
  body?: unknown;
  token?: string;
};

let t: GatewayUnderTest;
let document: OpenApiDocument;
const ajv = new Ajv({ allErrors: true });

beforeAll(async () => {
  t = await startGatewayUnderTest({ env: { LOGIN_RATE_LIMIT: '100000', LOG_LEVEL: 'warn' } });
  document = (await t.call('GET', '/openapi.json')).body as unknown as OpenApiDocument;
});

afterAll(async () => {
  await t?.close();
});

/** Each operation's typical success, and its typical failure where a caller can cause one. */
const calls: Record<string, { success: Call; failure?: Call }> = {
  'POST /v1/sessions': { success: () => ({ body: { code: t.code('lisi') } }), failure: () => ({ body: {} }) },
  'POST /v1/sessions/refresh': {
    success: ({ refreshToken }) => ({ body: { refreshToken } }),
    failure: () => ({ body: { refreshToken: 'not-a-refresh-token' } }),
  },
  'DELETE /v1/sessions/current': {
    success: ({ accessToken }) => ({ token: accessToken }),
    failure: () => ({}),
  },
  'GET /v1/verify': { success: ({ accessToken }) => ({ token: accessToken }), failure: () => ({}) },
  'GET /v1/me': { success: ({ accessToken }) => ({ token: accessToken }), failure: () => ({}) },
  'POST /v1/me/decrypt': {
    success: ({ accessToken }) => {
      const { encryptedData, iv } = t.sandbox.control.encrypt({ userid: 'zhangsan', kind: 'mobile' });
      return { token: accessToken, body: { encryptedData, iv } };
    },
    failure: ({ accessToken }) => ({ token: accessToken, body: { encryptedData: 'AAAA', iv: 'AAAA' } }),
  },
  'GET /.well-known/jwks.json': { success: () => ({}) },
  'GET /healthz': { success: () => ({}) },
  'GET /readyz': { success: () => ({}) },
  'GET /metrics': { success: () => ({}) },
};

/** The documented response of `operation` for `status`; fails the test when there is none. */
function documentedResponse(operation: string, status: number): DocumentedResponse {
  const [method = '', path = ''] = operation.split(' ');
  const responses = document.paths[path]?.[method.toLowerCase()]?.responses ?? {};
  expect(Object.keys(responses), `${operation} documents ${status}`).toContain(String(status));
  return responses[String(status)] as DocumentedResponse;
}

/** Checks the answer's body against the documented schema of its status and content type. */
function expectConformingBody(operation: string, answer: JsonAnswer): void {
  const documented = documentedResponse(operation, answer.status);
  if (documented.content === undefined) {
    expect(answer.text, `${operation} ${answer.status} has no body`).toBe('');
    return;
  }
  const contentType = answer.headers.get('content-type')?.split(';')[0] ?? '';
  const media = documented.content[contentType];
  expect(media, `${operation} ${answer.status} documents ${contentType}`).toBeDefined();
  const body = contentType === 'application/json' ? (JSON.parse(answer.text) as unknown) : answer.text;
  // The schema's references are to the document's components: validate it as a part of the document.
  const validate = ajv.compile({ ...media?.schema, components: document.components });
  expect(validate(body) ? [] : validate.errors, `${operation} ${answer.status} body`).toEqual([]);
}

describe('the OpenAPI document', () => {
  it('lists the operations called here, and only those', async () => {
    const operations = (await gatewayRoutes(t.gateway.url)).map((route) => `${route.method} ${route.path}`);
    expect(operations.sort()).toEqual(Object.keys(calls).sort());
  });

  it('defines the error body once and every error answer references it', () => {
    expect(Object.keys(document.components.schemas ?? {})).toEqual(['ErrorBody']);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, { responses = {} }] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(responses)) {
          if (Number(status) < 400 || path === '/readyz') continue;
          expect(response.content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({
            $ref: '#/components/schemas/ErrorBody',
          });
        }
      }
    }
  });

  it('documents the answers without a body as such', () => {
    for (const operation of ['DELETE /v1/sessions/current', 'GET /v1/verify']) {
      expect(documentedResponse(operation, 204).content, operation).toBeUndefined();
      expect(documentedResponse(operation, 401).content, operation).toBeDefined();
    }
  });

  it.each(Object.keys(calls))('documents what %s answers', async (operation) => {
    const [method = '', path = ''] = operation.split(' ');
    const { success, failure } = calls[operation] ?? { success: () => ({}) };
    const session = (await t.login('zhangsan')) as { accessToken: string; refreshToken: string };
    const succeeded = await t.call(method, path, success(session));
    expect(succeeded.status, `${operation} succeeds`).toBeLessThan(300);
    expectConformingBody(operation, succeeded);
    if (failure) {
      const failed = await t.call(method, path, failure(session));
      expect(failed.status, `${operation} fails`).toBeGreaterThanOrEqual(400);
      expectConformingBody(operation, failed);
    }
  });
});

describe('/docs', () => {
  it("shows the product's name and the document at /openapi.json", async () => {
    const page = await (await fetch(`${t.gateway.url}/docs/static/index.html`)).text();
    expect(page).toContain('<title>WeCom Auth gateway</title>');
    const initializer = await (await fetch(`${t.gateway.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('/openapi.json');
    // swagger-ui's logo is replaced by one inlined in the initializer.
    const logo = /data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/.exec(initializer)?.[1] ?? '';
    expect(Buffer.from(logo, 'base64').toString('utf8')).toContain('WeCom Auth gateway');
  });
});
