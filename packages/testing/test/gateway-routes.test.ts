import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayRoutes, routePaths } from '../src/gateway-routes.js';
import { type GatewayUnderTest, startGatewayUnderTest } from '../src/gateway-under-test.js';
import { callbackEnv } from '../src/wecom-callbacks.js';

let t: GatewayUnderTest;

beforeAll(async () => {
  t = await startGatewayUnderTest({ env: { ...callbackEnv, LOG_LEVEL: 'warn' } });
});

afterAll(async () => {
  await t?.close();
});

describe('gatewayRoutes', () => {
  it('lists the operations of the OpenAPI document, methods upper-case', async () => {
    const routes = await gatewayRoutes(t.gateway.url);
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/v1/sessions' },
        { method: 'POST', path: '/v1/sessions/refresh' },
        { method: 'GET', path: '/v1/verify' },
        { method: 'GET', path: '/v1/callback' },
        { method: 'POST', path: '/v1/callback' },
      ]),
    );
    // Every route listed answers something other than 404 to its method (a path parameter filled with the corp).
    for (const route of routes) {
      const answer = await t.call(route.method, route.path.replace('{corpId}', DEMO_CORP_ID));
      expect(answer.status, `${route.method} ${route.path}`).not.toBe(404);
    }
  });

  it('gives each path once', async () => {
    const paths = routePaths(await gatewayRoutes(t.gateway.url));
    expect(paths.filter((path) => path === '/v1/callback')).toHaveLength(1);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('fails loudly where no document is served', async () => {
    await expect(gatewayRoutes(t.sandbox.url)).rejects.toThrow(/no OpenAPI document/);
  });
});
