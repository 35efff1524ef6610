#!/usr/bin/env node
// The long-lived Redis Cluster and Sentinel set of CI and of developers' machines, on fixed ports:
//
//   node scripts/redis-topologies.mjs start   starts them in the background (already running: says so), prints the
//                                             variables the tests read and writes them to .redis-topologies.env
//   node scripts/redis-topologies.mjs stop    kills them and removes their directory and the env file
//
//   cluster: 3 primaries and 3 replicas on 127.0.0.1:7101–7106 (bus ports 17101–17106)
//   sentinel set `wecom-auth`: primary 127.0.0.1:7201, replica 7202, sentinels 27201–27203
//
// Load the variables with `set -a; . ./.redis-topologies.env; set +a` (or `node --env-file=.redis-topologies.env`).
// The nodes live in WECOM_AUTH_REDIS_TOPOLOGIES_DIR (default: a directory of the system's temporary directory, one
// per user, since the ports are one per machine); its state.json lists their process ids for `stop`.
//
// The topologies are built by packages/testing's harness (TypeScript, loaded through tsx), so CI, the developers and
// the tests' own topologies start Redis the same way.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('..', import.meta.url));
const envFile = join(root, '.redis-topologies.env');
const dir =
  process.env.WECOM_AUTH_REDIS_TOPOLOGIES_DIR ??
  join(tmpdir(), `wecom-auth-redis-topologies-${userInfo().uid}`);
const stateFile = join(dir, 'state.json');

const CLUSTER_BASE_PORT = 7101;
const SENTINEL_BASE_PORT = 7201;
const SENTINEL_NAME = 'wecom-auth';

/** Whether `pid` is a running redis-server (a recorded pid may since belong to something else). */
function isRedisServer(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]?.includes('redis-server') ?? false;
  } catch {
    return false;
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function envLines(state) {
  return [
    `WECOM_AUTH_TEST_REDIS_CLUSTER=${state.cluster.join(',')}`,
    `WECOM_AUTH_TEST_REDIS_SENTINELS=${state.sentinels.join(',')}`,
    `WECOM_AUTH_TEST_REDIS_SENTINEL_NAME=${state.sentinelName}`,
  ];
}

function announce(state, how) {
  const lines = envLines(state);
  writeFileSync(envFile, `${lines.join('\n')}\n`);
  process.stderr.write(`Redis topologies ${how} (nodes in ${dir}); written to ${envFile}:\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Kills the recorded processes that are still redis-servers, and waits until they are gone. */
async function killRecorded(state) {
  const pids = (state?.pids ?? []).filter(isRedisServer);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  for (let waited = 0; pids.some(isRedisServer) && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the recorded topologies serve: every node answers, the cluster is ok, a sentinel names a primary. */
async function healthy(state) {
  const { answersPing, onNode } = await import('../packages/testing/src/redis-topology.ts');
  const answering = await Promise.all(state.ports.map(answersPing));
  if (!answering.every(Boolean)) return false;
  try {
    const [clusterPort] = state.cluster.map((address) => Number(address.split(':')[1]));
    const info = await onNode(clusterPort, (redis) => redis.call('CLUSTER', 'INFO'));
    const [sentinelPort] = state.sentinels.map((address) => Number(address.split(':')[1]));
    const primary = await onNode(sentinelPort, (redis) =>
      redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', state.sentinelName),
    );
    return /^cluster_state:ok/m.test(info) && Array.isArray(primary);
  } catch {
    return false;
  }
}

async function start() {
  register();
  const previous = readState();
  if (previous?.pids.every(isRedisServer) && (await healthy(previous))) {
    announce(previous, 'already running');
    return;
  }
  // Half a topology (a node killed, a machine rebooted) is started afresh rather than repaired.
  await killRecorded(previous);
  rmSync(dir, { recursive: true, force: true });

  const { startRedisCluster } = await import('../packages/testing/src/redis-topology-cluster.ts');
  const { startRedisSentinel } = await import('../packages/testing/src/redis-topology-sentinel.ts');
  const cluster = await startRedisCluster({
    primaries: 3,
    replicasPerPrimary: 1,
    basePort: CLUSTER_BASE_PORT,
    dir: join(dir, 'cluster'),
    detached: true,
  });
  let sentinel;
  try {
    sentinel = await startRedisSentinel({
      replicas: 1,
      sentinels: 3,
      name: SENTINEL_NAME,
      basePort: SENTINEL_BASE_PORT,
      dir: join(dir, 'sentinel'),
      detached: true,
    });
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const sentinelPorts = [sentinel.primary, ...sentinel.replicas, ...sentinel.sentinels].map((address) =>
    Number(address.split(':')[1]),
  );
  const clusterPorts = cluster.seeds.map((address) => Number(address.split(':')[1]));
  const ports = [...clusterPorts, ...sentinelPorts];
  const state = {
    cluster: cluster.seeds,
    sentinels: sentinel.sentinels,
    sentinelName: sentinel.name,
    ports,
    pids: [...clusterPorts.map(cluster.pidOf), ...sentinelPorts.map(sentinel.pidOf)],
  };
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  announce(state, 'started');
}

async function stop() {
  const state = readState();
  await killRecorded(state);
  rmSync(dir, { recursive: true, force: true });
  rmSync(envFile, { force: true });
  process.stderr.write(
    state ? `Redis topologies stopped; ${dir} removed.\n` : 'No Redis topologies were running.\n',
  );
}

const command = process.argv[2];
if (command === 'start') {
  await start();
} else if (command === 'stop') {
  await stop();
} else {
  process.stderr.write('usage: node scripts/redis-topologies.mjs start|stop\n');
  process.exitCode = 2;
}
// The nodes are detached and every admin connection closed; exit without waiting on anything tsx may hold open.
process.exit(process.exitCode ?? 0);
