/**
 * Soak: the gateway under a steady, modest mixed load (login, /v1/me, verify, refresh, logout) for minutes, to see
 * whether memory or latency drift. Every interval it prints the gateway's RSS and heap (after a GC, in its own
 * process), the requests of the interval with their p50/p99, non-2xx answers and errors; at the end the RSS and
 * heap growth from the first to the last minute. Stops by itself.
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/soak.ts [--minutes 5] [--interval 10] [--rate 50]
 *        [--users 100] [--redis]
 *
 * SQLite (a throwaway file) by default; `--redis` uses a scratch redis-server on a free port, stopped at the end.
 * The sandbox and the load generator run in this process, the gateway in a child process from the sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { activeDemoUserIds, demoGatewayEnv, type ScratchRedis, startScratchRedis } from '@wecom-auth/testing';
import { startBenchSandbox } from './bench-gateway.js';
import { fixed, table } from './measure.js';
import {
  type GatewayMemory,
  type GatewayMemoryFigure,
  type MeasuredGateway,
  startMeasuredGateway,
} from './measured-gateway.js';
import { MixedLoad } from './soak/mixed-load.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    interval: { type: 'string', default: '10' },
    rate: { type: 'string', default: '50' },
    users: { type: 'string', default: '100' },
    redis: { type: 'boolean', default: false },
  },
});
const minutes = Number(values.minutes);
const intervalSeconds = Number(values.interval);
const rate = Number(values.rate);
const virtualUsers = Number(values.users);
// Bounded: a soak is minutes to hours, never open-ended.
if (!(minutes > 0 && minutes <= 24 * 60) || !(intervalSeconds >= 1) || !(rate > 0) || !(virtualUsers >= 1)) {
  throw new Error(
    'usage: bench/soak.ts [--minutes 0<m≤1440] [--interval s≥1] [--rate req/s] [--users n] [--redis]',
  );
}

interface Sample {
  readonly elapsedS: number;
  readonly memory: GatewayMemory;
}

const mb = (bytes: number): string => fixed(bytes / 1_048_576, 1);
const ms = (value: number): string => (Number.isNaN(value) ? '—' : fixed(value, 1));
const columns = [
  'elapsed s',
  'RSS MB',
  'heap MB',
  'requests',
  'p50 ms',
  'p99 ms',
  'non-2xx',
  'errors',
  'shed',
];

const sandbox = await startBenchSandbox();
const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-soak-'));
let redis: ScratchRedis | undefined;
let gateway: MeasuredGateway | undefined;
let load: MixedLoad | undefined;
const samples: Sample[] = [];
let failed = false;
try {
  redis = values.redis ? await startScratchRedis() : undefined;
  gateway = await startMeasuredGateway({
    ...demoGatewayEnv(sandbox.url),
    ...(redis ? { REDIS_URL: redis.url } : { WECOM_AUTH_DB: join(dataDir, 'soak.db'), REDIS_URL: '' }),
  });
  process.stdout.write(
    `Soak: ${minutes} min at ${rate} req/s, ${virtualUsers} virtual users, ${redis ? 'Redis' : 'SQLite'} store, ` +
      `gateway started in ${fixed(gateway.startMs)} ms\n\n`,
  );
  const header = table(columns, []);
  process.stdout.write(`${header}\n`);

  load = new MixedLoad({
    gatewayUrl: gateway.url,
    rate,
    userIds: activeDemoUserIds(),
    virtualUsers,
    mintCode: (userid) => sandbox.control.login({ userid }).code,
  });
  const startedAt = performance.now();
  load.start();
  const endAt = startedAt + minutes * 60_000;
  while (performance.now() < endAt) {
    const wait = Math.min(intervalSeconds * 1000, endAt - performance.now());
    await new Promise((resolve) => setTimeout(resolve, wait));
    const figures = load.stats.take();
    const memory = await gateway.memory();
    const elapsedS = (performance.now() - startedAt) / 1000;
    samples.push({ elapsedS, memory });
    const row = [
      fixed(elapsedS),
      mb(memory.rss),
      mb(memory.heapUsed),
      figures.requests,
      ms(figures.p50Ms),
      ms(figures.p99Ms),
      figures.non2xx,
      figures.errors,
      figures.shed,
    ];
    // The table's own formatting, one row at a time: the last line of a one-row table.
    process.stdout.write(`${table(columns, [row]).split('\n').at(-1) ?? ''}\n`);
  }
  await load.stop();
} catch (error) {
  failed = true;
  process.stderr.write(
    `soak stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
} finally {
  await load?.stop().catch(() => undefined);
  await gateway?.close();
  await redis?.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// Growth compares the mean of the first minute's readings with the last minute's (one reading is noisy). Heap
// total and external memory are shown too, so that RSS growth can be told apart from the JavaScript heap's.
const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const last = samples.at(-1)?.elapsedS ?? 0;
// At least one reading each, whatever the interval.
const first = samples.filter((s, index) => index === 0 || s.elapsedS <= 60);
const final = samples.filter((s, index) => index === samples.length - 1 || s.elapsedS >= last - 60);
if (first.length > 0 && final.length > 0) {
  const change = (label: string, figure: (memory: GatewayMemory) => number): string => {
    const before = mean(first.map((s) => figure(s.memory)));
    const after = mean(final.map((s) => figure(s.memory)));
    const delta = after - before;
    return `${label} ${mb(before)} → ${mb(after)} MB (${delta >= 0 ? '+' : ''}${mb(delta)})`;
  };
  const growth = (label: string, field: GatewayMemoryFigure): string =>
    change(label, (memory) => memory[field]);
  const growths = [
    growth('RSS', 'rss'),
    growth('heap used', 'heapUsed'),
    growth('heap total', 'heapTotal'),
    growth('external', 'external'),
  ];
  const overlap = last <= 120 ? ' (they overlap in a run this short)' : '';
  process.stdout.write(`\nFirst minute → last minute${overlap}: ${growths.join('; ')}\n`);
  // Where the heap total went: V8's spaces that moved by half a megabyte or more.
  const spaceNames = Object.keys(first[0]?.memory.heapSpaces ?? {});
  const spaces = spaceNames
    .map((name) => ({ name, size: (memory: GatewayMemory) => memory.heapSpaces[name] ?? 0 }))
    .filter(({ size }) => {
      const delta = mean(final.map((s) => size(s.memory))) - mean(first.map((s) => size(s.memory)));
      return Math.abs(delta) >= 512 * 1024;
    })
    .map(({ name, size }) => change(name, size));
  if (spaces.length > 0) process.stdout.write(`V8 heap spaces held: ${spaces.join('; ')}\n`);
}
const totals = [...(load?.stats.totals ?? new Map())];
process.stdout.write(
  `\n${table(
    ['endpoint', 'requests', 'non-2xx', 'errors', 'non-2xx statuses'],
    totals.map(([endpoint, t]) => [
      endpoint,
      t.requests,
      t.non2xx,
      t.errors,
      [...t.statuses].map(([status, count]) => `${status}×${count}`).join(' ') || '—',
    ]),
  )}\n`,
);
const anomalies = totals.reduce((sum, [, t]) => sum + t.non2xx + t.errors, 0);
process.stdout.write(
  anomalies === 0 && !failed
    ? '\nNo errors and no non-2xx answers.\n'
    : `\n${anomalies} requests failed or answered non-2xx.\n`,
);
if (anomalies > 0 || failed) process.exitCode = 1;
