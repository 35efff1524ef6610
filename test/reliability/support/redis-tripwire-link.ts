/**
 * A TCP relay to Redis that loses Redis at one exact moment: right after Redis has answered the command that
 * carries given markers (`eval` and a refresh token's hash, say), every connection is cut and new ones are refused
 * until {@link RedisTripwireLink.restore}. The request that sent the command sees Redis vanish between two of its store
 * calls, which a stop of Redis under load hits only by chance.
 */
import type { Socket } from 'node:net';
import { SeverableLink } from '@wecom-auth/testing';

export class RedisTripwireLink {
  #link: SeverableLink | undefined;
  #markers: readonly string[] | undefined;
  #onTripped: (() => void) | undefined;

  private constructor() {}

  static async open(targetPort: number): Promise<RedisTripwireLink> {
    const tripwire = new RedisTripwireLink();
    tripwire.#link = await SeverableLink.open(targetPort, (client, upstream) =>
      tripwire.#forward(client, upstream),
    );
    return tripwire;
  }

  get port(): number {
    return this.#opened().port;
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
    this.#opened().restore();
  }

  close(): Promise<void> {
    return this.#opened().close();
  }

  #opened(): SeverableLink {
    if (!this.#link) throw new Error('RedisTripwireLink is not open');
    return this.#link;
  }

  #forward(client: Socket, upstream: Socket): void {
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
      client.end(chunk, () => {
        this.#opened().sever(client);
        this.#onTripped?.();
        this.#onTripped = undefined;
      });
    });
  }
}
