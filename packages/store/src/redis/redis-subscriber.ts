import type { Redis } from 'ioredis';
import type { RevocationEntry, SuiteInstallChange } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import { closeClient, whenReady } from './redis-connection.js';
import { decodeSuiteId } from './suite-id-encoding.js';

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

/** One `suites.subscribeInstalls` call: what it is told of each install change, and after a reconnect. */
export interface InstallListener {
  readonly onChange: (change: SuiteInstallChange) => void;
  readonly onResync: (() => void) | undefined;
}

/** Parses `"<kind>:<at>:<encoded suiteId>:<corpId>"` as published on the suite-installs channel. */
function parseInstallMessage(message: string): SuiteInstallChange | undefined {
  const match = /^(installed|updated|uninstalled):([^:]+):([^:]+):(.+)$/s.exec(message);
  if (!match?.[1] || !match[2] || !match[3] || match[4] === undefined) return undefined;
  const at = Number(match[2]);
  if (Number.isNaN(at)) return undefined;
  const kind = match[1] as SuiteInstallChange['kind'];
  return { suiteId: decodeSuiteId(match[3]), corpId: match[4], kind, at };
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
 * The subscriber connection of one store, shared by every `waitForChange`, `subscribeRevocations` and
 * `subscribeInstalls` call. Opened on first use; after a reconnect it resubscribes and tells revocation and install
 * subscribers to resynchronise, because pub/sub messages sent while it was away are lost. A connection that gives up
 * (on a Cluster, the node it was on is gone) is replaced by a new one from `open`, which picks a node that is there.
 */
export class RedisSubscriber {
  readonly #open: () => Redis;
  readonly #channels: readonly [string, string, string];
  readonly #timeoutMs: number;
  readonly #onChange: (key: string) => void;
  readonly #onRevocation: (entry: RevocationEntry) => void;
  readonly #onInstallChange: (change: SuiteInstallChange) => void;
  readonly #onResync: () => void;
  #client: Redis | undefined;
  #subscribed: Promise<void> | undefined;
  #everSubscribed = false;
  #reopenTimer: NodeJS.Timeout | undefined;
  readonly #subscribedClients = new WeakSet<Redis>();
  #closed = false;

  constructor(options: {
    open: () => Redis;
    changesChannel: string;
    revocationsChannel: string;
    installsChannel: string;
    timeoutMs: number;
    onChange: (key: string) => void;
    onRevocation: (entry: RevocationEntry) => void;
    onInstallChange: (change: SuiteInstallChange) => void;
    onResync: () => void;
  }) {
    this.#open = options.open;
    this.#channels = [options.changesChannel, options.revocationsChannel, options.installsChannel];
    this.#timeoutMs = options.timeoutMs;
    this.#onChange = options.onChange;
    this.#onRevocation = options.onRevocation;
    this.#onInstallChange = options.onInstallChange;
    this.#onResync = options.onResync;
  }

  /** Resolves once every channel is subscribed; rejects with {@link StoreUnavailableError} when Redis is away. */
  ensure(): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError('The Redis store is closed'));
    let replaced = false;
    if (!this.#client) {
      const client = this.#open();
      this.#client = client;
      replaced = this.#everSubscribed;
      client.on('message', (channel: string, message: string) => this.#dispatch(channel, message));
      client.on('close', () => {
        // While the connection is away, callers must learn it (and fail fast) rather than wait on a dead one.
        if (this.#client === client) this.#subscribed = undefined;
      });
      client.on('end', () => {
        // The connection gave up reconnecting: a new one replaces it, now if anyone waits, else in the background.
        if (this.#client !== client) return;
        this.#client = undefined;
        this.#subscribed = undefined;
        if (this.#everSubscribed) this.#scheduleReopen();
      });
      client.on('ready', () => {
        // Until this connection's first subscription succeeded, ensure() does the subscribing; later 'ready's are
        // reconnects.
        if (!this.#subscribedClients.has(client) || this.#client !== client) return;
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
          // Messages sent while no connection was subscribed are lost: the subscribers catch up.
          if (replaced) this.#onResync();
        },
        () => {
          if (this.#subscribed === attempt) this.#subscribed = undefined;
        },
      );
    }
    return this.#subscribed;
  }

  /** Opens a new connection after the last one ended, and again every 250 ms until one subscribes. */
  #scheduleReopen(): void {
    if (this.#closed || this.#reopenTimer) return;
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = undefined;
      if (this.#closed || this.#subscribed) return;
      this.ensure().catch(() => {
        if (!this.#client) this.#scheduleReopen();
      });
    }, 250);
    this.#reopenTimer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reopenTimer);
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
          this.#subscribedClients.add(client);
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
    } else if (channel === this.#channels[2]) {
      const change = parseInstallMessage(message);
      if (change) this.#onInstallChange(change);
    }
  }
}
