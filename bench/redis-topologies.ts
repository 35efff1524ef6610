/**
 * What a login costs on each Redis topology, and what confirming its writes on a replica (`REDIS_WAIT_REPLICAS=1`,
 * `WAIT`) adds: logins/s of one gateway process on one Redis (the baseline), a Sentinel-managed primary with one
 * replica, and a Redis Cluster of three primaries with one replica each, each without and with `WAIT`. Rounds are
 * interleaved (every configuration once per round), and each ratio is against the one-Redis run of the same round,
 * so a machine that slows down during the run moves the baseline with it.
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/redis-topologies.ts [seconds=5] [rounds=3]
 *
 * Every server is a redis-server child on free local ports, persisting as in production (append-only file, fsync
 * every second); the gateway is a child process; the sandbox and the load generator share this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  activeDemoUserIds,
  demoGatewayEnv,
  freePort,
  ScratchRedis,
  spawnGateway,
  startRedisCluster,
  startRedisSentinel,
} from '@wecom-auth/testing';
import { startBenchSandbox } from './bench-gateway.js';
import { fixed, jsonPostsEach, load, median, table } from './measure.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) {
  throw new Error('usage: bench/redis-topologies.ts [seconds=5] [rounds=3]');
}
const connections = 32;
const progress = (line: string): boolean => process.stderr.write(`${line}\n`);

const sandbox = await startBenchSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-bench-topologies-'));
const single = new ScratchRedis(await freePort(), { dir: dataDir });
await single.start();
const sentinel = await startRedisSentinel({ replicas: 1, sentinels: 3 });
const cluster = await startRedisCluster({ primaries: 3, replicasPerPrimary: 1 });

interface Configuration {
  readonly label: string;
  readonly env: Record<string, string>;
}
const wait = { REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '1000' };
const configurations: readonly Configuration[] = [
  { label: 'one Redis', env: { REDIS_URL: single.url } },
  {
    label: 'Sentinel',
    env: { REDIS_SENTINELS: sentinel.sentinels.join(','), REDIS_SENTINEL_NAME: sentinel.name },
  },
  {
    label: 'Sentinel + WAIT 1',
    env: { REDIS_SENTINELS: sentinel.sentinels.join(','), REDIS_SENTINEL_NAME: sentinel.name, ...wait },
  },
  { label: 'Cluster 3×2', env: { REDIS_CLUSTER_NODES: cluster.seeds.join(',') } },
  { label: 'Cluster 3×2 + WAIT 1', env: { REDIS_CLUSTER_NODES: cluster.seeds.join(','), ...wait } },
];

/** Logins/s of one gateway process on `configuration`, and the answers that were not 201. */
async function measureLogins(configuration: Configuration): Promise<{ rps: number; failures: number }> {
  const gateway = await spawnGateway({
    ...demoGatewayEnv(sandbox.url),
    ...configuration.env,
    LOGIN_RATE_LIMIT: '1000000',
    LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
    LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
  });
  try {
    const users = activeDemoUserIds();
    let next = 0;
    // A warm-up, so the access token, the signing key and the connections are there before the measured run.
    await load({
      ...jsonPostsEach(`${gateway.url}/v1/sessions`, () => ({
        code: sandbox.control.login({ userid: users[next++ % users.length] ?? 'zhangsan' }).code,
      })),
      connections,
      duration: 1,
    });
    const result = await load({
      ...jsonPostsEach(`${gateway.url}/v1/sessions`, () => ({
        code: sandbox.control.login({ userid: users[next++ % users.length] ?? 'zhangsan' }).code,
      })),
      connections,
      duration: seconds,
    });
    return { rps: result.requestsPerSecond, failures: result.non2xx + result.errors };
  } finally {
    await gateway.kill('SIGTERM');
  }
}

try {
  const logins = new Map<string, number[]>(configurations.map(({ label }) => [label, []]));
  const ratios = new Map<string, number[]>(configurations.map(({ label }) => [label, []]));
  let failures = 0;
  for (let round = 1; round <= rounds; round++) {
    let baseline = 0;
    for (const configuration of configurations) {
      const measured = await measureLogins(configuration);
      failures += measured.failures;
      if (configuration === configurations[0]) baseline = measured.rps;
      logins.get(configuration.label)?.push(measured.rps);
      ratios.get(configuration.label)?.push(baseline > 0 ? measured.rps / baseline : 0);
      progress(`round ${round}: ${configuration.label} ${fixed(measured.rps)} logins/s`);
    }
  }
  const spread = (values: readonly number[], digits: number): string =>
    `${fixed(Math.min(...values), digits)} / ${fixed(median(values), digits)} / ${fixed(Math.max(...values), digits)}`;
  process.stdout.write(
    `${table(
      ['store', 'logins/s min / median / max', 'vs one Redis, same round: min / median / max'],
      configurations.map(({ label }) => [
        label,
        spread(logins.get(label) ?? [], 0),
        spread(ratios.get(label) ?? [], 2),
      ]),
    )}\n`,
  );
  process.stdout.write(
    `\n${rounds} rounds of ${seconds} s, ${connections} connections, one gateway process; ${failures} answers not 201; Node ${process.version}, ${cpus().length} cores.\n`,
  );
} finally {
  await Promise.allSettled([sandbox.close(), single.stop('SIGTERM'), sentinel.stop(), cluster.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}
