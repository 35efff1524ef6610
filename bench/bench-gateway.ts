/**
 * The sandbox and gateway the benchmarks run against, in this process. WeCom's frequency limits and the gateway's
 * login limits (per address, and the per-corp WeCom budget) would cap the load runs, not what is measured, so they
 * are lifted; everything else is the faithful default. The gateway is quiet (warnings only) and stores in a throwaway
 * SQLite file.
 */
import { createSandbox, type Sandbox, type SandboxOptions } from '@wecom-auth/sandbox';
import { type GatewayUnderTest, startGatewayUnderTest } from '@wecom-auth/testing';

const liftedLimits = {
  corpPerMinute: 10_000_000,
  corpPerHour: 100_000_000,
  ipPerMinute: 10_000_000,
  ipPerHour: 100_000_000,
  concurrentPerCorpApi: 100_000,
} as const;

/** `options` adds a directory or suites (a provider-sized one, say); port and limits stay the benchmarks'. */
export function startBenchSandbox(options: Omit<SandboxOptions, 'port' | 'limits'> = {}): Promise<Sandbox> {
  return createSandbox({ ...options, port: 0, limits: liftedLimits });
}

/** A bench gateway with `env` over the quiet defaults; on `sandbox` when given (its own sandbox otherwise). */
export function startBenchGateway(
  env: Record<string, string> = {},
  sandbox?: Sandbox,
): Promise<GatewayUnderTest> {
  return startGatewayUnderTest({
    ...(sandbox === undefined ? { sandbox: { limits: liftedLimits } } : { sharedSandbox: sandbox }),
    env: {
      LOG_LEVEL: 'warn',
      LOGIN_RATE_LIMIT: '1000000',
      LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
      LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
      ...env,
    },
    logDestination: process.stdout,
  });
}
