/**
 * A real Redis Cluster for the tests, the benchmarks and CI: redis-server child processes in cluster mode, created
 * with `redis-cli --cluster create`, with the controls a test needs (kill a node, restart it, move slots under load).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  dataNodeSettings,
  onNode,
  type RedisAddress,
  removeTopologyDirectory,
  TOPOLOGY_HOST,
  TopologyNode,
  topologyDirectory,
  topologyPorts,
  waitUntilSettled,
} from './redis-topology.js';

const run = promisify(execFile);

/** Redis Cluster's hash slots: 0–16383. */
const SLOTS = 16_384;
/** A cluster node's bus listens on its port + 10000. */
const BUS_OFFSET = 10_000;
/** Keys moved by one MIGRATE during {@link RedisCluster.moveSlots}. */
const MIGRATE_BATCH = 100;

/** How {@link startRedisCluster} lays the cluster out. */
export interface RedisClusterOptions {
  /** Primaries, each serving an equal share of the slots (default 3, the least Redis Cluster accepts). */
  readonly primaries?: number;
  /** Replicas of each primary (default 1); with 0, a primary killed takes its slots down with it. */
  readonly replicasPerPrimary?: number;
  /** Consecutive ports from this one (their bus ports + 10000 must be free too); free ports when unset. */
  readonly basePort?: number;
  /** Where the nodes keep their data; a private temporary directory, removed by `stop()`, when unset. */
  readonly dir?: string;
  /**
   * `cluster-node-timeout` (default 2000 ms): how long a primary may be unreachable before its replica takes over, so
   * a failover in a test takes a few seconds, not the production default's 15 or more.
   */
  readonly nodeTimeoutMs?: number;
  /**
   * Leave the nodes running after this process exits (default false, when they die with it). For the long-lived
   * topologies of `scripts/redis-topologies.mjs`, which stops them by process id.
   */
  readonly detached?: boolean;
}

/** A node of the cluster as `CLUSTER NODES` describes it. */
export interface RedisClusterNode extends RedisAddress {
  /** The node's cluster id (`CLUSTER MYID`). */
  readonly id: string;
  readonly role: 'primary' | 'replica';
  /** For a replica, the port of the primary it replicates. */
  readonly primaryPort?: number;
  /** Flagged `fail` or `fail?` by the node that was asked. */
  readonly failing: boolean;
}

/** A running cluster; see {@link startRedisCluster}. */
export interface RedisCluster {
  /** The nodes as they were when the cluster became healthy; {@link RedisCluster.readNodes} for now. */
  readonly nodes: readonly RedisClusterNode[];
  /** Every node as `host:port`, for ioredis `new Cluster(seeds)` or `REDIS_CLUSTER_NODES`. */
  readonly seeds: readonly string[];
  /** Where the nodes keep their configuration, data and `redis.log`. */
  readonly dir: string;
  /** `CLUSTER NODES` read again from a live node: roles change with failovers. */
  readNodes(): Promise<RedisClusterNode[]>;
  /** The process id of the node on `port` while it runs. */
  pidOf(port: number): number | undefined;
  /** SIGKILL to the node on `port`: a crash. Resolves once the process is gone. */
  kill(port: number): Promise<void>;
  /**
   * Starts the node on `port` again with its configuration and data. A primary that was replaced comes back as a
   * replica of the node that took over (Redis Cluster does that by itself); {@link RedisCluster.waitForHealthy}
   * waits for it to be in sync.
   */
  restart(port: number): Promise<void>;
  /**
   * Resolves when every live node says `cluster_state:ok` with all 16384 slots served, they all agree which primary
   * serves which slots, none of them thinks another live node failing, and every live replica is in sync with its
   * primary. Throws, naming what was still wrong, after `timeoutMs` (default 30 s).
   */
  waitForHealthy(timeoutMs?: number): Promise<void>;
  /** The hash slot of `key` (`CLUSTER KEYSLOT`): hash tags (`{…}`) included. */
  slotOf(key: string): Promise<number>;
  /** The primary serving `slot` now, as the cluster answers `CLUSTER SLOTS`. */
  primaryOf(slot: number): Promise<RedisAddress>;
  /**
   * Moves `slots` from the primary on `fromPort` to the primary on `toPort`, live: each slot is marked IMPORTING and
   * MIGRATING, its keys are migrated in batches (clients meanwhile follow ASK redirections), and the new owner is set
   * on every primary (clients then follow MOVED).
   */
  moveSlots(fromPort: number, toPort: number, slots: readonly number[]): Promise<void>;
  /** Kills every node and removes the directory when the cluster made it. */
  stop(): Promise<void>;
}

