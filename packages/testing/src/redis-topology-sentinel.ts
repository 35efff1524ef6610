/**
 * A real Redis Sentinel set for the tests, the benchmarks and CI: a primary, its replicas and the sentinels that
 * watch them, each a redis-server child process, with the controls a test needs (kill a node, wait for the failover,
 * restart the old primary and see it come back as a replica).
 */
import { join } from 'node:path';
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

/** How {@link startRedisSentinel} lays the set out. */
export interface RedisSentinelOptions {
  /** Replicas of the primary (default 1). */
  readonly replicas?: number;
  /** Sentinels (default 3); a failover needs a majority of them, so at least 2 must outlive a failure. */
  readonly sentinels?: number;
  /** The name the sentinels monitor the primary by (default `wecom-auth`). */
  readonly name?: string;
  /** The primary on this port, the replicas on the next ones; free ports when unset. */
  readonly basePort?: number;
  /** The sentinels on consecutive ports from this one; `basePort + 20000` when only `basePort` is set. */
  readonly sentinelBasePort?: number;
  /** Where the nodes keep their data; a private temporary directory, removed by `stop()`, when unset. */
  readonly dir?: string;
  /**
   * `down-after-milliseconds` (default 2000): how long the primary may be silent before a failover starts. Shorter
   * makes a busy machine fail over a primary that was only slow to answer.
   */
  readonly downAfterMs?: number;
  /** `failover-timeout` (default 6000 ms). */
  readonly failoverTimeoutMs?: number;
  /** Leave the nodes running after this process exits (default false); see `RedisClusterOptions.detached`. */
  readonly detached?: boolean;
}

/** A running Sentinel set; see {@link startRedisSentinel}. */
export interface RedisSentinelSet {
  /** The name the sentinels know the primary by. */
  readonly name: string;
  /** The primary at start, as `host:port`; {@link RedisSentinelSet.currentPrimary} for now. */
  readonly primary: string;
  /** The replicas at start, as `host:port`. */
  readonly replicas: readonly string[];
  /** The sentinels, as `host:port`, for ioredis `sentinels:` or `REDIS_SENTINELS`. */
  readonly sentinels: readonly string[];
  /** Where the nodes keep their configuration, data and logs. */
  readonly dir: string;
  /** The process id of the node (data node or sentinel) on `port` while it runs. */
  pidOf(port: number): number | undefined;
  /** SIGKILL to the node on `port`: a crash. Resolves once the process is gone. */
  kill(port: number): Promise<void>;
  /**
   * Starts the node on `port` again with its configuration and data. An old primary comes back as a primary of
   * nothing, and the sentinels turn it into a replica of the new one within a few seconds
   * ({@link RedisSentinelSet.waitForHealthy} waits for that).
   */
  restart(port: number): Promise<void>;
  /** The primary as a live sentinel names it (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
  currentPrimary(): Promise<RedisAddress>;
  /**
   * Resolves with the new primary once every live sentinel names the same primary other than
   * `previousPrimaryPort` and that node answers `ROLE` as a master. Throws after `timeoutMs` (default 30 s).
   */
  waitForFailover(previousPrimaryPort: number, timeoutMs?: number): Promise<RedisAddress>;
  /**
   * Resolves when every live sentinel names the same primary, that node is a master, every other live data node is a
   * connected replica of it, and every live sentinel knows those replicas as healthy and the other live sentinels.
   * Throws, naming what was still wrong, after `timeoutMs` (default 30 s).
   */
  waitForHealthy(timeoutMs?: number): Promise<void>;
  /** Kills every node and removes the directory when the set made it. */
  stop(): Promise<void>;
}

/** `SENTINEL REPLICAS|SENTINELS` answer each instance as a flat `[field, value, …]` list. */
function fieldsOf(entry: unknown): Map<string, string> {
  const list = Array.isArray(entry) ? entry.map(String) : [];
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < list.length; index += 2)
    fields.set(list[index] ?? '', list[index + 1] ?? '');
  return fields;
}

function isHealthyInstance(fields: Map<string, string>): boolean {
  const flags = (fields.get('flags') ?? '').split(',');
  return !flags.some((flag) => flag === 's_down' || flag === 'o_down' || flag === 'disconnected');
}

