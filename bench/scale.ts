/**
 * How memory and latency grow with the number of stored sessions (10k, 100k, 1M by default), on SQLite and on
 * Redis: for each store and size, the store is seeded with that many sessions, then a gateway (a child process,
 * from the sources) is started on it and measured: its memory after GC, its start time, the store's size, and
 * login, refresh and verify under autocannon, `rounds` times each, alternating (the tables give the median and the
 * spread), with the CPU time each request cost the gateway and the Redis server. A second table shows how a
 * refresh's cost grows with one session's own history of rotations (see `scale/rotation-history.ts`).
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/scale.ts [sizes=10000,100000,1000000]
 *        [stores=sqlite,redis] [seconds=5] [rounds=3]
 *
 * SQLite and Redis get a store of their own per size (a file; a scratch redis-server on a free port, without
 * persistence, stopped at the end), and the sizes' rounds are interleaved so that the machine's drift falls on all of
 * them alike. `redis-cluster` measures the Redis Cluster named by
 * WECOM_AUTH_BENCH_REDIS_CLUSTER (`host:port,…`; skipped when unset), passed to the gateway as REDIS_CLUSTER_NODES:
 * one cluster, so its sizes are seeded incrementally on it (10k, then 90k more, …) and measured one after the other.
 * The sandbox and the load generator share this process.
 */
import { cpus } from 'node:os';
import { loadConfig } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { activeDemoUserIds, demoGatewayEnv } from '@wecom-auth/testing';
import { startBenchSandbox } from './bench-gateway.js';
import { fixed, table } from './measure.js';
import {
  type GatewayFigures,
  type Measurement,
  measureGateway,
  startMeasurement,
} from './scale/measure-gateway.js';
import { RefreshTokens } from './scale/refresh-tokens.js';
import { type HistoryPoint, measureRotationHistory } from './scale/rotation-history.js';
import { roundOrder } from './scale/round-order.js';
import { costRows, runSummary } from './scale/scale-report.js';
import {
  clusterNodesFromEnv,
  clusterNodesVariable,
  openScaleStore,
  type ScaleStore,
  type ScaleStoreKind,
  scaleStoreKinds,
} from './scale/scale-stores.js';
import { seedPlan } from './scale/seeded-sessions.js';

const usage =
  'usage: bench/scale.ts [sizes=10000,100000,1000000] [stores=sqlite,redis] [seconds=5] [rounds=3] (stores: sqlite, redis, redis-cluster)';
