/**
 * Shared measuring for the benchmarks: autocannon runs, alternated between a baseline and a subject and repeated,
 * so both see the same (noisy) machine; ratios use the medians.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Requests answered 2xx. */
  readonly ok: number;
}

export async function load(options: autocannon.Options): Promise<LoadResult> {
  // The load generator runs in a worker thread so it does not share the event loop with the server under test.
  const result = await autocannon({ connections: 32, duration: 5, workers: 1, ...options });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    ok: result['2xx'],
  };
}

/**
 * autocannon options that POST a JSON body made anew for each request (a fresh login code, the next refresh token).
 * The bodies are made in this process, so the load generator runs here too (no worker thread).
 */
export function jsonPostsEach(
  url: string,
  body: () => unknown,
  onResponse?: (status: number, body: string) => void,
): autocannon.Options {
  return {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    workers: 0,
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: JSON.stringify(body()) }),
        ...(onResponse ? { onResponse } : {}),
      },
    ],
  };
}

/** What {@link loadSpread} measured over every instance together. */
export interface SpreadLoadResult {
  /** Requests per second, summed over the instances. */
  readonly requestsPerSecond: number;
  /** The worst of the instances' latency percentiles. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Requests answered 2xx, over all the instances. */
  readonly ok: number;
}

/**
 * autocannon against every instance at once, `connections` split between them, for `seconds`: what a load balancer
 * in front of them would see. `request` gives the options for one instance's URL (a fresh body per request, say).
 */
export async function loadSpread(
  urls: readonly string[],
  request: (url: string) => autocannon.Options,
  options: { readonly connections: number; readonly seconds: number },
): Promise<SpreadLoadResult> {
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        ...request(url),
        connections: Math.max(1, Math.floor(options.connections / urls.length)),
        duration: options.seconds,
      }),
    ),
  );
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requests.average, 0),
    p50Ms: Math.max(...results.map((result) => result.latency.p50)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
    non2xx: results.reduce((sum, result) => sum + result.non2xx, 0),
    errors: results.reduce((sum, result) => sum + result.errors + result.timeouts, 0),
    ok: results.reduce((sum, result) => sum + result['2xx'], 0),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Runs baseline and subject alternately `rounds` times; returns the per-round results of each. */
export async function alternate(
  rounds: number,
  baseline: () => Promise<LoadResult>,
  subject: () => Promise<LoadResult>,
): Promise<{ baseline: LoadResult[]; subject: LoadResult[] }> {
  const [baselineResults = [], subjectResults = []] = await interleave(rounds, [baseline, subject]);
  return { baseline: baselineResults, subject: subjectResults };
}

/** Runs each of `runs` in turn, `rounds` times over; returns the per-round results of each run, in order. */
export async function interleave(
  rounds: number,
  runs: readonly (() => Promise<LoadResult>)[],
): Promise<LoadResult[][]> {
  const results = runs.map((): LoadResult[] => []);
  for (let round = 0; round < rounds; round++) {
    for (const [index, run] of runs.entries()) results[index]?.push(await run());
  }
  return results;
}

export function summarize(results: readonly LoadResult[]): LoadResult {
  return {
    requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    ok: results.reduce((sum, r) => sum + r.ok, 0),
  };
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(cells[0] ?? []),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export function fixed(value: number, digits = 0): string {
  return value.toFixed(digits);
}

/** A table row of one server's summarized load result. */
export function loadRow(name: string, result: LoadResult): (string | number)[] {
  return [name, fixed(result.requestsPerSecond), result.p50Ms, result.p99Ms, result.non2xx, result.errors];
}