/**
 * Starts a primary, `replicas` replicas and `sentinels` sentinels on the loopback and waits until the sentinels know
 * each other and the replicas, so that a failure of the primary is failed over at once. The data nodes persist with
 * an append-only file (`appendfsync everysec`); the sentinels need a majority (2 of 3) to fail over.
 *
 * @example
 * const set = await startRedisSentinel({ replicas: 1, sentinels: 3 });
 * const client = new Redis({ sentinels: set.sentinels.map(toAddress), name: set.name });
 * const old = await set.currentPrimary();
 * await set.kill(old.port);
 * await set.waitForFailover(old.port); // the replica is the primary now
 * await set.restart(old.port); // and the old primary comes back as its replica
 * await set.waitForHealthy();
 * await set.stop();
 */
export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const name = options.name ?? 'wecom-auth';
  if (!Number.isInteger(replicaCount) || replicaCount < 0) {
    throw new TypeError(`replicas must be a non-negative integer, got ${replicaCount}`);
  }
  if (!Number.isInteger(sentinelCount) || sentinelCount < 1) {
    throw new TypeError(`sentinels must be a positive integer, got ${sentinelCount}`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new TypeError(`name must be letters, digits, '.', '_' or '-', got ${name}`);
  const detached = options.detached ?? false;
  const directory = topologyDirectory(options.dir, 'sentinel');
  const dataPorts = await topologyPorts(1 + replicaCount, options.basePort);
  const sentinelBase =
    options.sentinelBasePort ?? (options.basePort === undefined ? undefined : options.basePort + 20_000);
  const sentinelPorts = await topologyPorts(sentinelCount, sentinelBase);
  const [primaryPort = 0, ...replicaPorts] = dataPorts;
  const quorum = Math.floor(sentinelCount / 2) + 1;

  const nodes = new Map<number, TopologyNode>();
  for (const port of dataPorts) {
    const dir = join(directory.path, String(port));
    const settings = [
      ...dataNodeSettings(port, dir),
      // Announced as the address clients reach it by, which is what the sentinels hand out.
      `replica-announce-ip ${TOPOLOGY_HOST}`,
      ...(port === primaryPort ? [] : [`replicaof ${TOPOLOGY_HOST} ${primaryPort}`]),
    ];
    nodes.set(port, new TopologyNode(port, dir, settings, { sentinel: false, detached }));
  }
  for (const port of sentinelPorts) {
    const dir = join(directory.path, `sentinel-${port}`);
    const settings = [
      `port ${port}`,
      `bind ${TOPOLOGY_HOST}`,
      `dir ${dir}`,
      `logfile ${join(dir, 'redis.log')}`,
      'daemonize no',
      'sentinel resolve-hostnames no',
      `sentinel announce-ip ${TOPOLOGY_HOST}`,
      `sentinel monitor ${name} ${TOPOLOGY_HOST} ${primaryPort} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 2_000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 6_000}`,
      `sentinel parallel-syncs ${name} 1`,
    ];
    nodes.set(port, new TopologyNode(port, dir, settings, { sentinel: true, detached }));
  }

  const nodeOn = (port: number): TopologyNode => {
    const node = nodes.get(port);
    if (!node) throw new TypeError(`no node of this Sentinel set listens on port ${port}`);
    return node;
  };
  /**
   * Starts a node; a sentinel then gets shorter internal periods (`SENTINEL DEBUG`, not settable in its file): it
   * looks at each instance's INFO every second instead of every 10 s and says hello every half second instead of
   * every 2 s, so a fresh set and a restarted old primary are known to every sentinel in about a second. A shorter
   * tilt period bounds the pause a sentinel takes when a busy machine delays its timer (it fails nothing over while
   * tilted).
   */
  const startNode = async (port: number): Promise<void> => {
    await nodeOn(port).start();
    if (!sentinelPorts.includes(port)) return;
    await onNode(port, (redis) =>
      redis.call('SENTINEL', 'DEBUG', 'info-period', 1_000, 'publish-period', 500, 'tilt-period', 5_000),
    );
  };
  const liveSentinels = (): number[] => sentinelPorts.filter((port) => nodeOn(port).running);
  const liveDataPorts = (): number[] => dataPorts.filter((port) => nodeOn(port).running);

  const primaryNamedBy = async (sentinelPort: number): Promise<RedisAddress | undefined> => {
    const answer = await onNode(sentinelPort, (redis) =>
      redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name),
    ).catch(() => undefined);
    if (!Array.isArray(answer) || answer.length < 2) return undefined;
    return { host: String(answer[0]), port: Number(answer[1]) };
  };

  const currentPrimary = async (): Promise<RedisAddress> => {
    for (const port of liveSentinels()) {
      const primary = await primaryNamedBy(port);
      if (primary) return primary;
    }
    throw new Error(`no live sentinel names a primary for ${name}`);
  };

  /** The one primary every live sentinel names, or why there is none. */
  const agreedPrimary = async (): Promise<RedisAddress | string> => {
    const named = await Promise.all(liveSentinels().map(primaryNamedBy));
    const ports = new Set(named.map((address) => address?.port));
    const [only] = named;
    if (named.length === 0) return 'no sentinel is running';
    if (ports.size !== 1 || only === undefined)
      return `the sentinels name different primaries (${[...ports]})`;
    return only;
  };

  const roleOf = (port: number): Promise<unknown[]> =>
    onNode(port, (redis) => redis.call('ROLE') as Promise<unknown[]>);

  const failoverProblem = async (previousPort: number): Promise<string | undefined> => {
    const primary = await agreedPrimary();
    if (typeof primary === 'string') return primary;
    if (primary.port === previousPort) return `the sentinels still name ${previousPort}`;
    const [role] = await roleOf(primary.port);
    return role === 'master'
      ? undefined
      : `${primary.port}, named by the sentinels, is still a ${String(role)}`;
  };

  const waitForFailover = async (previousPrimaryPort: number, timeoutMs = 30_000): Promise<RedisAddress> => {
    await waitUntilSettled('a failover', () => failoverProblem(previousPrimaryPort), timeoutMs);
    return currentPrimary();
  };

  const healthProblem = async (): Promise<string | undefined> => {
    const primary = await agreedPrimary();
    if (typeof primary === 'string') return primary;
    const live = liveDataPorts();
    if (!live.includes(primary.port)) return `the sentinels name ${primary.port}, which is not running`;
    const [role] = await roleOf(primary.port);
    if (role !== 'master') return `${primary.port}, named by the sentinels, is a ${String(role)}`;
    const replicas = live.filter((port) => port !== primary.port);
    for (const port of replicas) {
      const [replicaRole, , replicaOf, state] = await roleOf(port);
      if (replicaRole !== 'slave' || Number(replicaOf) !== primary.port || state !== 'connected') {
        return `${port} is not yet a connected replica of ${primary.port}`;
      }
    }
    const sentinels = liveSentinels();
    for (const sentinel of sentinels) {
      const known = (await onNode(sentinel, (redis) =>
        redis.call('SENTINEL', 'REPLICAS', name),
      )) as unknown[];
      const healthy = known.map(fieldsOf).filter(isHealthyInstance);
      const missing = replicas.find((port) => !healthy.some((fields) => fields.get('port') === String(port)));
      if (missing !== undefined)
        return `sentinel ${sentinel} does not yet know ${missing} as a healthy replica`;
      const peers = (await onNode(sentinel, (redis) =>
        redis.call('SENTINEL', 'SENTINELS', name),
      )) as unknown[];
      const healthyPeers = peers.map(fieldsOf).filter(isHealthyInstance).length;
      if (healthyPeers < sentinels.length - 1)
        return `sentinel ${sentinel} knows ${healthyPeers} other sentinels`;
    }
    return undefined;
  };

  const waitForHealthy = (timeoutMs = 30_000): Promise<void> =>
    waitUntilSettled('a healthy Sentinel set', healthProblem, timeoutMs, 200);

  const stop = async (): Promise<void> => {
    await Promise.all([...nodes.values()].map((node) => node.kill()));
    removeTopologyDirectory(directory);
  };

  try {
    // The data nodes first, so that each sentinel's first look at the primary lists its replicas.
    await Promise.all(dataPorts.map(startNode));
    await Promise.all(sentinelPorts.map(startNode));
    await waitForHealthy();
  } catch (error) {
    await stop();
    throw error;
  }

  const address = (port: number): string => `${TOPOLOGY_HOST}:${port}`;
  return {
    name,
    primary: address(primaryPort),
    replicas: replicaPorts.map(address),
    sentinels: sentinelPorts.map(address),
    dir: directory.path,
    pidOf: (port) => nodeOn(port).pid,
    kill: (port) => nodeOn(port).kill(),
    restart: startNode,
    currentPrimary,
    waitForFailover,
    waitForHealthy,
    stop,
  };
}
