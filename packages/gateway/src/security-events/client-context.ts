import type { FastifyRequest } from 'fastify';
import { type ClientContext, USER_AGENT_MAX_LENGTH } from './security-event.js';

/**
 * The client of a request as the gateway saw it: its request id, the address its login limit counts (Fastify's
 * `request.ip`, which `TRUST_PROXY` decides), and its `User-Agent`, cut to a bounded length.
 *
 * @example
 * const session = await sessions.login({ code, client: clientContextOf(request) });
 */
export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    requestId: request.id,
    clientIp: request.ip,
    ...(typeof userAgent === 'string' && userAgent.length > 0
      ? { userAgent: userAgent.slice(0, USER_AGENT_MAX_LENGTH) }
      : {}),
  };
}
