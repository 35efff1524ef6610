/**
 * The gateway's HTTP servers: Fastify's own HTTP/1.1 server settings, the limits that keep slow or numerous clients
 * from holding the process (a deadline for the headers and for the whole request, a connection cap), and a fast path
 * given the first look at each request (see routes/verify-fast-path.ts).
 */
import { createServer, type Server } from 'node:http';
import type { FastifyServerFactory } from 'fastify';
import type { FastPath } from './routes/verify-fast-path.js';

/** The server settings Fastify resolves from its options (its defaults included) and hands to a server factory. */
interface ResolvedServerOptions {
  readonly keepAliveTimeout?: number;
  readonly requestTimeout?: number;
  readonly connectionTimeout?: number;
  readonly maxRequestsPerSocket?: number | null;
}

/**
 * How long a client may take to send a request, and how many connections a listener holds.
 *
 * @example
 * const limits: ServerLimits = { headersTimeoutMs: 10_000, requestTimeoutMs: 15_000, maxConnections: 5_000 };
 */
export interface ServerLimits {
  /** A request whose headers are not all in after this long is answered 408 and its connection closed. */
  readonly headersTimeoutMs: number;
  /** A request (headers and body) not wholly in after this long is answered 408 and its connection closed. */
  readonly requestTimeoutMs: number;
  /** Connections beyond this are closed as they arrive. */
  readonly maxConnections: number;
}

/**
 * The limits when none are configured: the settings' defaults.
 *
 * @example
 * serverFactoryWith(undefined, { ...defaultServerLimits, maxConnections: 100 });
 */
export const defaultServerLimits: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  maxConnections: 5_000,
};

/**
 * Node checks the header and request deadlines of open connections on this interval (30 s by default), so a deadline
 * could be overrun by up to that much: checked every second, a slow client is cut within a second of its deadline.
 */
const deadlineCheckIntervalMs = 1_000;

/**
 * Fastify's server factory for a listener: a Node HTTP server with `limits`, and `fastPath` (when given) offered each
 * request before Fastify.
 *
 * @example
 * Fastify({ serverFactory: serverFactoryWith(verifyFastPath, limits) });
 */
export function serverFactoryWith(
  fastPath: FastPath | undefined,
  limits: ServerLimits = defaultServerLimits,
): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const options = fastifyOptions as ResolvedServerOptions;
    const server: Server = createServer(
      {
        connectionsCheckingInterval: Math.min(deadlineCheckIntervalMs, limits.headersTimeoutMs),
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
      },
      fastPath
        ? (request, response) => {
            if (!fastPath(request, response)) handler(request, response);
          }
        : handler,
    );
    // What Fastify sets on the server it creates itself (fastify/lib/server.js); none of it is per route. Fastify's
    // own request timeout (0: none) is not taken: the limit above is the gateway's.
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    server.maxConnections = limits.maxConnections;
    return server;
  };
}
