/** The printed report: one markdown table of every figure, then what each failing library answered. */
import type { BatchOutcome } from './harness.js';
import {
  type BenchSettings,
  type FaultResult,
  faultScenarios,
  type PeerResult,
  roundsLabel,
} from './scenarios.js';

export function percent(ok: number, total: number): string {
  const share = total === 0 ? 0 : (100 * ok) / total;
  return `${Number.isInteger(share) ? share.toFixed(0) : share.toFixed(1)} %`;
}

function faultCell(result: FaultResult): string {
  if (result.warmUpFailed) return 'warm-up failed';
  const cut = result.cutOff > 0 ? ` (${result.cutOff} cut off)` : '';
  return `${percent(result.ok, result.total)}${cut}`;
}

function losses(outcome: BatchOutcome): string {
  const parts = [
    outcome.failed > 0 ? `${outcome.failed} failed` : '',
    outcome.cutOff > 0 ? `${outcome.cutOff} cut off` : '',
  ].filter(Boolean);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export function resultsTable(results: readonly PeerResult[], settings: BenchSettings): string {
  const { logins, loops } = settings;
  const headers = [
    'library',
    'jscode2session via',
    `gettoken calls, ${logins} cold logins`,
    `logins/s (${loops} loops, ${roundsLabel(settings)})`,
    'p50 ms',
    'p99 ms',
    'CPU ms/login',
    ...faultScenarios.map((scenario) => scenario.title),
  ];
  const rows = results.map(({ library, cold, throughput, faults }) => [
    `${library.name} ${library.version}`,
    library.flow,
    `${cold.gettoken}${losses(cold)}`,
    `${throughput.loginsPerSecond.toFixed(0)}${losses(throughput)}`,
    throughput.p50Ms.toFixed(1),
    throughput.p99Ms.toFixed(1),
    throughput.cpuMsPerLogin.toFixed(2),
    ...faultScenarios.map((scenario) => faultCell(faults[scenario.name])),
  ]);
  return markdownTable(headers, rows);
}

/** The most frequent failure message of each measurement that lost logins. */
export function failureNotes(results: readonly PeerResult[]): string {
  const notes: string[] = [];
  for (const { library, cold, throughput, faults } of results) {
    const measured: [string, BatchOutcome][] = [
      ['cold', cold],
      ['throughput', throughput],
      ...faultScenarios.map((scenario): [string, BatchOutcome] => [scenario.title, faults[scenario.name]]),
    ];
    for (const [what, outcome] of measured) {
      const top = [...outcome.errors].sort((a, b) => b[1] - a[1])[0];
      if (top !== undefined) notes.push(`- ${library.name}, ${what}: ${top[1]}× ${top[0]}`);
      if (outcome.cutOff > 0)
        notes.push(`- ${library.name}, ${what}: ${outcome.cutOff}× still running at the deadline`);
    }
  }
  return notes.join('\n');
}

/** How each library was pointed at the sandbox and whether it had a timeout to set. */
export function setupTable(results: readonly PeerResult[]): string {
  return markdownTable(
    ['library', 'pointed at the sandbox by', 'per-request timeout'],
    results.map(({ library }) => [
      `${library.name} ${library.version}`,
      library.redirect,
      library.timeout ? 'set (option)' : 'none: cut off by the harness',
    ]),
  );
}

const shortPaths: Readonly<Record<string, string>> = {
  '/cgi-bin/gettoken': 'gettoken',
  '/cgi-bin/miniprogram/jscode2session': 'jscode2session',
  '/cgi-bin/user/get': 'user/get',
};

/** The WeCom calls behind each fault scenario's logins: who fetched a new token, who replayed, who did neither. */
export function faultCallsTable(results: readonly PeerResult[]): string {
  const cell = (calls: Readonly<Record<string, number>>): string =>
    Object.entries(shortPaths)
      .map(([path, name]) => `${calls[path] ?? 0} ${name}`)
      .join(', ');
  return markdownTable(
    ['library', ...faultScenarios.map((scenario) => scenario.title)],
    results.map(({ library, faults }) => [
      library.name,
      ...faultScenarios.map((scenario) => cell(faults[scenario.name].calls)),
    ]),
  );
}
