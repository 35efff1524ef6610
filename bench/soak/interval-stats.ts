/** What the soak load saw in one reporting interval, and in the whole run per endpoint. */

export type Endpoint = 'login' | 'me' | 'verify' | 'refresh' | 'logout';

export interface IntervalFigures {
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Requests not sent because every virtual user was busy or the in-flight cap was reached. */
  readonly shed: number;
}

export interface EndpointTotals {
  requests: number;
  non2xx: number;
  errors: number;
  /** Status codes other than 2xx, with how often each came. */
  readonly statuses: Map<number, number>;
}

/** The value below which `share` of the sorted samples lie (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export class IntervalStats {
  #latencies: number[] = [];
  #non2xx = 0;
  #errors = 0;
  #shed = 0;
  readonly totals = new Map<Endpoint, EndpointTotals>();

  #total(endpoint: Endpoint): EndpointTotals {
    let totals = this.totals.get(endpoint);
    if (!totals) {
      totals = { requests: 0, non2xx: 0, errors: 0, statuses: new Map() };
      this.totals.set(endpoint, totals);
    }
    return totals;
  }

  answered(endpoint: Endpoint, status: number, latencyMs: number): void {
    this.#latencies.push(latencyMs);
    const totals = this.#total(endpoint);
    totals.requests += 1;
    if (status < 200 || status > 299) {
      this.#non2xx += 1;
      totals.non2xx += 1;
      totals.statuses.set(status, (totals.statuses.get(status) ?? 0) + 1);
    }
  }

  failed(endpoint: Endpoint): void {
    this.#errors += 1;
    const totals = this.#total(endpoint);
    totals.requests += 1;
    totals.errors += 1;
  }

  shed(): void {
    this.#shed += 1;
  }

  /** The figures since the previous call; starts a new interval. */
  take(): IntervalFigures {
    const sorted = this.#latencies.sort((a, b) => a - b);
    const figures = {
      requests: sorted.length + this.#errors,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      non2xx: this.#non2xx,
      errors: this.#errors,
      shed: this.#shed,
    };
    this.#latencies = [];
    this.#non2xx = 0;
    this.#errors = 0;
    this.#shed = 0;
    return figures;
  }
}
