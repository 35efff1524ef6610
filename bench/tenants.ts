/**
 * A third-party app (suite) with 10,000 installed corps, on 4 gateway processes sharing Redis:
 *
 * 1. **Cold burst.** Logins of every member of 1,000 of the corps (spread over the 10,000; one member per instance,
 *    so each corp logs in on every instance at once), all at once, with no suite token and no corp token anywhere:
 *    the sandbox must see exactly one `get_suite_token`, and exactly one `get_corp_token` per corp that logged in.
 *    Then as many logins on a second set of as many instances, whose suite is installed in one corp: one and one.
 * 2. **Logins/s with 10,000 corps vs with one.** The two sets alternated round by round (tokens and profiles warm in
 *    both, and both have served the same number of logins before, so V8 has compiled both equally; the 10,000-corp
 *    set's logins cycle over the 1,000 corps of the burst, the one-corp set's over its corp's members); the ratio of
 *    the medians, target ≥ 0.9, and the gateways' CPU time per login, which a busy machine distorts less.
 * 3. **Memory per corp.** Each gateway's RSS and heap after a full GC, before and after the installs reached its
 *    in-process mirror, divided by the corps; the same across a burst of 250 corps new to every instance (after the
 *    load runs, so the code is compiled), which costs each instance a WeCom client and a token per corp, again with
 *    exactly one `get_corp_token` per corp; the Redis bytes of the install keys (`MEMORY USAGE`), and how much the
 *    same installs grow a SQLite file.
 *
 *   npm run bench:tenants -- [seconds=5] [rounds=2] [corps=10000] [burstCorps=1000] [instances=4]
 *   (= node --conditions=@wecom-auth/source --import tsx bench/tenants.ts …)
 *
 * Needs Redis on 127.0.0.1:6379: it uses and empties logical database 1 (the tests use databases 3 to 14, bench:cluster
 * 15). The two gateway sets share that database as two suites of one provider would (a suite's keys never meet
 * another's), so both are up at once and alternate on the same Redis; the suite of the one-corp set is a second suite
 * in the same sandbox, with its own mini program. The gateways are child processes from the sources; the sandbox (with
 * WeCom's frequency limits lifted), the load generator and the seeding share this process, all on one machine. Exits
 * non-zero when a count is off, a login fails or the ratio is below target.
 *
 * **How the installs get into the store.** Written with `store.suites.saveInstall`, as the gateway's instruction
 * applier writes them after a `create_auth` (same record, permanent code sealed by the gateway's own sealer with the
 * data key the gateways are given in `WECOM_AUTH_DATA_KEY`), taking the permanent codes from the sandbox's install
 * listing instead of 10,000 `get_permanent_code` exchanges. Because: the real flow fetches the suite token to
 * exchange the AuthCodes, so the burst would no longer start cold; 10,000 pushed callbacks, inbox records and
 * exchanges are setup, not what is measured, and would take minutes on two cores; and that flow is held to its
 * behaviour by `packages/gateway/test/suite-mode.test.ts`. The gateways of the 10,000-corp set are running while
 * the installs are written, so their mirrors take them from the store's install feed (one `install` read per
 * change). Everything after the setup goes through HTTP: the suite_ticket reaches each set through the instruction
 * callback of one of its instances (WeCom knows one URL), and every login presents a fresh code of the suite's
 * mini program.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { generateProviderDirectory, type SuiteOptions } from '@wecom-auth/sandbox';
import { createRedisStore } from '@wecom-auth/store';
import { demoSuiteGatewayEnv, flushDatabase } from '@wecom-auth/testing';
import { startBenchSandbox } from './bench-gateway.js';
import { fixed, jsonPostsEach, loadSpread, median, type SpreadLoadResult, table } from './measure.js';
import type { GatewayMemory } from './measured-gateway.js';
import { type GatewaySet, startGatewaySet } from './tenants/gateway-set.js';
import { redisInstallBytes, sqliteInstallBytes } from './tenants/install-bytes.js';
import { authInfoOf, installRecords, listedInstalls, saveInstalls } from './tenants/install-records.js';
import { type BurstLogin, type BurstResult, loginBurst } from './tenants/login-burst.js';

const usage = 'usage: bench/tenants.ts [seconds=5] [rounds=2] [corps=10000] [burstCorps=1000] [instances=4]';
const [seconds, rounds, corpCount, burstCorpCount, instances] = [5, 2, 10_000, 1_000, 4].map((fallback, i) =>
  Number(process.argv[2 + i] ?? fallback),
) as [number, number, number, number, number];
if (
  !(seconds > 0) ||
  ![rounds, corpCount, burstCorpCount, instances].every((n) => Number.isInteger(n) && n >= 1) ||
  burstCorpCount > corpCount
) {
  throw new Error(usage);
}

const redisUrl = 'redis://127.0.0.1:6379/1';
/**
 * Members per corp, one per instance: in the cold burst a corp's members log in on every instance at once, and in
 * the new-corps burst each instance misses a profile of its own, so each makes the corp's WeCom client.
 */
