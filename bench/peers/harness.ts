/**
 * Runs logins through a wrapper, each bounded by a harness deadline, and counts what came back. A login that is
 * still running at its deadline is counted as cut off (a failure) and left to finish in the background: `drain`
 * waits, boundedly, for those before the next measurement, so late answers never land in someone else's counts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoginWrapper } from './login-wrapper.js';

export interface BatchOutcome {
  /** Logins that resolved to an employee. */
  readonly ok: number;
  /** Logins the library rejected. */
  readonly failed: number;
  /** Logins still running at the harness deadline. */
  readonly cutOff: number;
  /** Durations of the successful logins. */
  readonly latenciesMs: readonly number[];
  /** The distinct failure messages, with how often each occurred. */
  readonly errors: ReadonlyMap<string, number>;
}

export interface LoopsOutcome extends BatchOutcome {
  readonly elapsedMs: number;
  /**
   * CPU time of this process over the run, the sandbox's included. Unlike the wall-clock rate it barely moves when
   * other processes load the machine, so per login it is the steadier comparison.
   */
  readonly cpuMs: number;
}

interface Tally {
  ok: number;
  failed: number;
  cutOff: number;
  latenciesMs: number[];
  errors: Map<string, number>;
}

const cutOff = Symbol('cut off');

export class LoginHarness {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    /** How long one login may run before it is cut off. */
    private readonly deadlineMs: number,
  ) {}

  private async attempt(wrapper: LoginWrapper, code: string, tally: Tally): Promise<void> {
    const started = performance.now();
    const login = wrapper.login(code);
    // Keeps the login observed after a cut-off (no unhandled rejection) and lets drain() wait for it.
    const settled = login.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    const abandon = new AbortController();
    try {
      const result = await Promise.race([
        login,
        sleep(this.deadlineMs, cutOff, { signal: abandon.signal }).catch(() => cutOff),
      ]);
      if (result === cutOff) {
        tally.cutOff += 1;
        return;
      }
      tally.ok += 1;
      tally.latenciesMs.push(performance.now() - started);
    } catch (error) {
      tally.failed += 1;
      const message = failureMessage(error);
      tally.errors.set(message, (tally.errors.get(message) ?? 0) + 1);
    } finally {
      abandon.abort();
    }
  }

  /** Runs one login per code, `concurrency` at a time (all at once when it is `codes.length`). */
  async batch(wrapper: LoginWrapper, codes: readonly string[], concurrency: number): Promise<BatchOutcome> {
    const tally: Tally = { ok: 0, failed: 0, cutOff: 0, latenciesMs: [], errors: new Map() };
    let next = 0;
    const loop = async (): Promise<void> => {
      while (next < codes.length) {
        const code = codes[next++] as string;
        await this.attempt(wrapper, code, tally);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, codes.length) }, loop));
    return tally;
  }

  /** `loops` concurrent login loops for `durationMs`, each login with a freshly minted code. */
  async loops(
    wrapper: LoginWrapper,
    mintCode: () => string,
    loops: number,
    durationMs: number,
  ): Promise<LoopsOutcome> {
    const tally: Tally = { ok: 0, failed: 0, cutOff: 0, latenciesMs: [], errors: new Map() };
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = started + durationMs;
    const loop = async (): Promise<void> => {
      while (performance.now() < end) await this.attempt(wrapper, mintCode(), tally);
    };
    await Promise.all(Array.from({ length: loops }, loop));
    const elapsedMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return { ...tally, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1_000 };
  }

  /** Waits for cut-off logins to finish, at most `limitMs`; returns how many were still running. */
  async drain(limitMs: number): Promise<number> {
    await Promise.race([Promise.all(this.pending), sleep(limitMs)]);
    return this.pending.size;
  }
}

/**
 * A failure as the report groups it: WeCom's per-answer hint id and any access_token a library put in its message
 * (one of them prints the whole request URL) are blanked, so equal failures count together and no token is printed.
 */
export function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/hint: \[\d+\]/g, 'hint: […]')
    .replace(/(access_token=)[^&\s"]+/g, '$1…')
    .replace(/, from ip: .*$/s, '')
    .slice(0, 160);
}

/** The p-th percentile (0..100) by nearest rank; 0 for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Silences `console.log`, `console.info` and `console.debug` until the returned function is called: two of the
 * libraries print on every token lookup, which would bury the report (progress goes to stderr).
 */
export function muteConsole(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const silent = (): void => {};
  console.log = silent;
  console.info = silent;
  console.debug = silent;
  return () => {
    Object.assign(console, saved);
  };
}