const sizes = (process.argv[2] ?? '10000,100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const requestedKinds = (process.argv[3] ?? 'sqlite,redis').split(',');
const seconds = Number(process.argv[4] ?? 5);
const rounds = Number(process.argv[5] ?? 3);
if (
  sizes.some((size) => !Number.isInteger(size) || size < 1) ||
  !(seconds > 0) ||
  !(Number.isInteger(rounds) && rounds >= 1)
) {
  throw new Error(usage);
}
for (const kind of requestedKinds) {
  if (!(scaleStoreKinds as readonly string[]).includes(kind)) {
    throw new Error(`unknown store ${kind}: use ${scaleStoreKinds.join(', ')}`);
  }
}

const progress = (line: string): boolean => process.stderr.write(`${line}\n`);
const mb = (bytes: number): string => fixed(bytes / 1_048_576, 1);

// A cluster is the operator's: without its nodes there is nothing to measure, which is said, not failed.
const kinds = requestedKinds.filter((kind) => {
  if (kind !== 'redis-cluster' || clusterNodesFromEnv() !== undefined) return true;
  progress(
    `redis-cluster: skipped, ${clusterNodesVariable} is not set (host:port,host:port,… of the cluster's nodes)`,
  );
  return false;
}) as ScaleStoreKind[];

const sandbox = await startBenchSandbox();
const userIds = activeDemoUserIds();
const plan = seedPlan({
  corpId: DEMO_CORP_ID,
  secret: DEMO_APP.secret,
  userIds,
  refreshTtlSeconds: loadConfig({ env: {} }).refreshTokenTtl,
});
const upstreamEnv = demoGatewayEnv(sandbox.url);

interface Row {
  readonly kind: string;
  readonly sessions: number;
  readonly seedSeconds: number;
  /** Reading every seeded session once before the runs (see scale/warm-store.ts). */
  readonly warmSeconds?: number;
  readonly figures?: GatewayFigures;
  readonly failure?: string;
}

const rows: Row[] = [];
const historyMarks = [10, 100, 1_000, 2_000];
const histories: { kind: string; points: HistoryPoint[] }[] = [];
const startedAt = performance.now();
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * SQLite and one Redis: a store of its own per size, each seeded from scratch, and the sizes' rounds interleaved
 * (round 1 of every size, then round 2, …, every other round in the reverse order: see scale/round-order.ts), so
 * that the machine's drift over the minutes of a run falls on every size alike instead of on whichever size came
 * last.
 */
async function measureInterleaved(kind: Exclude<ScaleStoreKind, 'redis-cluster'>): Promise<void> {
  interface Sized {
    readonly size: number;
    readonly store: ScaleStore;
    readonly tokens: RefreshTokens;
    seedSeconds: number;
    warmSeconds: number;
    measurement?: Measurement;
    failure?: string;
  }
  const sized: Sized[] = [];
  try {
    for (const size of sizes) {
      const entry: Sized = {
        size,
        store: await openScaleStore(kind, plan),
        tokens: new RefreshTokens(plan),
        seedSeconds: 0,
        warmSeconds: 0,
      };
      sized.push(entry);
      const seedStart = performance.now();
      progress(`${kind} ${size}: seeding`);
      try {
        await entry.store.seed(0, size);
      } catch (error) {
        // A size that does not fit (memory, disk) is reported, not fatal: the smaller sizes still stand.
        entry.failure = `seeding failed: ${reason(error)}`;
        break;
      }
      entry.seedSeconds = (performance.now() - seedStart) / 1000;
      entry.tokens.seededUpTo(size);
      progress(`${kind} ${size}: seeded in ${fixed(entry.seedSeconds, 1)} s`);
    }
    const measured = sized.filter((entry) => entry.failure === undefined);
    for (const entry of measured) {
      const warmStart = performance.now();
      await entry.store.warm(entry.size);
      entry.warmSeconds = (performance.now() - warmStart) / 1000;
      try {
        entry.measurement = await startMeasurement({
          env: { ...upstreamEnv, ...entry.store.env },
          sandbox,
          userIds,
          tokens: entry.tokens,
          seconds,
          storeBytes: () => entry.store.bytes(),
          ...(entry.store.server ? { server: entry.store.server } : {}),
        });
      } catch (error) {
        entry.failure = `measuring failed: ${reason(error)}`;
      }
    }
    for (let round = 1; round <= rounds; round++) {
      for (const entry of roundOrder(measured, round)) {
        if (!entry.measurement || entry.failure !== undefined) continue;
        progress(`${kind} ${entry.size}: round ${round} of ${rounds}`);
        try {
          await entry.measurement.round();
        } catch (error) {
          // Reported with the others rather than losing the sizes measured so far.
          entry.failure = `measuring failed: ${reason(error)}`;
        }
      }
    }
    for (const entry of sized) {
      const { size: sessions, seedSeconds, warmSeconds } = entry;
      if (entry.measurement && entry.failure === undefined) {
        try {
          rows.push({ kind, sessions, seedSeconds, warmSeconds, figures: await entry.measurement.finish() });
          continue;
        } catch (error) {
          entry.failure = `measuring failed: ${reason(error)}`;
        }
      }
      rows.push({ kind, sessions, seedSeconds, failure: entry.failure ?? 'not measured' });
    }
  } finally {
    for (const entry of sized) {
      await entry.measurement?.close();
      await entry.store.close();
    }
  }
}

/**
 * A Redis Cluster is the operator's, one per run: its sizes are seeded incrementally on it (10k, then 90k more, …)
 * and each is measured in turn, its rounds in a row.
 */
async function measureIncrementally(kind: ScaleStoreKind): Promise<void> {
  const store = await openScaleStore(kind, plan);
  const tokens = new RefreshTokens(plan);
  let seeded = 0;
  try {
    for (const size of sizes) {
      const seedStart = performance.now();
      try {
        progress(`${kind}: seeding sessions ${seeded} … ${size - 1}`);
        await store.seed(seeded, size);
      } catch (error) {
        rows.push({ kind, sessions: size, seedSeconds: 0, failure: `seeding failed: ${reason(error)}` });
        break;
      }
      const seedSeconds = (performance.now() - seedStart) / 1000;
      seeded = size;
      tokens.seededUpTo(size);
      progress(`${kind}: ${size} sessions seeded in ${fixed(seedSeconds, 1)} s; reading them once`);
      const warmStart = performance.now();
      await store.warm(size);
      const warmSeconds = (performance.now() - warmStart) / 1000;
      progress(`${kind}: read in ${fixed(warmSeconds, 1)} s; measuring`);
      try {
        const figures = await measureGateway({
          env: { ...upstreamEnv, ...store.env },
          sandbox,
          userIds,
          tokens,
          seconds,
          rounds,
          storeBytes: () => store.bytes(),
          ...(store.server ? { server: store.server } : {}),
        });
        rows.push({ kind, sessions: size, seedSeconds, warmSeconds, figures });
      } catch (error) {
        rows.push({ kind, sessions: size, seedSeconds, failure: `measuring failed: ${reason(error)}` });
      }
    }
  } finally {
    await store.close();
  }
}

try {
  for (const kind of kinds) {
    if (kind === 'redis-cluster') await measureIncrementally(kind);
    else await measureInterleaved(kind);
  }
  for (const kind of kinds) {
    if (kind === 'redis-cluster') continue;
    progress(`${kind}: rotating one session ${Math.max(...historyMarks)} times`);
    histories.push({ kind, points: await measureRotationHistory(kind, plan, historyMarks) });
  }
} finally {
  await sandbox.close();
}

const measured = rows.flatMap((row) => (row.figures ? [{ ...row, figures: row.figures }] : []));
const endpoints = ['login', 'refresh', 'verify'] as const;
process.stdout.write(
  `Stored sessions vs gateway memory and throughput (${rounds} rounds of ${seconds} s per endpoint, 32 connections; ` +
    'requests/s as median (min–max) of the rounds, latency of the median round; gateway memory after GC)\n\n',
);
process.stdout.write(
  `${table(
    [
      'store',
      'sessions',
      'store MB',
      'gateway RSS MB idle → loaded',
      'heap MB loaded',
      'start ms',
      ...endpoints.flatMap((endpoint) => [`${endpoint}/s`, `${endpoint} p50/p99 ms`]),
      'non-2xx/errors',
      'load avg',
    ],
    measured.map(({ kind, sessions, figures: f }) => {
      const summaries = endpoints.map((endpoint) => runSummary(f.runs[endpoint]));
      const all = endpoints.flatMap((endpoint) => f.runs[endpoint]);
      const failures = all.reduce((sum, run) => sum + run.non2xx + run.errors, 0);
      const loads = all.map((run) => run.loadAverage);
      return [
        kind,
        sessions.toLocaleString('en-US'),
        mb(f.storeBytes),
        `${mb(f.idle.rss)} → ${mb(f.loaded.rss)}`,
        mb(f.loaded.heapUsed),
        fixed(f.startMs),
        ...summaries.flatMap((summary) => [summary.rate, summary.latency]),
        failures,
        `${fixed(Math.min(...loads), 1)}–${fixed(Math.max(...loads), 1)}`,
      ];
    }),
  )}\n`,
);
process.stdout.write(
  '\nCPU time per request, median of the rounds (µs): the gateway process, and the Redis server where there is one. ' +
    'Redis commands: µs per call and calls per request in the refresh and login runs (inside scripts included), ' +
    'the costliest first\n\n',
);
process.stdout.write(
  `${table(
    [
      'store',
      'sessions',
      ...endpoints.map((endpoint) => `${endpoint} CPU µs gateway / Redis`),
      'refresh: Redis µs/call × calls/request',
      'login: Redis µs/call × calls/request',
    ],
    measured.map(({ kind, sessions, figures }) => [
      kind,
      sessions.toLocaleString('en-US'),
      ...costRows(figures),
    ]),
  )}\n`,
);
for (const row of rows.filter((r) => r.failure)) {
  process.stdout.write(`\n${row.kind} at ${row.sessions.toLocaleString('en-US')} sessions: ${row.failure}\n`);
}
if (histories.length > 0) {
  process.stdout.write(
    `\nOne session's refresh history: median time of a rotation through the store adapter (ms)\n\n${table(
      ['store', ...historyMarks.map((mark) => `after ${mark.toLocaleString('en-US')} rotations`)],
      histories.map(({ kind, points }) => [kind, ...points.map((point) => fixed(point.medianMs, 2))]),
    )}\n`,
  );
}
const seeding = measured
  .map(
    (row) =>
      `${row.kind} ${row.sessions.toLocaleString('en-US')}: ${fixed(row.seedSeconds, 1)} s (then read once in ${fixed(row.warmSeconds ?? 0, 1)} s)`,
  )
  .join(', ');
process.stdout.write(
  `\nSeeding (not measured above; SQLite and Redis a store per size, a cluster incrementally): ${seeding}.\n` +
    `Whole run ${fixed((performance.now() - startedAt) / 60_000, 1)} min; Node ${process.version}, ${cpus().length} cores.\n` +
    `Command: node --conditions=@wecom-auth/source --import tsx bench/scale.ts ${sizes.join(',')} ${requestedKinds.join(',')} ${seconds} ${rounds}\n`,
);
if (
  rows.some((row) => row.failure) ||
  measured.some((row) =>
    endpoints.some((endpoint) => row.figures.runs[endpoint].some((run) => run.non2xx + run.errors > 0)),
  )
) {
  process.exitCode = 1;
}