const usersPerCorp = instances;
/** Connections of the load runs, split over the instances (as in bench:cluster). */
const connections = 32;
/** Logins in flight during a burst: 16 per instance, four corps at once on each. */
const burstInFlight = 64;
/** Not measured: lets the JIT compile the login path in both sets before the rounds. */
const warmUpSeconds = 1;
const target = 0.9;

const progress = (line: string): boolean => process.stderr.write(`${line}\n`);
const mb = (bytes: number): string => fixed(bytes / 1_048_576, 1);
const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
const startedAt = performance.now();

// The provider's directory: `corpCount` small corps, the demo suite installed in all of them, and a second suite of
// the same provider installed in the last corp only.
const provider = generateProviderDirectory({ corps: corpCount, usersPerCorp, seed: 'bench-tenants' });
const manySuite = provider.suite;
const oneCorpId = provider.corpIds.at(-1) as string;
const oneSuite: SuiteOptions = {
  ...manySuite,
  suiteId: 'wwsuitebenchone1',
  suiteSecret: 'bench-one-corp-suite-secret',
  miniProgramAppId: 'wxbenchonecorp01',
  name: '单企业基准应用',
  agentId: 1_000_101,
  installs: [oneCorpId],
};
const dataKey = randomBytes(32);

function gatewayEnv(suite: SuiteOptions, sandboxUrl: string): Record<string, string> {
  return {
    ...demoSuiteGatewayEnv(sandboxUrl),
    WECOM_SUITE_ID: suite.suiteId,
    WECOM_SUITE_SECRET: suite.suiteSecret,
    WECOM_SUITE_TOKEN: suite.token,
    WECOM_SUITE_AES_KEY: suite.encodingAESKey,
    WECOM_MINIPROGRAM_APPID: suite.miniProgramAppId,
    REDIS_URL: redisUrl,
    // Both sets seal with this key (the seeded permanent codes, and the signing keys they share in the database).
    WECOM_AUTH_DATA_KEY: dataKey.toString('base64'),
  };
}

/** One load run of a set, and the CPU time its gateways used per login answered. */
interface LoadRound extends SpreadLoadResult {
  readonly cpuMicrosPerLogin: number;
}

/** One burst and the WeCom calls the sandbox saw during it. */
interface MeasuredBurst extends BurstResult {
  readonly calls: Readonly<Record<(typeof watchedPaths)[number], number>>;
}

interface Figures {
  readonly cold: MeasuredBurst;
  readonly coldOne: MeasuredBurst;
  readonly one: LoadRound[];
  readonly many: LoadRound[];
  /** Logins on every instance for corps no instance had served: a WeCom client and a corp token each. */
  readonly activation: MeasuredBurst | undefined;
  readonly memory: {
    readonly idle: GatewayMemory[];
    readonly mirrored: GatewayMemory[];
    readonly beforeActivation: GatewayMemory[];
    readonly afterActivation: GatewayMemory[];
  };
  readonly redisBytes: number;
  readonly sqliteBytes: number;
  readonly seedSeconds: number;
}

const watchedPaths = [
  '/cgi-bin/service/get_suite_token',
  '/cgi-bin/service/get_corp_token',
  '/cgi-bin/service/miniprogram/jscode2session',
  '/cgi-bin/user/get',
] as const;

/** Corps (not among the burst's) that log in on every instance after the load runs, for the per-corp client cost. */
const activationCorpCount = 250;

