/**
 * How memory and latency grow with the number of stored sessions (10k, 100k, 1M by default), on SQLite and on
 * Redis: for each store and size, the store is seeded with that many sessions, then a gateway (a child process,
 * from the sources) is started on it and measured: its memory after GC, its start time, the store's size, and
 * login, refresh and verify under autocannon. A second table shows how a refresh's cost grows with one session's
 * own history of rotations (see `scale/rotation-history.ts`).
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/scale.ts [sizes=10000,100000,1000000] [stores=sqlite,redis] [seconds=5]
 *
 * Sizes are seeded incrementally on one store (10k, then 90k more, …). Redis is a scratch redis-server on a free
 * port, without persistence, stopped at the end. The sandbox and the load generator share this process.
 */
import { cpus } from 'node:os';
import { loadConfig } from '@wecom-auth/gateway';
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { activeDemoUserIds, demoGatewayEnv } from '@wecom-auth/testing';
import { startBenchSandbox } from './bench-gateway.js';
import type { LoadResult } from './measure.js';
import { fixed, table } from './measure.js';
import { type GatewayFigures, measureGateway } from './scale/measure-gateway.js';
import { RefreshTokens } from './scale/refresh-tokens.js';
import { type HistoryPoint, measureRotationHistory } from './scale/rotation-history.js';
import { openScaleStore, type ScaleStoreKind } from './scale/scale-stores.js';
import { seedPlan } from './scale/seeded-sessions.js';

const sizes = (process.argv[2] ?? '10000,100000,1000000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const kinds = (process.argv[3] ?? 'sqlite,redis').split(',');
const seconds = Number(process.argv[4] ?? 5);
if (sizes.some((size) => !Number.isInteger(size) || size < 1) || !(seconds > 0)) {
  throw new Error('usage: bench/scale.ts [sizes=10000,100000,1000000] [stores=sqlite,redis] [seconds=5]');
}
for (const kind of kinds) {
  if (kind !== 'sqlite' && kind !== 'redis') throw new Error(`unknown store ${kind}: use sqlite, redis`);
}

const progress = (line: string): boolean => process.stderr.write(`${line}\n`);
const mb = (bytes: number): string => fixed(bytes / 1_048_576, 1);
const latency = (result: LoadResult): string => `${result.p50Ms} / ${result.p99Ms}`;

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
  readonly figures?: GatewayFigures;
  readonly failure?: string;
}

const rows: Row[] = [];
const historyMarks = [10, 100, 1_000, 2_000];
const histories: { kind: string; points: HistoryPoint[] }[] = [];
const startedAt = performance.now();
try {
  for (const kind of kinds as ScaleStoreKind[]) {
    const store = await openScaleStore(kind, plan);
    const tokens = new RefreshTokens();
    let seeded = 0;
    try {
      for (const size of sizes) {
        const seedStart = performance.now();
        try {
          progress(`${kind}: seeding sessions ${seeded} … ${size - 1}`);
          await store.seed(seeded, size);
        } catch (error) {
          // A size that does not fit (memory, disk) is reported, not fatal: the smaller sizes still stand.
          rows.push({ kind, sessions: size, seedSeconds: 0, failure: `seeding failed: ${String(error)}` });
          break;
        }
        const seedSeconds = (performance.now() - seedStart) / 1000;
        seeded = size;
        tokens.seededUpTo(size);
        progress(`${kind}: ${size} sessions seeded in ${fixed(seedSeconds, 1)} s; measuring`);
        try {
          const figures = await measureGateway({
            env: { ...upstreamEnv, ...store.env },
            sandbox,
            userIds,
            tokens,
            seconds,
            storeBytes: () => store.bytes(),
          });
          rows.push({ kind, sessions: size, seedSeconds, figures });
        } catch (error) {
          // Reported with the others rather than losing the sizes already measured.
          const reason = error instanceof Error ? error.message : String(error);
          rows.push({ kind, sessions: size, seedSeconds, failure: `measuring failed: ${reason}` });
        }
      }
    } finally {
      await store.close();
    }
  }
  for (const kind of kinds as ScaleStoreKind[]) {
    progress(`${kind}: rotating one session ${Math.max(...historyMarks)} times`);
    histories.push({ kind, points: await measureRotationHistory(kind, plan, historyMarks) });
  }
} finally {
  await sandbox.close();
}

const measured = rows.filter((row) => row.figures);
process.stdout.write(
  `Stored sessions vs gateway memory and latency (${seconds} s per run, 32 connections; gateway memory after GC)\n\n`,
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
      'login/s',
      'login p50/p99 ms',
      'refresh/s',
      'refresh p50/p99 ms',
      'verify/s',
      'verify p50/p99 ms',
      'non-2xx/errors',
      'load avg',
    ],
    measured.map(({ kind, sessions, figures: f }) => {
      if (!f) return [];
      const failures = [f.login, f.refresh, f.verify].reduce((sum, r) => sum + r.non2xx + r.errors, 0);
      return [
        kind,
        sessions.toLocaleString('en-US'),
        mb(f.storeBytes),
        `${mb(f.idle.rss)} → ${mb(f.loaded.rss)}`,
        mb(f.loaded.heapUsed),
        fixed(f.startMs),
        fixed(f.login.requestsPerSecond),
        latency(f.login),
        fixed(f.refresh.requestsPerSecond),
        latency(f.refresh),
        fixed(f.verify.requestsPerSecond),
        latency(f.verify),
        failures,
        fixed(f.loadAverage, 1),
      ];
    }),
  )}\n`,
);
for (const row of rows.filter((r) => r.failure)) {
  process.stdout.write(`\n${row.kind} at ${row.sessions.toLocaleString('en-US')} sessions: ${row.failure}\n`);
}
process.stdout.write(
  `\nOne session's refresh history: median time of a rotation through the store adapter (ms)\n\n${table(
    ['store', ...historyMarks.map((mark) => `after ${mark.toLocaleString('en-US')} rotations`)],
    histories.map(({ kind, points }) => [kind, ...points.map((point) => fixed(point.medianMs, 2))]),
  )}\n`,
);
const seeding = rows
  .filter((row) => row.figures)
  .map((row) => `${row.kind} ${row.sessions.toLocaleString('en-US')}: ${fixed(row.seedSeconds, 1)} s`)
  .join(', ');
process.stdout.write(
  `\nSeeding (not measured above; incremental per store): ${seeding}.\n` +
    `Whole run ${fixed((performance.now() - startedAt) / 60_000, 1)} min; Node ${process.version}, ${cpus().length} cores.\n` +
    `Command: node --conditions=@wecom-auth/source --import tsx bench/scale.ts ${sizes.join(',')} ${kinds.join(',')} ${seconds}\n`,
);
if (
  rows.some((row) => row.failure) ||
  measured.some(
    (row) =>
      row.figures &&
      [row.figures.login, row.figures.refresh, row.figures.verify].some((r) => r.non2xx + r.errors > 0),
  )
) {
  process.exitCode = 1;
}
