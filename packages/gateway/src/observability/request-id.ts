/**
 * The id of a request: the caller's `X-Request-Id` when it is a plain token (so a proxy's id follows the request into
 * our logs), a fresh UUID otherwise. A malformed id is replaced, never trusted: it would be a log-injection vector.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
}
