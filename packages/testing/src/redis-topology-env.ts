/**
 * The long-lived Redis Cluster and Sentinel set that `node scripts/redis-topologies.mjs start` runs for CI and for
 * developers, as the tests find them: through environment variables, with a visible skip when they are not set.
 */
import { serviceAvailable } from './service-guard.js';

/** The command that starts the topologies and writes their variables to `.redis-topologies.env`. */
export const REDIS_TOPOLOGIES_START_COMMAND = 'node scripts/redis-topologies.mjs start';

/** The variables `scripts/redis-topologies.mjs` writes, and what the tests read. */
export const REDIS_TOPOLOGY_ENV = {
  /** The cluster's nodes, `host:port,host:port,…`. */
  cluster: 'WECOM_AUTH_TEST_REDIS_CLUSTER',
  /** The sentinels, `host:port,host:port,…`. */
  sentinels: 'WECOM_AUTH_TEST_REDIS_SENTINELS',
  /** The name the sentinels know the primary by. */
  sentinelName: 'WECOM_AUTH_TEST_REDIS_SENTINEL_NAME',
  /** `1` where a missing topology is a failure rather than a skip (CI sets it, as does `CI=true`). */
  require: 'WECOM_AUTH_REQUIRE_REDIS_TOPOLOGIES',
} as const;

/** The topologies the environment names; a kind is absent when its variable is unset or empty. */
export interface RedisTopologiesForTests {
  /** The cluster's nodes as `host:port`, for ioredis `new Cluster(…)`. */
  readonly cluster?: readonly string[];
  /** The sentinels as `host:port` and the name they monitor, for ioredis `sentinels:` and `name:`. */
  readonly sentinels?: { readonly nodes: readonly string[]; readonly name: string };
}

/** The two kinds of topology. */
export type RedisTopologyKind = 'cluster' | 'sentinel';

function hostPorts(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * The topologies named by `WECOM_AUTH_TEST_REDIS_CLUSTER`, `WECOM_AUTH_TEST_REDIS_SENTINELS` and
 * `WECOM_AUTH_TEST_REDIS_SENTINEL_NAME` (default `wecom-auth`).
 *
 * @param env the environment; a parameter so that the parsing itself can be tested.
 *
 * @example
 * const { cluster } = redisTopologiesForTests();
 * const client = new Cluster(cluster.map((seed) => ({ host: seed.split(':')[0], port: Number(seed.split(':')[1]) })));
 */
export function redisTopologiesForTests(env: NodeJS.ProcessEnv = process.env): RedisTopologiesForTests {
  const cluster = hostPorts(env[REDIS_TOPOLOGY_ENV.cluster]);
  const sentinels = hostPorts(env[REDIS_TOPOLOGY_ENV.sentinels]);
  const name = env[REDIS_TOPOLOGY_ENV.sentinelName]?.trim() || 'wecom-auth';
  return {
    ...(cluster.length > 0 ? { cluster } : {}),
    ...(sentinels.length > 0 ? { sentinels: { nodes: sentinels, name } } : {}),
  };
}

/**
 * Whether the suites that need the `kind` topology run: yes when its variable is set; otherwise a skip with a warning
 * that names the variable and the command that starts the topologies, or, where they are required
 * (`WECOM_AUTH_REQUIRE_REDIS_TOPOLOGIES=1` or `CI=true`), an error, so that CI never passes having tested nothing.
 *
 * @param kind the topology the suite needs.
 * @param suite what is skipped, as the warning names it.
 * @param env the environment; a parameter so that the policy itself can be tested.
 * @throws Error when the topology is missing and required.
 *
 * @example
 * describe.skipIf(!redisTopologyAvailable('cluster', 'the Redis Cluster store'))('…', () => { … });
 */
export function redisTopologyAvailable(
  kind: RedisTopologyKind,
  suite: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const topologies = redisTopologiesForTests(env);
  const present = kind === 'cluster' ? topologies.cluster !== undefined : topologies.sentinels !== undefined;
  const variable = kind === 'cluster' ? REDIS_TOPOLOGY_ENV.cluster : REDIS_TOPOLOGY_ENV.sentinels;
  const problem = present
    ? undefined
    : `no Redis ${kind === 'cluster' ? 'Cluster' : 'Sentinel set'} (${variable} is unset); start one with ` +
      `\`${REDIS_TOPOLOGIES_START_COMMAND}\` and load .redis-topologies.env`;
  const required = env[REDIS_TOPOLOGY_ENV.require] === '1' || env.CI === 'true';
  return serviceAvailable(suite, problem, required ? 'true' : '');
}
