/**
 * What the SQLite store's share of a refresh costs as the stored sessions grow, with and without the hint a refresh
 * token gives (the session it names, `RefreshHashHint`): the two store calls of `POST /v1/sessions/refresh`
 * (`findByRefreshHash`, then `rotate`) through the adapter, without the HTTP, the signature and the directory around
 * them, which are the same at every size and would bury the difference in their noise.
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/refresh-lookup.ts [sizes=10000,1000000]
 *        [refreshes=2000] [rounds=5]
 *
 * Each size gets a file seeded as `bench:scale` seeds it (the sessions a login writes, in login order, then read once
 * into the OS page cache), opened with the gateway's defaults. Each round runs, for every size, a block of refreshes
 * without the hint and a block with it, 32 in flight as under load (so commits group as they do in the gateway); the
 * sizes and the two modes take turns at going first, so that the machine's drift falls on all alike. A refresh
 * presents the current token of a session drawn at random from the whole population (never one in flight), so at a
 * million most sessions it reaches are not in SQLite's own page cache. The figure is the process's CPU time per
 * refresh (user and system, the page reads from the OS included), median of the rounds with the spread.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashRefreshToken } from '@wecom-auth/gateway';
import { createSqliteStore, type RefreshHashHint, type Store } from '@wecom-auth/store';
import { fixed, median, table } from './measure.js';
import { roundOrder } from './scale/round-order.js';
import { seedSqlite } from './scale/seed-sqlite.js';
import { type SeedPlan, seededSession, seedPlan, timedRefreshToken } from './scale/seeded-sessions.js';
import { warmFile } from './scale/warm-store.js';

type Mode = 'by hash' | 'by hint';
const MODES: readonly Mode[] = ['by hash', 'by hint'];
const IN_FLIGHT = 32;

interface Population {
  readonly size: number;
  readonly store: Store;
  /** Session ids by seeded index, and the hash each holds now (rotations replace it). */
  readonly ids: string[];
  readonly hashes: string[];
  readonly inFlight: Set<number>;
  readonly cpuMicros: Record<Mode, number[]>;
}

const [sizesArg, refreshesArg, roundsArg] = process.argv.slice(2);
const sizes = (sizesArg ?? '10000,1000000').split(',').map(Number);
const refreshes = Number(refreshesArg ?? 2_000);
const rounds = Number(roundsArg ?? 5);
if (sizes.some((size) => !Number.isInteger(size) || size < IN_FLIGHT) || !(refreshes > 0) || !(rounds > 0)) {
  throw new Error('usage: refresh-lookup.ts [sizes=10000,1000000] [refreshes=2000] [rounds=5]');
}

const plan: SeedPlan = seedPlan({
  corpId: 'wwbenchcorp',
  secret: 'refresh-lookup bench secret',
  userIds: ['zhangsan'],
  refreshTtlSeconds: 2_592_000,
});

async function populate(dir: string, size: number): Promise<Population> {
  const path = join(dir, `sessions-${size}.db`);
  const started = performance.now();
  await seedSqlite(path, plan, 0, size);
  await warmFile(path);
  const ids: string[] = [];
  const hashes: string[] = [];
  for (let index = 0; index < size; index += 1) {
    const session = seededSession(plan, index);
    ids.push(session.id);
    hashes.push(session.refreshTokenHash);
  }
  console.log(`${size}: seeded in ${fixed((performance.now() - started) / 1000, 1)} s`);
  return {
    size,
    store: createSqliteStore({ path }),
    ids,
    hashes,
    inFlight: new Set(),
    cpuMicros: { 'by hash': [], 'by hint': [] },
  };
}

/** One refresh's store calls, as `SessionService.refresh` makes them. */
async function refreshOne(population: Population, mode: Mode): Promise<void> {
  let index = randomInt(population.size);
  while (population.inFlight.has(index)) index = randomInt(population.size);
  population.inFlight.add(index);
  try {
    const id = population.ids[index] as string;
    const presented = population.hashes[index] as string;
    const hint: RefreshHashHint | undefined = mode === 'by hint' ? { sessionId: id } : undefined;
    const found = await population.store.sessions.findByRefreshHash(presented, hint);
    if (found?.id !== id) throw new Error(`session ${index} was not found by its hash`);
    const at = Date.now();
    const next = hashRefreshToken(timedRefreshToken(at, id, randomBytes(32)));
    const result = await population.store.sessions.rotate(
      presented,
      { refreshTokenHash: next, refreshedAt: at, expiresAt: at + plan.refreshTtlMs },
      hint,
    );
    if (result.outcome !== 'rotated') throw new Error(`session ${index}: ${result.outcome}`);
    population.hashes[index] = next;
  } finally {
    population.inFlight.delete(index);
  }
}

async function block(population: Population, mode: Mode): Promise<void> {
  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < refreshes) {
      started += 1;
      await refreshOne(population, mode);
    }
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const spent = process.cpuUsage(before);
  population.cpuMicros[mode].push((spent.user + spent.system) / refreshes);
}

const dir = mkdtempSync(join(tmpdir(), 'wecom-auth-refresh-lookup-'));
const populations: Population[] = [];
try {
  for (const size of sizes) populations.push(await populate(dir, size));
  // One unrecorded block each, so that every file's hot pages are in SQLite's cache before the rounds.
  for (const population of populations) await refreshOne(population, 'by hash');
  for (let round = 1; round <= rounds; round += 1) {
    console.log(`round ${round} of ${rounds}`);
    for (const population of roundOrder(populations, round)) {
      for (const mode of roundOrder(MODES, round + populations.indexOf(population))) {
        await block(population, mode);
      }
    }
  }
  const smallest = populations[0] as Population;
  const spread = (values: readonly number[]): string =>
    `${fixed(median(values))} (${fixed(Math.min(...values))}–${fixed(Math.max(...values))})`;
  console.log(
    `\nSQLite store CPU per refresh (findByRefreshHash + rotate), µs, median (min–max) of ${rounds} rounds of ${refreshes}, ${IN_FLIGHT} in flight`,
  );
  console.log(
    table(
      [
        'sessions',
        'by hash',
        'by hint',
        'by hint / by hash',
        `by hash / ${smallest.size}`,
        `by hint / ${smallest.size}`,
      ],
      populations.map((population) => {
        const byHash = median(population.cpuMicros['by hash']);
        const byHint = median(population.cpuMicros['by hint']);
        return [
          population.size.toLocaleString('en-US'),
          spread(population.cpuMicros['by hash']),
          spread(population.cpuMicros['by hint']),
          fixed(byHint / byHash, 2),
          fixed(byHash / median(smallest.cpuMicros['by hash']), 2),
          fixed(byHint / median(smallest.cpuMicros['by hint']), 2),
        ];
      }),
    ),
  );
  console.log(
    `Node ${process.version}; command: npm run bench:refresh-lookup -- ${process.argv.slice(2).join(' ')}`,
  );
} finally {
  for (const population of populations) await population.store.close();
  rmSync(dir, { recursive: true, force: true });
}
