/**
 * The measurements, per library, each on a new wrapper instance against a reset sandbox: gettoken calls for 200
 * concurrent cold logins, logins/s at a fixed concurrency, and the success share of 200 logins under each fault.
 */
import type { Sandbox, SandboxControl } from '@wecom-auth/sandbox';
import { type BatchOutcome, LoginHarness, type LoopsOutcome, percentile } from './harness.js';
import type { LoginWrapper, PeerLibrary, SandboxTarget } from './login-wrapper.js';

export interface BenchSettings {
  /** Seconds of each throughput round (after as long a warm-up, at most 1 s). */
  readonly seconds: number;
  /** Throughput rounds, libraries taking turns, so a busy moment of the machine does not land on one of them. */
  readonly rounds: number;
  /** Logins of the cold and fault runs. */
  readonly logins: number;
  /** Concurrent login loops of the throughput and fault runs. */
  readonly loops: number;
  /** Given to every library with a timeout option. */
  readonly timeoutMs: number;
  /** When the harness gives up on a login: libraries without a timeout are stopped only by this. */
  readonly deadlineMs: number;
  /** How late the timeout fault answers: longer than both of the above. */
  readonly faultDelayMs: number;
  /** Logins hit by the timeout fault (2 % of `logins`). */
  readonly timeoutFaultCount: number;
}

/** How the throughput figure was taken, for titles: "median of 3 rounds of 5 s". */
export function roundsLabel(settings: BenchSettings): string {
  return settings.rounds === 1
    ? `one round of ${settings.seconds} s`
    : `median of ${settings.rounds} rounds of ${settings.seconds} s`;
}

export const faultNames = ['42001', '40014', '-1', 'timeout'] as const;
export type FaultName = (typeof faultNames)[number];

export interface FaultScenario {
  readonly name: FaultName;
  /** Column title in the report and the chart. */
  readonly title: string;
  readonly inject: (control: SandboxControl, settings: BenchSettings) => void;
}

export const faultScenarios: readonly FaultScenario[] = [
  // The sandbox's real mechanism: every token issued so far answers 42001, as when WeCom ends a token before the
  // library's own expiry bookkeeping does (or, for a library that keeps none, once its 7200 s are up).
  { name: '42001', title: '42001 expired', inject: (control) => control.expireTokens() },
  // Every token issued so far answers 40014, as after a secret reset or a token WeCom stopped honouring early.
  { name: '40014', title: '40014 invalid', inject: (control) => control.revokeTokens() },
  {
    name: '-1',
    title: 'one -1 busy',
    inject: (control) =>
      control.addFault({ path: '/cgi-bin/miniprogram/jscode2session', errcode: -1, count: 1 }),
  },
  {
    // On user/get, an idempotent read a library could safely try again; jscode2session consumes the code.
    name: 'timeout',
    title: 'timeouts',
    inject: (control, settings) =>
      control.addFault({
        path: '/cgi-bin/user/get',
        delayMs: settings.faultDelayMs,
        count: settings.timeoutFaultCount,
      }),
  },
];

export interface FaultResult extends BatchOutcome {
  readonly total: number;
  /** WeCom calls the sandbox received during the scenario's logins, by API path. */
  readonly calls: Readonly<Record<string, number>>;
  /** The warm-up login failed: the library was never in the state the scenario starts from. */
  readonly warmUpFailed: boolean;
}

export type ColdResult = BatchOutcome & { readonly gettoken: number; readonly total: number };

export interface ThroughputResult extends BatchOutcome {
  /** Median over the rounds. */
  readonly loginsPerSecond: number;
  /** Over the successful logins of every round. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the process (client and sandbox) per successful login, median over the rounds. */
  readonly cpuMsPerLogin: number;
  /** logins/s of each round. */
  readonly rounds: readonly number[];
}