/** `count` corps spread evenly over those not in `taken`. */
function spreadCorps(taken: ReadonlySet<string>, count: number): string[] {
  const others = provider.corpIds.filter((corpId) => !taken.has(corpId));
  const step = Math.max(1, Math.floor(others.length / count));
  return others.filter((_, i) => i % step === 0).slice(0, count);
}

async function run(): Promise<Figures> {
  await flushDatabase(redisUrl);
  const sandbox = await startBenchSandbox({ ...provider.options, suites: [manySuite, oneSuite] });
  const sets: GatewaySet[] = [];
  try {
    const code = (suite: SuiteOptions, login: BurstLogin): string =>
      sandbox.control.login({ userid: login.userId, corpid: login.corpId, suiteId: suite.suiteId }).code;
    const measuredBurst = async (
      set: GatewaySet,
      suite: SuiteOptions,
      logins: readonly BurstLogin[],
    ): Promise<MeasuredBurst> => {
      const before = sandbox.control.calls().byPath;
      const result = await loginBurst({
        urls: set.urls,
        logins,
        code: (login) => code(suite, login),
        inFlight: burstInFlight,
      });
      const after = sandbox.control.calls().byPath;
      const calls = Object.fromEntries(
        watchedPaths.map((path) => [path, (after[path] ?? 0) - (before[path] ?? 0)]),
      ) as MeasuredBurst['calls'];
      return { ...result, calls };
    };

    progress(`sealing ${corpCount} permanent codes`);
    const manyInstalls = listedInstalls(sandbox, manySuite.suiteId);
    const oneInstalls = listedInstalls(sandbox, oneSuite.suiteId);
    const first = manyInstalls[0];
    if (manyInstalls.length !== corpCount || oneInstalls.length !== 1 || first === undefined) {
      throw new Error(`the sandbox lists ${manyInstalls.length} and ${oneInstalls.length} installs`);
    }
    const authInfo = await authInfoOf(sandbox, manySuite, first);
    const now = Date.now();
    const manyRecords = installRecords({
      suiteId: manySuite.suiteId,
      installs: manyInstalls,
      authInfo,
      dataKey,
      now,
    });
    const oneRecords = installRecords({
      suiteId: oneSuite.suiteId,
      installs: oneInstalls,
      authInfo,
      dataKey,
      now,
    });

    progress(`starting ${instances} gateways of the ${corpCount}-corp suite on an empty store`);
    const many = await startGatewaySet(`${corpCount} corps`, instances, gatewayEnv(manySuite, sandbox.url));
    sets.push(many);
    await many.waitForReadiness('in sync', (r) => r.installsInSync);
    const idle = await many.memory();

    progress(`saving ${corpCount} + 1 installs into Redis while the gateways follow the install feed`);
    const seedStart = performance.now();
    const seeder = createRedisStore({ url: redisUrl, commandTimeoutMs: 60_000 });
    try {
      await seeder.ping();
      await saveInstalls(seeder.suites, [...manyRecords, ...oneRecords]);
    } finally {
      await seeder.close();
    }
    await many.waitForReadiness(
      `${corpCount} corps mirrored`,
      (r) => r.installedCorps === corpCount && r.installsInSync,
    );
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const mirrored = await many.memory();
    const redisBytes = await redisInstallBytes(
      redisUrl,
      manySuite.suiteId,
      manyRecords.map((r) => r.corpId),
    );

    progress(`starting ${instances} gateways of the one-corp suite`);
    const one = await startGatewaySet('1 corp', instances, gatewayEnv(oneSuite, sandbox.url));
    sets.push(one);
    await one.waitForReadiness('1 corp mirrored', (r) => r.installedCorps === 1 && r.installsInSync);

    // WeCom pushes to one instruction callback URL per suite; the ticket reaches the other instances through Redis.
    for (const [set, suite] of [
      [one, oneSuite],
      [many, manySuite],
    ] as const) {
      const registered = await sandbox.control.suites.setCallback(suite.suiteId, {
        url: `${set.urls[0]}/v1/suite/callback`,
      });
      if (!registered.verified)
        throw new Error(`${set.label}: the instruction callback URL was not verified`);
      await set.waitForReadiness('holding a fresh ticket', (r) => r.ticket === 'fresh');
    }

    // The burst: every member of `burstCorpCount` corps spread over the directory, one corp's members in a row.
    const stride = Math.floor(corpCount / burstCorpCount);
    const burstCorps = Array.from(
      { length: burstCorpCount },
      (_, i) => provider.corpIds[i * stride] as string,
    );
    progress(
      `cold burst: ${burstCorpCount * usersPerCorp} logins over ${burstCorpCount} corps on ${instances} instances`,
    );
    const cold = await measuredBurst(
      many,
      manySuite,
      burstCorps.flatMap((corpId) => provider.userIds.map((userId): BurstLogin => ({ corpId, userId }))),
    );

    // The same burst on the one-corp set, as many logins over its one corp's members: the same check for one corp,
    // and the same number of logins behind each set before the load runs (V8 compiles a path hotter the more it
    // runs it: a set that had a few dozen logins against one that had thousands measured 0.6 of the CPU per login).
    progress(`cold burst: ${cold.logins} logins over the one corp on ${instances} instances`);
    const coldOne = await measuredBurst(
      one,
      oneSuite,
      Array.from(
        { length: cold.logins },
        (_, i): BurstLogin => ({
          corpId: oneCorpId,
          userId: provider.userIds[i % usersPerCorp] as string,
        }),
      ),
    );

    let manyNext = 0;
    let oneNext = 0;
    const withCpu = async (set: GatewaySet, run: () => Promise<SpreadLoadResult>): Promise<LoadRound> => {
      const before = await set.cpuMicros();
      const result = await run();
      return { ...result, cpuMicrosPerLogin: ((await set.cpuMicros()) - before) / Math.max(1, result.ok) };
    };
    const loadMany = (duration: number): Promise<LoadRound> =>
      withCpu(many, () =>
        loadSpread(
          many.urls,
          (url) =>
            jsonPostsEach(`${url}/v1/sessions`, () => {
              // Successive logins go to different corps: every corp of the burst in turn, then the next member.
              const index = manyNext++;
              const corpId = burstCorps[index % burstCorps.length] as string;
              const userId = provider.userIds[Math.floor(index / burstCorps.length) % usersPerCorp] as string;
              return { code: code(manySuite, { corpId, userId }) };
            }),
          { connections, seconds: duration },
        ),
      );
    const loadOne = (duration: number): Promise<LoadRound> =>
      withCpu(one, () =>
        loadSpread(
          one.urls,
          (url) =>
            jsonPostsEach(`${url}/v1/sessions`, () => {
              const userId = provider.userIds[oneNext++ % usersPerCorp] as string;
              return { code: code(oneSuite, { corpId: oneCorpId, userId }) };
            }),
          { connections, seconds: duration },
        ),
      );
    progress(`logins/s: ${rounds} rounds of ${seconds} s per set, alternating`);
    await loadOne(warmUpSeconds);
    await loadMany(warmUpSeconds);
    const oneResults: LoadRound[] = [];
    const manyResults: LoadRound[] = [];
    for (let round = 0; round < rounds; round++) {
      // ABBA: neither set always runs first, so a drift of the machine's load favours neither.
      if (round % 2 === 0) {
        oneResults.push(await loadOne(seconds));
        manyResults.push(await loadMany(seconds));
      } else {
        manyResults.push(await loadMany(seconds));
        oneResults.push(await loadOne(seconds));
      }
    }

    // Now that every path is compiled, what one more active corp costs each instance: its WeCom client and token.
    const fresh = spreadCorps(new Set(burstCorps), activationCorpCount);
    const beforeActivation = await many.memory();
    let activation: MeasuredBurst | undefined;
    if (fresh.length > 0) {
      progress(`${fresh.length} more corps log in on every instance`);
      // Member i on instance i: every instance misses a profile, so every instance needs the corp's client.
      activation = await measuredBurst(
        many,
        manySuite,
        fresh.flatMap((corpId) => provider.userIds.map((userId): BurstLogin => ({ corpId, userId }))),
      );
    }
    const afterActivation = await many.memory();

    progress(`saving the ${corpCount} installs into a fresh SQLite file`);
    const sqliteBytes = await sqliteInstallBytes(manyRecords);
    return {
      cold,
      coldOne,
      one: oneResults,
      many: manyResults,
      activation,
      memory: { idle, mirrored, beforeActivation, afterActivation },
      redisBytes,
      sqliteBytes,
      seedSeconds,
    };
  } finally {
    await Promise.all(sets.map((set) => set.close()));
    await sandbox.close();
    await flushDatabase(redisUrl);
  }
}

