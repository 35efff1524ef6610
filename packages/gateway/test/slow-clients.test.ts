/**
 * Slow and numerous clients cannot hold the gateway: 50 connections that send their headers, or their body, a few
 * bytes at a time are answered 408 and closed at their deadline (`HEADERS_TIMEOUT_MS`, `REQUEST_TIMEOUT_MS`), while
 * other clients are served; past `MAX_CONNECTIONS` a connection is closed as it arrives. Real sockets: the deadlines
 * are the HTTP server's.
 */
import { connect, type Socket } from 'node:net';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';
import { afterEach, describe, expect, it } from 'vitest';

let t: GatewayUnderTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A connection to the gateway that records what it was answered and when it was closed. */
interface Slow {
  readonly socket: Socket;
  readonly received: () => string;
  /** Resolves with the milliseconds from `startedAt` to the close. */
  readonly closed: Promise<number>;
}

async function open(url: string, startedAt: number): Promise<Slow> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => resolve(performance.now() - startedAt)),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => received, closed };
}

/** Writes `pieces` one every `everyMs` until the socket is closed (a client that never finishes). */
function trickle(socket: Socket, pieces: () => string, everyMs: number): void {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) {
      clearInterval(timer);
      return;
    }
    socket.write(pieces());
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('slow clients', () => {
  it('50 connections trickling their headers are answered 408 and closed at the headers deadline', async () => {
    t = await startGatewayUnderTest({ env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' } });
    const startedAt = performance.now();
    const slow = await Promise.all(Array.from({ length: 50 }, () => open(t?.gateway.url ?? '', startedAt)));
    for (const { socket } of slow) {
      socket.write('POST /v1/sessions HTTP/1.1\r\nHost: gateway\r\n');
      trickle(socket, () => 'X-Slow: 1\r\n', 200);
    }
    // Others are served meanwhile.
    const served = await t.call('GET', '/healthz');
    expect(served.status).toBe(200);
    const closedAfter = await Promise.all(slow.map(({ closed }) => closed));
    // The deadline, plus at most the one-second interval at which deadlines are checked, plus scheduling slack.
    for (const ms of closedAfter) {
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3_500);
    }
    for (const { received } of slow) {
      expect(received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(received()).toContain('"error":"request_timeout"');
    }
  });

  it('50 connections trickling a body are answered 408 and closed at the request deadline', async () => {
    t = await startGatewayUnderTest({ env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' } });
    const startedAt = performance.now();
    const slow = await Promise.all(Array.from({ length: 50 }, () => open(t?.gateway.url ?? '', startedAt)));
    for (const { socket } of slow) {
      socket.write(
        'POST /v1/sessions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"code":"',
      );
      trickle(socket, () => 'a', 200);
    }
    expect((await t.call('GET', '/healthz')).status).toBe(200);
    const closedAfter = await Promise.all(slow.map(({ closed }) => closed));
    for (const ms of closedAfter) {
      expect(ms).toBeGreaterThanOrEqual(1_900);
      expect(ms).toBeLessThan(4_500);
    }
    for (const { received } of slow) expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('the connection cap', () => {
  it('closes connections past MAX_CONNECTIONS as they arrive, and takes new ones once some have gone', async () => {
    t = await startGatewayUnderTest({ env: { MAX_CONNECTIONS: '10' } });
    const startedAt = performance.now();
    const held = await Promise.all(Array.from({ length: 10 }, () => open(t?.gateway.url ?? '', startedAt)));
    // Accepted, and held open: none of them is closed while it keeps within its deadlines.
    const extra = await open(t.gateway.url, startedAt);
    const extraClosedAfter = await extra.closed;
    expect(extraClosedAfter).toBeLessThan(1_000);
    expect(extra.received()).toBe('');
    for (const { socket } of held) expect(socket.destroyed).toBe(false);

    for (const { socket } of held.slice(0, 5)) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const later = await open(t.gateway.url, startedAt);
    later.socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n');
    await later.closed;
    expect(later.received()).toMatch(/^HTTP\/1\.1 200 /);
    for (const { socket } of held) socket.destroy();
  });
});
