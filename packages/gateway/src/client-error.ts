/**
 * Requests Node's HTTP parser refuses (an unknown method, headers over its limit, a malformed request line, a
 * request too slow to arrive) never reach Fastify's error handler. They are answered here with the gateway's error
 * envelope, then the connection is closed, as Node itself does after a parse error.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type GatewayErrorCode, gatewayErrorCatalog } from './gateway-error.js';

function classify(error: NodeJS.ErrnoException): { code: GatewayErrorCode; message: string } {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return { code: 'headers_too_large', message: 'The request headers are too large (16 KiB at most).' };
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { code: 'request_timeout', message: 'The request did not arrive in time.' };
  return { code: 'invalid_request', message: 'The request is not valid HTTP.' };
}

export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message } = classify(error);
  const status = gatewayErrorCatalog[code].status;
  // No request was parsed, so there is no request id to echo: the answer gets a fresh one, as any request would.
  const body = JSON.stringify({ error: code, message, requestId: randomUUID() });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