export interface PeerResult {
  readonly library: PeerLibrary;
  readonly cold: ColdResult;
  readonly throughput: ThroughputResult;
  readonly faults: Readonly<Record<FaultName, FaultResult>>;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Pools the throughput rounds of one library: median rate, latency percentiles over every login. */
export function poolRounds(rounds: readonly LoopsOutcome[]): ThroughputResult {
  const latenciesMs = rounds.flatMap((round) => round.latenciesMs);
  const errors = new Map<string, number>();
  for (const round of rounds) {
    for (const [message, count] of round.errors) errors.set(message, (errors.get(message) ?? 0) + count);
  }
  const rates = rounds.map((round) => round.ok / (round.elapsedMs / 1_000));
  return {
    ok: rounds.reduce((sum, round) => sum + round.ok, 0),
    failed: rounds.reduce((sum, round) => sum + round.failed, 0),
    cutOff: rounds.reduce((sum, round) => sum + round.cutOff, 0),
    latenciesMs,
    errors,
    loginsPerSecond: median(rates),
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    cpuMsPerLogin: median(rounds.map((round) => round.cpuMs / Math.max(1, round.ok))),
    rounds: rates,
  };
}

export class PeerBench {
  private nextUser = 0;
  private readonly harness: LoginHarness;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly target: SandboxTarget,
    private readonly users: readonly string[],
    private readonly settings: BenchSettings,
  ) {
    this.harness = new LoginHarness(settings.deadlineMs);
  }

  private readonly mintCode = (): string =>
    this.sandbox.control.login({ userid: this.users[this.nextUser++ % this.users.length] as string }).code;

  /** A new instance against a sandbox with no live tokens, no faults and zeroed counters. */
  private async fresh<T>(
    create: PeerLibrary['create'],
    measure: (wrapper: LoginWrapper) => Promise<T>,
  ): Promise<T> {
    this.sandbox.control.reset();
    const wrapper = create(this.target);
    try {
      return await measure(wrapper);
    } finally {
      this.sandbox.control.clearFaults();
      // Cut-off logins of a hung library end when the delayed answers arrive; nothing waits longer than that.
      await this.harness.drain(this.settings.faultDelayMs + 2_000);
      wrapper.close();
    }
  }

  /** gettoken calls the sandbox received for `logins` logins started at once on a new instance. */
  cold(library: PeerLibrary): Promise<ColdResult> {
    const { control } = this.sandbox;
    return this.fresh(library.create, async (wrapper) => {
      const codes = Array.from({ length: this.settings.logins }, this.mintCode);
      control.resetCalls();
      const outcome = await this.harness.batch(wrapper, codes, codes.length);
      // Gettoken calls of logins cut off by the deadline still count once they reach the sandbox.
      await this.harness.drain(this.settings.faultDelayMs + 2_000);
      const gettoken = control.calls().byPath['/cgi-bin/gettoken'] ?? 0;
      return { ...outcome, total: codes.length, gettoken };
    });
  }

  /**
   * One throughput round: `loops` login loops for the configured seconds, after a warm-up of up to 1 s, on an
   * instance from `create` (a library's, or the bare reference chain's).
   */
  throughputRound(create: PeerLibrary['create']): Promise<LoopsOutcome> {
    const { loops, seconds } = this.settings;
    return this.fresh(create, async (wrapper) => {
      await this.harness.loops(wrapper, this.mintCode, loops, Math.min(1_000, seconds * 1_000));
      return this.harness.loops(wrapper, this.mintCode, loops, seconds * 1_000);
    });
  }

  /** The success share of `logins` logins on a warm instance while the scenario's fault is in place. */
  fault(library: PeerLibrary, scenario: FaultScenario): Promise<FaultResult> {
    return this.fresh(library.create, async (wrapper) => {
      const warmUp = await this.harness.batch(wrapper, [this.mintCode()], 1);
      const codes = Array.from({ length: this.settings.logins }, this.mintCode);
      this.sandbox.control.resetCalls();
      scenario.inject(this.sandbox.control, this.settings);
      const outcome = await this.harness.batch(wrapper, codes, this.settings.loops);
      // Held answers of the timeout scenario are logged when they are sent: wait for them before counting.
      await this.harness.drain(this.settings.faultDelayMs + 2_000);
      const calls = { ...this.sandbox.control.calls().byPath };
      return { ...outcome, total: codes.length, calls, warmUpFailed: warmUp.ok !== 1 };
    });
  }

  async faults(
    library: PeerLibrary,
    progress: (step: string) => void,
  ): Promise<Record<FaultName, FaultResult>> {
    const results = {} as Record<FaultName, FaultResult>;
    for (const scenario of faultScenarios) {
      progress(scenario.name);
      results[scenario.name] = await this.fault(library, scenario);
    }
    return results;
  }
}
