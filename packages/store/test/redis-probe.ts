/** Whether a Redis answers, for the suites that need one (also used by the gateway's Redis tests). */
import { Redis } from 'ioredis';

/** Why Redis at `url` cannot be used, or undefined when it answers. */
export async function probeRedis(url: string): Promise<string | undefined> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket error (ECONNREFUSED …) says more than the rejection of connect() ("Connection is closed.").
  let socketError: Error | undefined;
  probe.on('error', (error: Error) => {
    socketError ??= error;
  });
  try {
    await probe.connect();
    await probe.ping();
    return undefined;
  } catch (error) {
    return socketError?.message ?? (error instanceof Error ? error.message : String(error));
  } finally {
    probe.disconnect();
  }
}
