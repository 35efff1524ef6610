/**
 * A TCP relay to Redis that loses Redis at one exact moment: right after Redis has answered the command that
 * carries given markers (`eval` and a refresh token's hash, say), every connection is cut and new ones are refused until
 * {@link RedisTripwireLink.restore}. The request that sent the command sees Redis vanish between two of its store
 * calls, which a stop of Redis under load hits only by chance.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class RedisTripwireLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #severed = false;
  #markers: readonly string[] | undefined;
  #onTripped: (() => void) | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async open(targetPort: number): Promise<RedisTripwireLink> {
    const server = createServer();
    const link = new RedisTripwireLink(server);
    server.on('connection', (client) => link.#relay(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /**
   * Resolves once the next command containing every one of `markers` (compared without case: Redis commands are
   * case-insensitive) was answered without an error, and the link cut.
   */
  cutAfterReplyTo(markers: readonly string[]): Promise<void> {
    this.#markers = markers.map((marker) => marker.toLowerCase());
    return new Promise((resolve) => {
      this.#onTripped = resolve;
    });
  }

  restore(): void {
    this.#severed = false;
  }

  async close(): Promise<void> {
    this.#sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #sever(): void {
    this.#severed = true;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #relay(client: Socket, targetPort: number): void {
    if (this.#severed) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    // Set when this connection carried the marked command: its next reply is the one to let through before the cut.
    let awaitingReply = false;
    client.on('data', (chunk: Buffer) => {
      const markers = this.#markers;
      if (markers) {
        const text = chunk.toString('latin1').toLowerCase();
        if (markers.every((marker) => text.includes(marker))) awaitingReply = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      // An error reply (NOSCRIPT, before the client falls back from EVALSHA to EVAL) is not the answer awaited.
      const answered = awaitingReply && chunk[0] !== '-'.charCodeAt(0);
      if (!answered) {
        client.write(chunk);
        return;
      }
      awaitingReply = false;
      this.#markers = undefined;
      // The answer goes out with a FIN, so the client reads it before it sees the connection end; every other
      // connection is reset at once.
      this.#sockets.delete(client);
      client.end(chunk, () => {
        this.#sever();
        this.#onTripped?.();
        this.#onTripped = undefined;
      });
    });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
