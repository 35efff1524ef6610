/**
 * A gateway in the test process on the sandbox's demo app and a Redis store, at debug level, every log line going
 * to the secret scan's evidence. (`startRedisGateway` of the gateway tests keeps its lines in memory at info level.)
 */
import { createLogger, loadConfig, type RunningGateway, startGateway } from '@wecom-auth/gateway';
import type { Sandbox } from '@wecom-auth/sandbox';
import { demoGatewayEnv } from '../../../packages/gateway/test/demo-env.js';
import { evidenceLogDestination } from './evidence.js';

export async function startEvidenceRedisGateway(
  sandbox: Sandbox,
  redisUrl: string,
  evidenceSource: string,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const config = loadConfig({
    env: { ...demoGatewayEnv(sandbox.url), REDIS_URL: redisUrl, PORT: '0', LOG_LEVEL: 'debug', ...env },
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: evidenceLogDestination(evidenceSource),
  });
  return startGateway({ config, logger });
}
