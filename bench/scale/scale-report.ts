/** How the scale benchmark turns the rounds of one measurement into table cells: medians, and the spread. */
import { fixed, median } from '../measure.js';
import type { CostedRun, GatewayFigures } from './measure-gateway.js';

/** Requests per second as `median (min–max)`, and the latency of the round whose rate is the median. */
export function runSummary(runs: readonly CostedRun[]): { rate: string; latency: string } {
  const rates = runs.map((run) => run.requestsPerSecond);
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  const spread = runs.length > 1 ? ` (${fixed(Math.min(...rates))}–${fixed(Math.max(...rates))})` : '';
  return {
    rate: `${fixed(median(rates))}${spread}`,
    latency: middle ? `${middle.p50Ms} / ${middle.p99Ms}` : '',
  };
}

/** The benchmark's own readings of the server, not the gateway's work. */
const readingCommands = new Set(['info', 'client|setname', 'client']);

/** How many of the costliest commands a cell names. */
const commandsShown = 4;

/** The commands of `runs` by total time, as `name µs/call × calls/request`, medians over the rounds. */
export function commandCosts(runs: readonly CostedRun[]): string {
  const totals = new Map<string, number>();
  for (const run of runs) {
    for (const [name, cost] of Object.entries(run.commands ?? {})) {
      if (readingCommands.has(name)) continue;
      totals.set(name, (totals.get(name) ?? 0) + cost.usec);
    }
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, commandsShown)
    .map(([name]) => {
      const perCall = median(
        runs.flatMap((run) => {
          const cost = run.commands?.[name];
          return cost ? [cost.usec / cost.calls] : [];
        }),
      );
      const perRequest = median(
        runs.map((run) => (run.commands?.[name]?.calls ?? 0) / Math.max(1, run.ok + run.non2xx)),
      );
      return `${name} ${fixed(perCall, 1)} × ${fixed(perRequest, 1)}`;
    })
    .join(', ');
}

/** The cost cells of one row: CPU per request of each endpoint, then the Redis commands of refresh and login. */
export function costRows(figures: GatewayFigures): string[] {
  const cpu = (runs: readonly CostedRun[]): string => {
    const gateway = fixed(median(runs.map((run) => run.gatewayCpuMicros)));
    const servers = runs.flatMap((run) => (run.serverCpuMicros === undefined ? [] : [run.serverCpuMicros]));
    return servers.length > 0 ? `${gateway} / ${fixed(median(servers))}` : gateway;
  };
  return [
    cpu(figures.runs.login),
    cpu(figures.runs.refresh),
    cpu(figures.runs.verify),
    commandCosts(figures.runs.refresh) || '—',
    commandCosts(figures.runs.login) || '—',
  ];
}
