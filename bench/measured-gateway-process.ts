/**
 * The child side of `startMeasuredGateway`: starts a gateway from the environment (as `wecom-auth serve` does),
 * reports how long the start took, and answers memory readings after a full GC and CPU-time readings until told to
 * close.
 *
 * Run with `--expose-gc` (the parent does), else the readings include garbage not yet collected.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { createLogger, loadConfig, startGateway } from '@wecom-auth/gateway';
import type { GatewayReport, GatewayRequest } from './measured-gateway.js';

function report(message: GatewayReport): void {
  process.send?.(message);
}

try {
  const config = loadConfig({ env: process.env });
  const startedAt = performance.now();
  const gateway = await startGateway({ config, logger: createLogger({ level: config.logLevel }) });
  report({ type: 'ready', url: gateway.url, startMs: performance.now() - startedAt });

  process.on('message', (request: GatewayRequest) => {
    switch (request.type) {
      case 'memory': {
        gc?.();
        const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
        const heapSpaces = Object.fromEntries(
          getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]),
        );
        report({ type: 'memory', rss, heapUsed, heapTotal, external, heapSpaces });
        break;
      }
      case 'cpu': {
        const { user, system } = process.cpuUsage();
        report({ type: 'cpu', micros: user + system });
        break;
      }
      case 'close':
        gateway.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
        break;
    }
  });
  // Orphaned (the parent died): leave rather than keep the port and the store open.
  process.on('disconnect', () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
} catch (error) {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  // Exit only once the report is sent: exiting at once could lose it, and the parent would see a bare exit.
  if (process.send) process.send({ type: 'failed', message } satisfies GatewayReport, () => process.exit(1));
  else process.exit(1);
}
