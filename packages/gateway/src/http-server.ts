/**
 * The gateway's HTTP server: Fastify's own HTTP/1.1 server settings, with a fast path given the first look at each
 * request (see routes/verify-fast-path.ts).
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

export function serverFactoryWith(fastPath: FastPath): FastifyServerFactory {
  return (handler, fastifyOptions) => {
    const options = fastifyOptions as ResolvedServerOptions;
    const server: Server = createServer((request, response) => {
      if (!fastPath(request, response)) handler(request, response);
    });
    // What Fastify sets on the server it creates itself (fastify/lib/server.js); none of it is per route.
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    if (options.requestTimeout !== undefined) server.requestTimeout = options.requestTimeout;
    if (options.connectionTimeout !== undefined) server.setTimeout(options.connectionTimeout);
    if (options.maxRequestsPerSocket) server.maxRequestsPerSocket = options.maxRequestsPerSocket;
    return server;
  };
}
