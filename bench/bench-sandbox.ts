/**
 * The sandbox the benchmarks run against, in-process. WeCom's frequency limits would cap the load runs, not what
 * is measured, so they are lifted; everything else is the sandbox's faithful default.
 */
import { createSandbox, type Sandbox } from '@wecom-auth/sandbox';

export const liftedLimits = {
  corpPerMinute: 10_000_000,
  corpPerHour: 100_000_000,
  ipPerMinute: 10_000_000,
  ipPerHour: 100_000_000,
  concurrentPerCorpApi: 100_000,
} as const;

export function startBenchSandbox(): Promise<Sandbox> {
  return createSandbox({ port: 0, limits: liftedLimits });
}