/** The settings of a cluster node; `cluster-require-full-coverage yes` and no reads while down, as in production. */
function clusterNodeSettings(port: number, dir: string, nodeTimeoutMs: number): string[] {
  return [
    ...dataNodeSettings(port, dir),
    'cluster-enabled yes',
    'cluster-config-file nodes.conf',
    `cluster-node-timeout ${nodeTimeoutMs}`,
    'cluster-require-full-coverage yes',
    'cluster-allow-reads-when-down no',
    `cluster-announce-ip ${TOPOLOGY_HOST}`,
  ];
}

/** A line of `CLUSTER NODES`, with what the harness needs beyond {@link RedisClusterNode}. */
type ClusterNodesLine = RedisClusterNode & { primaryId?: string; slots: string[]; self: boolean };

/** Parses `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <primary id|-> <ping> <pong> <epoch> <link> <slots…>`. */
function parseClusterNodes(text: string): ClusterNodesLine[] {
  const nodes = text
    .trim()
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8)
    .map(([id = '', address = '', flags = '', primaryId = '-', , , , , ...slots]) => {
      const [host = '', port = '0'] = (address.split('@')[0] ?? '').split(':');
      const flagList = flags.split(',');
      return {
        id,
        host,
        port: Number(port),
        role: flagList.includes('slave') ? ('replica' as const) : ('primary' as const),
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        self: flagList.includes('myself'),
        ...(primaryId === '-' ? {} : { primaryId }),
        slots,
      };
    });
  const portOfId = new Map(nodes.map((node) => [node.id, node.port]));
  return nodes.map((node) => {
    const primaryPort = node.primaryId === undefined ? undefined : portOfId.get(node.primaryId);
    return primaryPort === undefined ? node : { ...node, primaryPort };
  });
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * Starts a Redis Cluster of `primaries × (1 + replicasPerPrimary)` redis-server processes on the loopback and waits
 * until it is healthy: each node persists with an append-only file (`appendfsync everysec`), so a node killed and
 * restarted keeps its data.
 *
 * @example
 * const cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });
 * const client = new Cluster(
 *   cluster.seeds.map((seed) => ({ host: seed.split(':')[0], port: Number(seed.split(':')[1]) })),
 * );
 * const primary = await cluster.primaryOf(await cluster.slotOf('session:{abc}'));
 * await cluster.kill(primary.port); // its replica takes over within a few seconds
 * await cluster.waitForHealthy();
 * await cluster.stop();
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  if (!Number.isInteger(primaries) || primaries < 3) {
    throw new TypeError(`primaries must be an integer of at least 3, got ${primaries}`);
  }
  if (!Number.isInteger(replicasPerPrimary) || replicasPerPrimary < 0) {
    throw new TypeError(`replicasPerPrimary must be a non-negative integer, got ${replicasPerPrimary}`);
  }
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const directory = topologyDirectory(options.dir, 'cluster');
  const ports = await topologyPorts(primaries * (1 + replicasPerPrimary), options.basePort, BUS_OFFSET);
  const nodes = new Map(
    ports.map((port) => [
      port,
      new TopologyNode(
        port,
        join(directory.path, String(port)),
        clusterNodeSettings(port, join(directory.path, String(port)), nodeTimeoutMs),
        {
          sentinel: false,
          detached: options.detached ?? false,
        },
      ),
    ]),
  );
  const seeds = ports.map((port) => `${TOPOLOGY_HOST}:${port}`);

  const nodeOn = (port: number): TopologyNode => {
    const node = nodes.get(port);
    if (!node) throw new TypeError(`no node of this cluster listens on port ${port}`);
    return node;
  };
  const livePorts = (): number[] => ports.filter((port) => nodeOn(port).running);

  /** `CLUSTER NODES` from the first live node that answers. */
  const readNodes = async (): Promise<ClusterNodesLine[]> => {
    let lastError: unknown;
    for (const port of livePorts()) {
      try {
        const text = await onNode(port, (redis) => redis.call('CLUSTER', 'NODES') as Promise<string>);
        return parseClusterNodes(text).sort((a, b) => a.port - b.port);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no node of the cluster answers CLUSTER NODES (${String(lastError)})`);
  };

  /**
   * What keeps the cluster from being healthy, or undefined. Every node's view is compared with what each node says
   * of itself: right after `--cluster create` or a failover, a node may still see a replica as an empty primary, or
   * a promoted replica as a replica, until gossip reaches it, and a client asking that node would be misled.
   */
  const healthProblem = async (): Promise<string | undefined> => {
    const live = livePorts();
    const views = new Map<number, ClusterNodesLine[]>();
    for (const port of live) {
      const info = await onNode(port, (redis) => redis.call('CLUSTER', 'INFO') as Promise<string>);
      if (infoField(info, 'cluster_state') !== 'ok') return `node ${port}: cluster_state is not ok`;
      if (infoField(info, 'cluster_slots_ok') !== String(SLOTS)) {
        return `node ${port}: ${infoField(info, 'cluster_slots_ok')} of ${SLOTS} slots ok`;
      }
      views.set(
        port,
        parseClusterNodes(await onNode(port, (redis) => redis.call('CLUSTER', 'NODES') as Promise<string>)),
      );
    }
    const describe = (node: RedisClusterNode | undefined): string =>
      node === undefined
        ? 'unknown'
        : `${node.role}${node.primaryPort === undefined ? '' : ` of ${node.primaryPort}`}`;
    const selves = new Map(live.map((port) => [port, views.get(port)?.find((node) => node.self)]));
    let agreedLayout: string | undefined;
    for (const [port, view] of views) {
      for (const other of live) {
        const seen = view.find((node) => node.port === other);
        if (seen?.failing) return `node ${port} still thinks node ${other} is failing`;
        const itself = selves.get(other);
        if (describe(seen) !== describe(itself)) {
          return `node ${port} sees ${other} as ${describe(seen)}, which says it is ${describe(itself)}`;
        }
      }
      const layout = view
        .filter((node) => node.role === 'primary' && node.slots.length > 0)
        .map((node) => `${node.port}:${node.slots.join(',')}`)
        .sort()
        .join(' ');
      agreedLayout ??= layout;
      if (layout !== agreedLayout) return `node ${port} disagrees on which primary serves which slots`;
      if (selves.get(port)?.role === 'replica') {
        const replication = await onNode(port, (redis) => redis.info('replication'));
        if (infoField(replication, 'master_link_status') !== 'up')
          return `replica ${port} is not in sync yet`;
      }
    }
    return undefined;
  };

  /** Whether the cluster, healthy, has the layout asked for: each primary with its replicas and a share of slots. */
  const layoutProblem = async (): Promise<string | undefined> => {
    const view = await readNodes();
    const serving = view.filter((node) => node.role === 'primary' && node.slots.length > 0);
    if (serving.length !== primaries) return `${serving.length} primaries serve slots, not ${primaries}`;
    const lacking = serving.find(
      (primary) => view.filter((node) => node.primaryPort === primary.port).length !== replicasPerPrimary,
    );
    return lacking ? `primary ${lacking.port} has not ${replicasPerPrimary} replicas` : undefined;
  };

  const waitForHealthy = (timeoutMs = 30_000): Promise<void> =>
    waitUntilSettled('a healthy cluster', healthProblem, timeoutMs, 200);

  /** `redis-cli --cluster create`, retried from scratch when it fails (a node slow to accept MEET on a busy box). */
  const create = async (): Promise<void> => {
    const args = [
      '--cluster',
      'create',
      ...seeds,
      '--cluster-replicas',
      String(replicasPerPrimary),
      '--cluster-yes',
    ];
    let lastProblem = '';
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        await run('redis-cli', args, { timeout: 60_000 });
        await waitForHealthy(30_000);
        const problem = await layoutProblem();
        if (problem === undefined) return;
        throw new Error(`the cluster created is not laid out as asked: ${problem}`);
      } catch (error) {
        const failure = error as Error & { stdout?: string; stderr?: string };
        lastProblem = [failure.message, failure.stdout, failure.stderr].filter(Boolean).join('\n');
        // Back to empty, unconnected nodes before the next attempt. The nodes hold no keys yet.
        for (const port of ports) {
          await onNode(port, (redis) => redis.call('CLUSTER', 'RESET', 'HARD')).catch(() => undefined);
        }
      }
    }
    throw new Error(`redis-cli --cluster create failed 3 times:\n${lastProblem}`);
  };

  const stop = async (): Promise<void> => {
    await Promise.all([...nodes.values()].map((node) => node.kill()));
    removeTopologyDirectory(directory);
  };

  const primaryOf = async (slot: number): Promise<RedisAddress> => {
    for (const port of livePorts()) {
      const ranges = await onNode(
        port,
        (redis) => redis.call('CLUSTER', 'SLOTS') as Promise<unknown[][]>,
      ).catch(() => undefined);
      for (const [first, last, primary] of ranges ?? []) {
        if (Number(first) <= slot && slot <= Number(last) && Array.isArray(primary)) {
          return { host: String(primary[0]), port: Number(primary[1]) };
        }
      }
    }
    throw new Error(`no live node of the cluster names a primary for slot ${slot}`);
  };

  const moveSlots = async (fromPort: number, toPort: number, slots: readonly number[]): Promise<void> => {
    nodeOn(fromPort);
    nodeOn(toPort);
    const sourceId = await onNode(fromPort, (redis) => redis.call('CLUSTER', 'MYID') as Promise<string>);
    const targetId = await onNode(toPort, (redis) => redis.call('CLUSTER', 'MYID') as Promise<string>);
    for (const slot of slots) {
      // The order of the Redis Cluster specification: the target accepts ASKed commands before the source sends
      // clients there, so no client is ever redirected to a node that refuses it.
      await onNode(toPort, (redis) => redis.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId));
      await onNode(fromPort, (redis) => redis.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId));
      await onNode(fromPort, async (redis) => {
        for (;;) {
          const keys = (await redis.call('CLUSTER', 'GETKEYSINSLOT', slot, MIGRATE_BATCH)) as string[];
          if (keys.length === 0) return;
          await redis.call('MIGRATE', TOPOLOGY_HOST, toPort, '', 0, 10_000, 'KEYS', ...keys);
        }
      });
      // The target first (it bumps its epoch and owns the slot), then the source (which stops answering ASK), then
      // every other primary, so that the MOVED a client gets next points where the slot is.
      const primaryPorts = (await readNodes())
        .filter((node) => node.role === 'primary' && !node.failing && nodeOn(node.port).running)
        .map((node) => node.port);
      const others = primaryPorts.filter((port) => port !== toPort && port !== fromPort);
      for (const port of [toPort, fromPort, ...others]) {
        await onNode(port, (redis) => redis.call('CLUSTER', 'SETSLOT', slot, 'NODE', targetId));
      }
    }
  };

  // A cluster that never became healthy is stopped here: its caller has no handle to stop it with, and a detached
  // one would outlive this process.
  let initialNodes: RedisClusterNode[];
  try {
    await Promise.all([...nodes.values()].map((node) => node.start()));
    await create();
    await waitForHealthy();
    initialNodes = (await readNodes()).map(
      ({ slots: _slots, primaryId: _primaryId, self: _self, ...node }) => node,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: initialNodes,
    seeds,
    dir: directory.path,
    readNodes: async () =>
      (await readNodes()).map(({ slots: _slots, primaryId: _primaryId, self: _self, ...node }) => node),
    pidOf: (port) => nodeOn(port).pid,
    kill: (port) => nodeOn(port).kill(),
    restart: (port) => nodeOn(port).start(),
    waitForHealthy,
    slotOf: async (key) => {
      const [port] = livePorts();
      if (port === undefined) throw new Error('no node of the cluster is running');
      return Number(await onNode(port, (redis) => redis.call('CLUSTER', 'KEYSLOT', key)));
    },
    primaryOf,
    moveSlots,
    stop,
  };
}
