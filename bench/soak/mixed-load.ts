/**
 * A steady mixed load at a fixed rate, as employees use a mini program: virtual users log in, then verify, read
 * /v1/me, refresh and eventually log out and log in again. Each virtual user has at most one request in flight, as
 * one phone would; when all are busy a scheduled request is shed (counted), so a slow gateway never builds an
 * unbounded queue in the generator.
 */
import { Agent, request } from 'undici';
import { type Endpoint, IntervalStats } from './interval-stats.js';

export interface MixedLoadOptions {
  readonly gatewayUrl: string;
  /** Requests per second, started on schedule whatever the answers' latency. */
  readonly rate: number;
  /** Employees the virtual users log in as (round robin). */
  readonly userIds: readonly string[];
  readonly virtualUsers: number;
  /** A `wx.qy.login` code for this employee (the sandbox mints them). */
  readonly mintCode: (userId: string) => string;
}

interface VirtualUser {
  readonly userId: string;
  session: { accessToken: string; refreshToken: string } | undefined;
}

/** What a logged-in user does next, with its share: mostly forward auth and profile reads, some rotation. */
const actions: readonly (readonly [Endpoint, number])[] = [
  ['verify', 0.4],
  ['me', 0.3],
  ['refresh', 0.2],
  ['logout', 0.1],
];

function pickAction(): Endpoint {
  let roll = Math.random();
  for (const [endpoint, share] of actions) {
    roll -= share;
    if (roll < 0) return endpoint;
  }
  return 'verify';
}

const tickMs = 20;
const requestTimeoutMs = 10_000;

export class MixedLoad {
  readonly stats = new IntervalStats();
  readonly #options: MixedLoadOptions;
  readonly #agent: Agent;
  readonly #idle: VirtualUser[];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #issued = 0;
  #stopping: Promise<void> | undefined;

  constructor(options: MixedLoadOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connections: options.virtualUsers,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
    this.#idle = Array.from({ length: options.virtualUsers }, (_, index) => ({
      userId: options.userIds[index % options.userIds.length] as string,
      session: undefined,
    }));
  }

  start(): void {
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), tickMs);
  }

  /** Stops scheduling and waits for the requests in flight (each is bounded by its timeout). Idempotent. */
  stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopping ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.#agent.close();
    })();
    return this.#stopping;
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#startedAt) * this.#options.rate) / 1000);
    for (; this.#issued < due; this.#issued++) {
      const user = this.#idle.shift();
      if (!user) {
        this.stats.shed();
        continue;
      }
      const done = this.#act(user).finally(() => {
        this.#inFlight.delete(done);
        this.#idle.push(user);
      });
      this.#inFlight.add(done);
    }
  }

  async #act(user: VirtualUser): Promise<void> {
    const session = user.session;
    const endpoint: Endpoint = session ? pickAction() : 'login';
    const started = performance.now();
    try {
      const answer = await this.#send(endpoint, user);
      this.stats.answered(endpoint, answer.status, performance.now() - started);
      if (answer.status === 201 || (answer.status === 200 && endpoint === 'refresh')) {
        const body = JSON.parse(answer.text) as { accessToken: string; refreshToken: string };
        user.session = { accessToken: body.accessToken, refreshToken: body.refreshToken };
      } else if (endpoint === 'logout' || answer.status === 401) {
        // Logged out, or the session is gone: this user logs in again next time.
        user.session = undefined;
      }
    } catch {
      this.stats.failed(endpoint);
      user.session = undefined;
    }
  }

  async #send(endpoint: Endpoint, user: VirtualUser): Promise<{ status: number; text: string }> {
    const base = this.#options.gatewayUrl;
    const bearer = { authorization: `Bearer ${user.session?.accessToken ?? ''}` };
    const json = { 'content-type': 'application/json' };
    const call = (
      method: 'GET' | 'POST' | 'DELETE',
      path: string,
      headers: Record<string, string>,
      body?: unknown,
    ) =>
      request(`${base}${path}`, {
        method,
        headers,
        dispatcher: this.#agent,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const response = await (() => {
      switch (endpoint) {
        case 'login':
          return call('POST', '/v1/sessions', json, { code: this.#options.mintCode(user.userId) });
        case 'refresh':
          return call('POST', '/v1/sessions/refresh', json, { refreshToken: user.session?.refreshToken });
        case 'verify':
          return call('GET', '/v1/verify', bearer);
        case 'me':
          return call('GET', '/v1/me', bearer);
        case 'logout':
          return call('DELETE', '/v1/sessions/current', bearer);
      }
    })();
    return { status: response.statusCode, text: await response.body.text() };
  }
}
