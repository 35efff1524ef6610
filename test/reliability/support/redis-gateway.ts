/**
 * A gateway in the test process on the sandbox's demo app and a Redis store, at debug level, every log line going
 * to the secret scan's evidence. (`startRedisGateway` of the gateway tests keeps its lines in memory at info level.)
 */
import type { RunningGateway } from '@wecom-auth/gateway';
import type { Sandbox } from '@wecom-auth/sandbox';
import { startGatewayUnderTest } from '@wecom-auth/testing';
import { evidenceLogDestination } from './evidence.js';

export async function startEvidenceRedisGateway(
  sandbox: Sandbox,
  redisUrl: string,
  evidenceSource: string,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const { gateway } = await startGatewayUnderTest({
    sharedSandbox: sandbox,
    redisUrl,
    env,
    logDestination: evidenceLogDestination(evidenceSource),
  });
  return gateway;
}
