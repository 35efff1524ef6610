/**
 * A set of gateway processes on one store, as behind a load balancer: each a child process from the sources
 * (`measured-gateway.ts`), so that its memory can be read after a full GC, with its `/readyz` suite figures.
 */
import { type GatewayMemory, type MeasuredGateway, startMeasuredGateway } from '../measured-gateway.js';

/** What `/readyz` says of a third-party app. */
export interface SuiteReadiness {
  readonly ticket: string;
  readonly installedCorps: number;
  readonly installsInSync: boolean;
}

export interface GatewaySet {
  readonly label: string;
  readonly gateways: readonly MeasuredGateway[];
  readonly urls: readonly string[];
  /** Waits until every instance's suite readiness satisfies `accept`; throws after `timeoutMs`. */
  waitForReadiness(
    what: string,
    accept: (readiness: SuiteReadiness) => boolean,
    timeoutMs?: number,
  ): Promise<void>;
  /** The memory of every instance, after a full GC in each. */
  memory(): Promise<GatewayMemory[]>;
  /** The CPU time (µs) the instances have used since they started, summed. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

export async function suiteReadiness(url: string): Promise<SuiteReadiness> {
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { suite?: SuiteReadiness };
  if (body.suite === undefined) throw new Error(`${url}/readyz has no suite: not a third-party app`);
  return body.suite;
}

/** Starts `count` gateways with `env` (at once: their starts are mostly module loading, which waits on the disk). */
export async function startGatewaySet(
  label: string,
  count: number,
  env: Readonly<Record<string, string>>,
): Promise<GatewaySet> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startMeasuredGateway(env)));
  const gateways = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    throw failed.reason;
  }
  return {
    label,
    gateways,
    urls: gateways.map((gateway) => gateway.url),
    async waitForReadiness(what, accept, timeoutMs = 60_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const readiness = await Promise.all(gateways.map((gateway) => suiteReadiness(gateway.url)));
        if (readiness.every(accept)) return;
        if (performance.now() > deadline) {
          throw new Error(`${label}: not ${what} within ${timeoutMs} ms: ${JSON.stringify(readiness)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    memory: () => Promise.all(gateways.map((gateway) => gateway.memory())),
    cpuMicros: async () =>
      (await Promise.all(gateways.map((gateway) => gateway.cpuMicros()))).reduce(
        (sum, micros) => sum + micros,
        0,
      ),
    close: async () => {
      await Promise.all(gateways.map((gateway) => gateway.close()));
    },
  };
}