const figures = await run();
const problems: string[] = [];
const thousands = (n: number): string => n.toLocaleString('en-US');

/** The burst's figures, with what it must have cost WeCom; a miss is a problem. */
function burstRow(
  label: string,
  burst: MeasuredBurst,
  corps: number,
  suiteTokens: number,
): (string | number)[] {
  const suiteCalls = burst.calls['/cgi-bin/service/get_suite_token'];
  const corpCalls = burst.calls['/cgi-bin/service/get_corp_token'];
  if (burst.ok !== burst.logins) problems.push(`${label}: ${burst.logins - burst.ok} logins failed`);
  if (burst.corpsLoggedIn !== corps)
    problems.push(`${label}: ${burst.corpsLoggedIn} of ${corps} corps logged in`);
  if (suiteCalls !== suiteTokens)
    problems.push(`${label}: ${suiteCalls} get_suite_token calls, not ${suiteTokens}`);
  if (corpCalls !== burst.corpsLoggedIn) {
    problems.push(`${label}: ${corpCalls} get_corp_token calls for ${burst.corpsLoggedIn} corps`);
  }
  return [
    label,
    burst.logins,
    burst.ok,
    burst.corpsLoggedIn,
    fixed(burst.durationMs / 1000, 1),
    fixed(burst.logins / (burst.durationMs / 1000)),
    `${suiteCalls} (want ${suiteTokens})`,
    `${corpCalls} (want ${burst.corpsLoggedIn})`,
    burst.calls['/cgi-bin/service/miniprogram/jscode2session'],
    burst.calls['/cgi-bin/user/get'],
  ];
}

