/**
 * The routes a gateway documents in its OpenAPI document, for tests that must cover every endpoint: a route added to
 * the gateway is fuzzed without anyone listing it.
 */
import { exchangeJson } from './json-exchange.js';

/** One documented operation. */
export interface GatewayRoute {
  readonly method: string;
  readonly path: string;
}

const httpMethods = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/**
 * Every operation of the OpenAPI document the gateway at `gatewayUrl` serves at `/openapi.json`, methods upper-case.
 * The document leaves out itself and the documentation UI.
 *
 * @example
 * const paths = [...new Set((await gatewayRoutes(t.gateway.url)).map((route) => route.path))];
 */
export async function gatewayRoutes(gatewayUrl: string): Promise<GatewayRoute[]> {
  const answer = await exchangeJson(`${gatewayUrl}/openapi.json`, { timeoutMs: 10_000 });
  const paths = answer.body?.paths;
  if (answer.status !== 200 || typeof paths !== 'object' || paths === null) {
    throw new Error(`no OpenAPI document at ${gatewayUrl}/openapi.json: ${answer.status}`);
  }
  return Object.entries(paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((method) => httpMethods.has(method))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
}

/** The distinct paths of `routes`, in document order. */
export function routePaths(routes: readonly GatewayRoute[]): string[] {
  return [...new Set(routes.map((route) => route.path))];
}
