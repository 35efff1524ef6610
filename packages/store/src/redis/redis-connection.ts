import { Redis, type RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../ports.js';

/**
 * Opens an ioredis client that fails fast: no offline queue (a command while disconnected fails at once instead of
 * waiting for a reconnect), one retry per request, a command and connect timeout, and background reconnection with
 * a capped backoff.
 */
export function createFailFastClient(
  url: string | undefined,
  options: RedisOptions,
  timeoutMs: number,
  connectionName: string,
): Redis {
  const failFast: RedisOptions = {
    ...options,
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // Resubscription is done by the store itself, so it knows when to tell subscribers to resynchronise.
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  };
  const client = url === undefined ? new Redis(failFast) : new Redis(url, failFast);
  // Connection failures reach callers as StoreUnavailableError; without a listener ioredis would print each one.
  client.on('error', () => {});
  return client;
}

/**
 * Resolves once `client` can take commands. Rejects at once while it is between reconnection attempts (the server
 * was lost: waiting would only delay the error), and when the attempt in progress fails.
 */
export function whenReady(client: Redis, timeoutMs: number): Promise<void> {
  switch (client.status) {
    case 'ready':
      return Promise.resolve();
    case 'end':
    case 'close':
    case 'reconnecting':
      return Promise.reject(new StoreUnavailableError('Redis is not connected'));
    case 'wait':
      client.connect().catch(() => {});
      break;
    case 'connecting':
    case 'connect':
      break;
  }
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: StoreUnavailableError): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onFailure);
      client.off('end', onFailure);
      client.off('close', onFailure);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => settle();
    const onFailure = (cause?: unknown): void =>
      settle(
        new StoreUnavailableError('Redis cannot be reached', cause === undefined ? undefined : { cause }),
      );
    const timer = setTimeout(
      () => settle(new StoreUnavailableError(`Redis did not connect within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('ready', onReady);
    client.on('error', onFailure);
    client.on('end', onFailure);
    client.on('close', onFailure);
  });
}

/** Closes a client: QUIT when connected (lets pending replies arrive), else drops the socket. */
export async function closeClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Fall through: the connection is going away either way.
    }
  }
  client.disconnect();
}

/**
 * Runs one unit of work on the store's command connection: waits until it is ready, bounds the whole by the
 * command timeout, and turns Redis's failures into {@link StoreUnavailableError}. Every port of the Redis store
 * issues its commands through the one `run` of its store.
 */
export type RedisRun = <T>(work: (client: Redis) => Promise<T>) => Promise<T>;
