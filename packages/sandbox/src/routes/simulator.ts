import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Options of the phone-simulator page served at `/` (the `simulator` option of the sandbox). */
export interface SimulatorOptions {
  /** The login gateway the page talks to by default, e.g. `http://127.0.0.1:8080`; the page's `?gateway=` wins. */
  gatewayUrl?: string;
  /** Where the built page lives. Default: the package's `dist-web/` (built by `scripts/build-web.mjs`). */
  assetsDir?: string;
}

const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../dist-web/', import.meta.url));
const ASSET_TYPES: Record<string, string> = {
  'simulator.js': 'text/javascript; charset=utf-8',
  'simulator.css': 'text/css; charset=utf-8',
};
// The gateway lives at another origin (any, through ?gateway=), and avatars may come from either.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: http: https:",
  "connect-src 'self' http: https:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Simulator not built</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d2129}
code{background:#f2f4f8;padding:.1em .3em;border-radius:4px}</style></head>
<body><h1>The phone simulator is not built yet</h1>
<p>Run <code>npm run build</code> at the repository root (or <code>node packages/sandbox/scripts/build-web.mjs</code>),
then reload this page. The WeCom API and the control API under <code>/__sandbox/</code> work meanwhile.</p></body></html>`;

function checkOptions(options: SimulatorOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('simulator must be an object');
  const { gatewayUrl, assetsDir } = options;
  if (gatewayUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(gatewayUrl).protocol;
    } catch {
      // Reported below with the other bad values.
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new TypeError('simulator.gatewayUrl must be an http or https URL');
    }
  }
  if (assetsDir !== undefined && (typeof assetsDir !== 'string' || assetsDir === '')) {
    throw new TypeError('simulator.assetsDir must be a non-empty string');
  }
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ENOENT';
}

function notBuilt(reply: FastifyReply): FastifyReply {
  return reply
    .code(503)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('retry-after', '10')
    .send(NOT_BUILT_PAGE);
}

/**
 * The phone simulator: `GET /` (the page), `GET /simulator/simulator.{js,css}` (its assets) and
 * `GET /__sandbox/simulator-config` (`{ gatewayUrl }`). Answers a 503 page while `dist-web/` is not built.
 *
 * @example
 * ```ts
 * registerSimulatorRoutes(app, { gatewayUrl: 'http://127.0.0.1:8080' });
 * ```
 */
export function registerSimulatorRoutes(app: FastifyInstance, options: SimulatorOptions = {}): void {
  checkOptions(options);
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const gatewayUrl = options.gatewayUrl === undefined ? null : options.gatewayUrl.replace(/\/+$/, '');
  const fileOf = (name: string): string => `${assetsDir.replace(/[\\/]+$/, '')}/${name}`;

  app.get('/', async (_request, reply) => {
    let html: Buffer;
    try {
      html = await readFile(fileOf('index.html'));
    } catch (error) {
      if (isMissing(error)) return notBuilt(reply);
      throw error;
    }
    return reply
      .code(200)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(html);
  });

  app.get<{ Params: { file: string } }>('/simulator/:file', async (request, reply) => {
    const { file } = request.params;
    const type = Object.hasOwn(ASSET_TYPES, file) ? ASSET_TYPES[file] : undefined;
    if (type === undefined) return reply.code(404).send({ error: 'not_found', message: 'no such asset' });
    let body: Buffer;
    try {
      body = await readFile(fileOf(file));
    } catch (error) {
      if (isMissing(error)) return notBuilt(reply);
      throw error;
    }
    return reply
      .code(200)
      .header('content-type', type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(body);
  });

  app.get('/__sandbox/simulator-config', (_request, reply) => reply.code(200).send({ gatewayUrl }));
}
