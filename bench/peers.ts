/**
 * The same login flow (code → miniprogram/jscode2session → user/get) through our client and through npm WeCom
 * libraries, against one in-process sandbox, in one run: gettoken calls for concurrent cold logins, logins/s, and
 * the success share under expired and invalid tokens, a busy answer and timeouts. Writes docs/img/peers.svg.
 *
 *   npm run bench:peers -- [seconds] [rounds]   (each throughput round's seconds, default 5; rounds, default 3)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSandbox, DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { nodeEasywechat } from './peers/adapters/node-easywechat.js';
import { tnwxWxcp } from './peers/adapters/tnwx-wxcp.js';
import { wechatEnterpriseApi } from './peers/adapters/wechat-enterprise-api.js';
import { wechatWork } from './peers/adapters/wechat-work.js';
import { wecomAuth } from './peers/adapters/wecom-auth.js';
import { createBareChain } from './peers/bare-chain.js';
import { renderPeersChart } from './peers/chart.js';
import { type LoopsOutcome, muteConsole } from './peers/harness.js';
import { failureNotes, faultCallsTable, resultsTable, setupTable } from './peers/report.js';
import {
  type BenchSettings,
  PeerBench,
  type PeerResult,
  poolRounds,
  type ThroughputResult,
} from './peers/scenarios.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
if (!(seconds > 0 && seconds <= 600) || !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) {
  console.error(
    'usage: npm run bench:peers -- [seconds] [rounds]   (0 < seconds ≤ 600, default 5; 1 ≤ rounds ≤ 20, default 3)',
  );
  process.exit(2);
}

// Our client's default. The cold burst puts 200-600 requests in flight against a sandbox that shares this process,
// and a shorter deadline would turn that queueing into failures that hide the gettoken counts.
const timeoutMs = 5_000;
const settings: BenchSettings = {
  seconds,
  rounds,
  logins: 200,
  loops: 16,
  timeoutMs,
  deadlineMs: timeoutMs + 3_000,
  faultDelayMs: timeoutMs + 4_000,
  timeoutFaultCount: 4,
};
const libraries = [wecomAuth, nodeEasywechat, wechatEnterpriseApi, tnwxWxcp, wechatWork];

// The per-minute and per-hour quotas are lifted: this measures the clients, and five libraries' throughput runs in
// one minute would otherwise end in 45009 for whichever comes last. The in-flight limit (45033) stays as WeCom's.
const quota = 1_000_000_000;
const sandbox = await createSandbox({
  limits: { corpPerMinute: quota, corpPerHour: quota, ipPerMinute: quota, ipPerHour: quota },
});
const corp = sandbox.control.directory().corps.find((candidate) => candidate.corpId === DEMO_CORP_ID);
const users = (corp?.users ?? []).filter((user) => (user.status ?? 1) === 1).map((user) => user.userid);
const bench = new PeerBench(
  sandbox,
  {
    baseUrl: sandbox.url,
    corpId: DEMO_CORP_ID,
    agentId: DEMO_APP.agentId,
    secret: DEMO_APP.secret,
    timeoutMs,
  },
  users,
  settings,
);

const results: PeerResult[] = [];
let bare: ThroughputResult | undefined;
const unmute = muteConsole();
try {
  const partial: (Omit<PeerResult, 'throughput'> & { rounds: LoopsOutcome[] })[] = [];
  for (const library of libraries) {
    console.error(`${library.name}: cold`);
    const cold = await bench.cold(library);
    const faults = await bench.faults(library, (step) => console.error(`${library.name}: ${step}`));
    partial.push({ library, cold, faults, rounds: [] });
  }
  const bareRounds: LoopsOutcome[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const entry of partial) {
      console.error(`${entry.library.name}: throughput round ${round} of ${rounds}`);
      entry.rounds.push(await bench.throughputRound(entry.library.create));
    }
    console.error(`bare chain: throughput round ${round} of ${rounds}`);
    bareRounds.push(await bench.throughputRound(createBareChain));
  }
  for (const { library, cold, faults, rounds: measured } of partial) {
    results.push({ library, cold, faults, throughput: poolRounds(measured) });
  }
  bare = poolRounds(bareRounds);
} finally {
  unmute();
  await sandbox.close();
}

const command = `npm run bench:peers -- ${seconds} ${rounds}`;
const runAt = new Date();
console.log(`\n${command}   (${runAt.toISOString()}, Node ${process.version}, ${platform()} ${arch()})\n`);
console.log(resultsTable(results, settings));
console.log(
  `\n${settings.logins} logins per fault scenario on a warm instance, ${settings.loops} at a time; each login is ` +
    `called once (no retry by the harness). Timeout: ${timeoutMs} ms for libraries with a timeout option, the ` +
    `harness cuts every login off at ${settings.deadlineMs} ms; the timeout fault holds ${settings.timeoutFaultCount} ` +
    `user/get answers for ${settings.faultDelayMs} ms.`,
);
console.log(
  `\nlogins/s per round: ${results
    .map(
      ({ library, throughput }) =>
        `${library.name} ${throughput.rounds.map((rate) => rate.toFixed(0)).join(', ')}`,
    )
    .join('; ')}.`,
);
if (bare) {
  console.log(
    `Reference, a bare undici chain (token fetched once; no error handling, retry or cache): ` +
      `${bare.loginsPerSecond.toFixed(0)} logins/s (rounds ${bare.rounds.map((rate) => rate.toFixed(0)).join(', ')}), ` +
      `p50 ${bare.p50Ms.toFixed(1)} ms, p99 ${bare.p99Ms.toFixed(1)} ms, CPU ${bare.cpuMsPerLogin.toFixed(2)} ms/login.`,
  );
}
console.log(`\n${setupTable(results)}`);
console.log(`\nWeCom calls the sandbox received during each fault scenario's ${settings.logins} logins:\n`);
console.log(faultCallsTable(results));
const notes = failureNotes(results);
if (notes) console.log(`\nWhat the failing logins got:\n${notes}`);

const chartPath = fileURLToPath(new URL('../docs/img/peers.svg', import.meta.url));
mkdirSync(dirname(chartPath), { recursive: true });
writeFileSync(
  chartPath,
  renderPeersChart(results, {
    runAt,
    nodeVersion: process.version,
    settings,
    ours: wecomAuth,
    ...(bare ? { reference: bare } : {}),
  }),
);
console.log(`\nChart: docs/img/peers.svg`);

// Our claims, checked on every run: one gettoken for the cold burst and no lost login under token faults or a -1.
const ours = results.find((result) => result.library === wecomAuth);
const broken = ours
  ? [
      ours.cold.gettoken === 1
        ? ''
        : `gettoken calls for ${settings.logins} cold logins: ${ours.cold.gettoken}`,
      ...(['42001', '40014', '-1'] as const).map((name) => {
        const { ok, total } = ours.faults[name];
        return ok === total ? '' : `${name}: ${ok} of ${total} logins succeeded`;
      }),
    ].filter(Boolean)
  : ['no result'];
if (broken.length > 0) {
  console.error(`\n${wecomAuth.name} did not hold its claims:\n- ${broken.join('\n- ')}`);
  process.exitCode = 1;
}