const { cold, coldOne, activation } = figures;
process.stdout.write(
  `Bursts of logins on ${instances} instances sharing Redis, ≤ ${burstInFlight} in flight, round robin; a fresh code each\n` +
    `- cold, ${thousands(corpCount)} corps: ${usersPerCorp} members each of ${burstCorpCount} of the installed corps, member i on instance i (each corp on every instance at once), no token cached anywhere\n` +
    `- cold, 1 corp: as many logins on the suite installed in one corp, its ${usersPerCorp} members in turn\n` +
    `- new corps: ${activation?.corpsLoggedIn ?? 0} corps not in the cold burst, member i on instance i, after the load runs (suite token warm)\n\n`,
);
process.stdout.write(
  `${table(
    [
      'burst',
      'logins',
      'answered 201',
      'corps',
      'seconds',
      'logins/s',
      'get_suite_token',
      'get_corp_token',
      'jscode2session',
      'user/get',
    ],
    [
      burstRow(`cold, ${thousands(corpCount)} corps`, cold, burstCorpCount, 1),
      burstRow('cold, 1 corp', coldOne, 1, 1),
      ...(activation ? [burstRow('new corps', activation, activation.logins / usersPerCorp, 0)] : []),
    ],
  )}\n`,
);
for (const [label, burst] of [
  [`cold, ${thousands(corpCount)} corps`, cold],
  ['cold, 1 corp', coldOne],
  ['new corps', activation],
] as const) {
  if (burst && Object.keys(burst.failures).length > 0) {
    process.stdout.write(`\n${label} burst, failed logins: ${JSON.stringify(burst.failures)}\n`);
  }
}

const oneRate = median(figures.one.map((r) => r.requestsPerSecond));
const manyRate = median(figures.many.map((r) => r.requestsPerSecond));
const ratio = manyRate / oneRate;
const failed = (results: readonly SpreadLoadResult[]): number =>
  results.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
if (failed(figures.one) + failed(figures.many) > 0) problems.push('some logins of the load runs failed');
if (!(ratio >= target)) problems.push(`logins/s ratio ${fixed(ratio, 2)} is below ${target}`);
const rates = (results: readonly SpreadLoadResult[]): string =>
  results.map((r) => fixed(r.requestsPerSecond)).join(', ');
const cpuMs = (results: readonly LoadRound[]): number =>
  median(results.map((r) => r.cpuMicrosPerLogin)) / 1000;
const cpuRatio = cpuMs(figures.many) / cpuMs(figures.one);
const latency = (results: readonly SpreadLoadResult[]): string =>
  `${median(results.map((r) => r.p50Ms))} / ${median(results.map((r) => r.p99Ms))}`;
