/**
 * A steady, concurrent, mixed load on one or more gateways, as a crowd of mini programs would send it: logins with
 * fresh sandbox codes, refreshes, logouts, verifies and /v1/me on the sessions it opened. Bounded in requests and
 * in time. Each answer is entered in a {@link SessionLedger}; an answer that contradicts the ledger (an active
 * session refused, an unexpected error code) is kept as a surprise for the test to show.
 */
import type { Sandbox } from '@wecom-auth/sandbox';
import { describeExchange, type Exchange, errorCode, exchange } from './gateway-exchange.js';
import type { SessionLedger, TrackedSession } from './session-ledger.js';

export type LoadOperation = 'login' | 'refresh' | 'logout' | 'verify' | 'me';

export interface LoadRecord {
  readonly operation: LoadOperation;
  readonly target: string;
  readonly exchange: Exchange;
}

export interface MixedLoadOptions {
  readonly sandbox: Sandbox;
  readonly ledger: SessionLedger;
  /** Gateway base URLs; each request goes to one of them at random. */
  readonly targets: readonly string[];
  /** Active members of the sandbox corp to log in. */
  readonly users: readonly string[];
  /** Requests in flight at once. */
  readonly workers: number;
  /** Relative weights of the operations; an operation that needs a session falls back to a login without one. */
  readonly mix: Readonly<Record<LoadOperation, number>>;
  readonly maxRequests: number;
  readonly maxMs: number;
  /** Seeds the choice of operations, users and sessions. */
  readonly seed: number;
  /** Pause of a worker after a 503, as a client honouring Retry-After would (shortened for the test). */
  readonly pauseAfterUnavailableMs?: number;
  readonly evidenceSource: string;
}

/** mulberry32: a small seeded generator, so a run's choices can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Whether an answer leaves the effect of a refresh or logout unknown: the store may or may not have applied it. */
function indefinite(result: Exchange): boolean {
  return result.outcome !== 'answered' || result.status >= 500;
}

export class MixedLoad {
  readonly records: LoadRecord[] = [];
  /** Answers that contradict the ledger, described for the assertion diff. */
  readonly surprises: string[] = [];
  readonly done: Promise<void>;
  #inFlight = 0;
  #answered = 0;
  #sent = 0;
  #stopped = false;
  readonly #options: MixedLoadOptions;
  readonly #random: () => number;
  readonly #operations: readonly LoadOperation[];

  constructor(options: MixedLoadOptions) {
    this.#options = options;
    this.#random = seededRandom(options.seed);
    this.#operations = (Object.keys(options.mix) as LoadOperation[]).flatMap((operation) =>
      Array.from({ length: options.mix[operation] }, () => operation),
    );
    const deadline = performance.now() + options.maxMs;
    this.done = Promise.all(Array.from({ length: options.workers }, () => this.#work(deadline))).then(
      () => undefined,
    );
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get answered(): number {
    return this.#answered;
  }

  /** No new request is sent after this; those in flight finish (or are cut) on their own. */
  stop(): void {
    this.#stopped = true;
  }

  async #work(deadline: number): Promise<void> {
    const { maxRequests, pauseAfterUnavailableMs = 0 } = this.#options;
    while (!this.#stopped && this.#sent < maxRequests && performance.now() < deadline) {
      this.#sent += 1;
      const result = await this.#one();
      if (result.outcome === 'answered') this.#answered += 1;
      if (result.outcome === 'answered' && result.status === 503 && pauseAfterUnavailableMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, pauseAfterUnavailableMs));
      }
    }
  }

  #pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.#random() * items.length)];
    if (item === undefined) throw new Error('nothing to pick from');
    return item;
  }

  async #one(): Promise<Exchange> {
    const { ledger } = this.#options;
    let operation = this.#pick(this.#operations);
    const session = operation === 'login' ? undefined : ledger.pickIdle(this.#random);
    if (session === undefined) operation = 'login';
    const target = this.#pick(this.#options.targets);
    if (session) session.busy = true;
    this.#inFlight += 1;
    let result: Exchange;
    try {
      result = await this.#send(operation, target, session);
    } finally {
      this.#inFlight -= 1;
      if (session) session.busy = false;
    }
    this.records.push({ operation, target, exchange: result });
    this.#enter(operation, session, result);
    return result;
  }

  #send(operation: LoadOperation, target: string, session: TrackedSession | undefined): Promise<Exchange> {
    const source = this.#options.evidenceSource;
    const accessToken = session?.accessTokens.at(-1);
    switch (operation) {
      case 'login': {
        const { code } = this.#options.sandbox.control.login({ userid: this.#pick(this.#options.users) });
        return exchange(target, '/v1/sessions', { method: 'POST', body: { code } }, source);
      }
      case 'refresh':
        return exchange(
          target,
          '/v1/sessions/refresh',
          { method: 'POST', body: { refreshToken: session?.refreshTokens.at(-1) } },
          source,
        );
      case 'logout':
        return exchange(
          target,
          '/v1/sessions/current',
          { method: 'DELETE', ...(accessToken ? { token: accessToken } : {}) },
          source,
        );
      case 'verify':
        return exchange(target, '/v1/verify', accessToken ? { token: accessToken } : {}, source);
      case 'me':
        return exchange(target, '/v1/me', accessToken ? { token: accessToken } : {}, source);
    }
  }

  /** Enters a result in the ledger: definite answers change a session's state, indefinite ones unsettle it. */
  #enter(operation: LoadOperation, session: TrackedSession | undefined, result: Exchange): void {
    const { ledger } = this.#options;
    const surprise = (): void => {
      this.surprises.push(`${operation} of ${session?.id ?? 'a new session'}: ${describeExchange(result)}`);
    };
    if (operation === 'login') {
      if (result.outcome === 'answered' && result.status === 201) ledger.opened(result.body);
      else if (result.outcome === 'answered' && result.status < 500) surprise();
      return;
    }
    if (session === undefined) return;
    if (operation === 'refresh' || operation === 'logout') {
      if (indefinite(result)) {
        ledger.unsettled(session, operation);
        return;
      }
      if (operation === 'refresh' && result.outcome === 'answered' && result.status === 200) {
        ledger.rotated(session, result.body);
        return;
      }
      if (operation === 'logout' && result.outcome === 'answered' && result.status === 204) {
        ledger.revoked(session);
        return;
      }
      // An active session with a definite state was refused: something the clients were told was lost.
      if (errorCode(result) === 'session_revoked') ledger.revoked(session);
      surprise();
      return;
    }
    // verify and /v1/me change nothing; an active session must pass, or meet a store that is away (503).
    const passed = result.outcome === 'answered' && (result.status === 200 || result.status === 204);
    if (!passed && !indefinite(result)) surprise();
  }
}
