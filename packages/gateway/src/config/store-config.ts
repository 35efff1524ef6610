/**
 * Which store a configuration selects, decided here only: Redis when `REDIS_URL` is set (several instances share
 * it), else the embedded SQLite file.
 */
import type { OpenStoreConfig } from '@wecom-auth/store';
import type { GatewayConfig } from './load-config.js';

/**
 * Each Redis call gives up after this long, so a request that needs a lost Redis answers 503 within about 2 s
 * instead of hanging.
 */
const redisCommandTimeoutMs = 1_500;

/**
 * The `openStore` configuration of a gateway configuration.
 *
 * @example
 * const store = openStore(storeConfigFrom(loadConfig({ env: process.env })));
 */
export function storeConfigFrom(config: Pick<GatewayConfig, 'redisUrl' | 'dbPath'>): OpenStoreConfig {
  return config.redisUrl
    ? { redisUrl: config.redisUrl, commandTimeoutMs: redisCommandTimeoutMs }
    : { sqlitePath: config.dbPath };
}