process.stdout.write(
  `\nPOST /v1/sessions on ${instances} instances, ${connections} connections split over them, ${rounds} alternating rounds of ${seconds} s; tokens and profiles warm\n\n`,
);
process.stdout.write(
  `${table(
    [
      'suite installed in',
      'logins cycle over',
      'logins/s (median)',
      'each round',
      'p50 / p99 ms (worst instance)',
      'gateway CPU ms per login (median)',
      'non-2xx/errors',
    ],
    [
      [
        '1 corp',
        `1 corp × ${usersPerCorp} members`,
        fixed(oneRate),
        rates(figures.one),
        latency(figures.one),
        fixed(cpuMs(figures.one), 2),
        failed(figures.one),
      ],
      [
        `${thousands(corpCount)} corps`,
        `${burstCorpCount} corps × ${usersPerCorp} members`,
        fixed(manyRate),
        rates(figures.many),
        latency(figures.many),
        fixed(cpuMs(figures.many), 2),
        failed(figures.many),
      ],
    ],
  )}\n`,
);
process.stdout.write(
  `\nratio ${thousands(corpCount)} corps / 1 corp: logins/s ${fixed(ratio, 2)} (target ≥ ${target}); ` +
    `gateway CPU per login ${fixed(cpuRatio, 2)} (the work each login costs the gateways, which waiting for a core on a busy machine does not inflate)\n`,
);

const { memory } = figures;
/**
 * RSS moves by megabytes with the allocator and the GC's high-water marks, either way, so it is divided per corp only
 * where the corps took more than a megabyte of heap (10,000 installs, not a few hundred WeCom clients).
 */
const rssResolutionBytes = 1_048_576;
const memoryRow = (
  label: string,
  from: GatewayMemory[],
  to: GatewayMemory[],
  corps: number,
): (string | number)[] => {
  const delta = (field: 'rss' | 'heapUsed'): number =>
    mean(to.map((reading, i) => reading[field] - (from[i]?.[field] ?? 0)));
  return [
    label,
    `${mb(mean(from.map((m) => m.rss)))} → ${mb(mean(to.map((m) => m.rss)))}`,
    `${mb(mean(from.map((m) => m.heapUsed)))} → ${mb(mean(to.map((m) => m.heapUsed)))}`,
    Math.abs(delta('heapUsed')) < rssResolutionBytes ? '— (below RSS noise)' : fixed(delta('rss') / corps),
    fixed(delta('heapUsed') / corps),
  ];
};
process.stdout.write(
  `\nGateway memory per corp (after a full GC; mean of the ${instances} instances of the ${thousands(corpCount)}-corp set)\n\n${table(
    ['what each instance took on', 'RSS MB', 'heap MB', 'RSS bytes per corp', 'heap bytes per corp'],
    [
      memoryRow(
        `${thousands(corpCount)} installs in its mirror (from none)`,
        memory.idle,
        memory.mirrored,
        corpCount,
      ),
      ...(activation
        ? [
            memoryRow(
              `a WeCom client and token for ${activation.corpsLoggedIn} more corps`,
              memory.beforeActivation,
              memory.afterActivation,
              activation.corpsLoggedIn,
            ),
          ]
        : []),
    ],
  )}\n`,
);
process.stdout.write(
  `\nStore bytes per installed corp: Redis ${fixed(figures.redisBytes / corpCount)} (MEMORY USAGE of the install keys, ` +
    `${mb(figures.redisBytes)} MB for ${thousands(corpCount)}), SQLite ${fixed(figures.sqliteBytes / corpCount)} ` +
    `(file growth, ${mb(figures.sqliteBytes)} MB).\n`,
);
process.stdout.write(
  `\nSeeding ${thousands(corpCount)} installs and mirroring them on ${instances} instances: ${fixed(figures.seedSeconds, 1)} s (not measured above).\n` +
    `Whole run ${fixed((performance.now() - startedAt) / 1000)} s; Node ${process.version}, ${cpus().length} cores, load average ${fixed(loadavg()[0] ?? 0, 1)}.\n` +
    `Command: npm run bench:tenants -- ${seconds} ${rounds} ${corpCount} ${burstCorpCount} ${instances}\n`,
);
if (problems.length > 0) {
  process.stdout.write(`\nFAILED: ${problems.join('; ')}\n`);
  process.exitCode = 1;
}
