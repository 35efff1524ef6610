import type { FastifyRequest } from 'fastify';
import { type ClientContext, USER_AGENT_MAX_LENGTH } from './security-event.js';

/** Control characters (C0, DEL, C1): a terminal that shows a stored header must not take them for commands. */
const controlCharacters = /\p{Cc}/gu;

/** `text` without control characters, cut to `max` characters. */
function printable(text: string, max: number): string {
  return text.replace(controlCharacters, '').slice(0, max);
}

/** The longest address kept: an IPv6 address with a zone is under 64 characters; a forwarded header may hold more. */
const CLIENT_IP_MAX_LENGTH = 64;

/**
 * The client of a request as the gateway saw it: its request id, the address its login limit counts (Fastify's
 * `request.ip`, which `TRUST_PROXY` decides), and its `User-Agent`, cut to a bounded length. Both are the client's
 * (or its proxy's) text, shown later to operators: control characters are dropped.
 *
 * @example
 * const session = await sessions.login({ code, client: clientContextOf(request) });
 */
export function clientContextOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  const agent = typeof userAgent === 'string' ? printable(userAgent, USER_AGENT_MAX_LENGTH) : '';
  return {
    requestId: request.id,
    clientIp: printable(request.ip, CLIENT_IP_MAX_LENGTH),
    ...(agent.length > 0 ? { userAgent: agent } : {}),
  };
}
