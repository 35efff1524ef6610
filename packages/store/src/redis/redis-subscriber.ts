import type { Redis } from 'ioredis';
import type { RevocationEntry } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import { closeClient, whenReady } from './redis-connection.js';

/**
 * The callers of `accessTokens.waitForChange`, by access-token key: woken when a change of that key is announced on
 * the changes channel (or when the store closes).
 */
export type ChangeWaiters = Map<string, Set<() => void>>;

/** One `sessions.subscribeRevocations` call: what it is told of each revocation, and after a reconnect. */
export interface RevocationListener {
  readonly onEntry: (entry: RevocationEntry) => void;
  readonly onResync: (() => void) | undefined;
}

/** Parses `"<revokedAt>:<expiresAt>:<sessionId>"` as published on the revocations channel. */
function parseRevocationMessage(message: string): RevocationEntry | undefined {
  const match = /^([^:]+):([^:]+):(.+)$/s.exec(message);
  if (!match?.[1] || !match[2] || match[3] === undefined) return undefined;
  const revokedAt = Number(match[1]);
  const expiresAt = Number(match[2]);
  if (Number.isNaN(revokedAt) || Number.isNaN(expiresAt)) return undefined;
  return { revokedAt, expiresAt, sessionId: match[3] };
}

/**
 * The subscriber connection of one store, shared by every `waitForChange` and `subscribeRevocations` call.
 * Opened on first use; after a reconnect it resubscribes and tells revocation subscribers to resynchronise,
 * because pub/sub messages sent while it was away are lost.
 */
export class RedisSubscriber {
  readonly #open: () => Redis;
  readonly #channels: readonly [string, string];
  readonly #timeoutMs: number;
  readonly #onChange: (key: string) => void;
  readonly #onRevocation: (entry: RevocationEntry) => void;
  readonly #onResync: () => void;
  #client: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  #everSubscribed = false;

  constructor(options: {
    open: () => Redis;
    changesChannel: string;
    revocationsChannel: string;
    timeoutMs: number;
    onChange: (key: string) => void;
    onRevocation: (entry: RevocationEntry) => void;
    onResync: () => void;
  }) {
    this.#open = options.open;
    this.#channels = [options.changesChannel, options.revocationsChannel];
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange;
    this.#onRevocation = options.onRevocation;
    this.#onResync = options.onResync;
  }

  /** Resolves once both channels are subscribed; rejects with {@link StoreUnavailableError} when Redis is away. */
  ensure(): Promise<void> {
    if (!this.#client) {
      const client = this.#open();
      this.#client = client;
      client.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      client.on('close', () => {
        // While the connection is away, callers must learn it (and fail fast) rather than wait on a dead one.
        if (this.#client === client) this.#subscribed = undefined;
      });
      client.on('ready', () => {
        // Until a first subscription succeeded, ensure() does the subscribing; later 'ready's are reconnects.
        if (!this.#everSubscribed || this.#client !== client) return;
        const attempt = this.#subscribe(client);
        this.#subscribed = attempt;
        attempt.then(
          () => this.#onResync(),
          () => {
            if (this.#subscribed === attempt) this.#subscribed = undefined;
          },
        );
      });
    }
    if (!this.#subscribed) {
      const attempt = this.#subscribe(this.#client);
      this.#subscribed = attempt;
      attempt.then(
        () => {
          this.#everSubscribed = true;
        },
        () => {
          if (this.#subscribed === attempt) this.#subscribed = undefined;
        },
      );
    }
    return this.#subscribed;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#subscribed = undefined;
    if (client) await closeClient(client);
  }

  async #subscribe(client: Redis): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`Redis did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await whenReady(client, this.#timeoutMs);
          await client.subscribe(...this.#channels);
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Redis refused the subscription', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  #dispatch(channel: string, message: string): void {
    if (channel === this.#channels[0]) {
      this.#onChange(message);
    } else if (channel === this.#channels[1]) {
      const entry = parseRevocationMessage(message);
      if (entry) this.#onRevocation(entry);
    }
  }
}
