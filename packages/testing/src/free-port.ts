import { createServer } from 'node:net';

/**
 * A loopback port nothing listens on right now, for a server that must be started (and restarted) on a port known
 * in advance: a redis-server, an nginx.
 *
 * @example
 * const redis = new ScratchRedis(await freePort());
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
