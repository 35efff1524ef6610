/**
 * A TCP relay in front of a Redis whose link can be cut and restored, for network partitions.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Carries the bytes of one relayed connection. The default pipes both ways; a test that must see the traffic (to cut
 * the link at one exact reply, say) forwards it itself.
 */
export type Forward = (client: Socket, upstream: Socket) => void;

const pipeBothWays: Forward = (client, upstream) => {
  client.pipe(upstream);
  upstream.pipe(client);
};

/**
 * A TCP relay to a Redis whose link can be cut and restored: one instance loses Redis while the others keep it,
 * as in a network partition.
 */
export class SeverableLink {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #severed = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** A link listening on a free loopback port, relaying to the Redis on `targetPort`. */
  static async open(targetPort: number, forward: Forward = pipeBothWays): Promise<SeverableLink> {
    const server = createServer();
    const link = new SeverableLink(server);
    server.on('connection', (client) => link.#relay(client, targetPort, forward));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return link;
  }

  /** The port to point a Redis client at. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Drops every connection but `spared` and refuses new ones until {@link restore}. */
  sever(spared?: Socket): void {
    this.#severed = true;
    for (const socket of this.#sockets) if (socket !== spared) socket.destroy();
    this.#sockets.clear();
  }

  /** Accepts connections again after {@link sever}. */
  restore(): void {
    this.#severed = false;
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #relay(client: Socket, targetPort: number, forward: Forward): void {
    if (this.#severed) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
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
    forward(client, upstream);
  }
}
