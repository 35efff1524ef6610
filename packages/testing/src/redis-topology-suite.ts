/**
 * A vitest suite that runs against the long-lived Redis Cluster or Sentinel set, or is skipped visibly without it.
 * Apart from the other helpers because it is the one that registers tests itself, and so imports vitest.
 */
import { describe } from 'vitest';
import {
  type RedisTopologyKind,
  redisTopologiesForTests,
  redisTopologyAvailable,
} from './redis-topology-env.js';

/** What a suite of `kind` is given: the cluster's nodes, or the sentinels and their primary's name. */
export type RedisTopologyFor<Kind extends RedisTopologyKind> = Kind extends 'cluster'
  ? readonly string[]
  : { readonly nodes: readonly string[]; readonly name: string };

/**
 * `describe(name, …)` when the `kind` topology's variable is set, with the topology handed to `body`; otherwise the
 * suite is registered as skipped, with the warning (or, where topologies are required, the error) of
 * {@link redisTopologyAvailable}. A skipped suite's `body` still runs to register its tests, with an empty topology,
 * so it must only set up inside hooks and tests.
 *
 * @example
 * describeWithRedisTopology('sentinel', 'the store behind Sentinel', (sentinels) => {
 *   it('fails over', async () => {
 *     const redis = new Redis({ sentinels: sentinels.nodes.map(toAddress), name: sentinels.name });
 *     …
 *   });
 * });
 */
export function describeWithRedisTopology<Kind extends RedisTopologyKind>(
  kind: Kind,
  name: string,
  body: (topology: RedisTopologyFor<Kind>) => void,
): void {
  const available = redisTopologyAvailable(kind, name);
  const topologies = redisTopologiesForTests();
  const topology = (
    kind === 'cluster' ? (topologies.cluster ?? []) : (topologies.sentinels ?? { nodes: [], name: '' })
  ) as RedisTopologyFor<Kind>;
  describe.skipIf(!available)(name, () => body(topology));
}
