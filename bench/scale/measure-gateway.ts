/**
 * Measures one gateway on an already seeded store: memory after GC when idle and after the load runs, how long it
 * took to start, and `POST /v1/sessions` (login, writes a session), `POST /v1/sessions/refresh` (finds a stored
 * session by its refresh hash and rotates it) and `GET /v1/verify` (no store access) under autocannon.
 *
 * The three runs are repeated round after round, alternating, so that each endpoint is measured at several moments
 * of the machine's other work and the spread shows; the caller may interleave the rounds of several gateways. Besides
 * requests per second, each run records what it cost: the gateway's CPU time per request (its process alone, read over
 * IPC) and, on Redis, the server's CPU time per request and the time per call of each command. CPU time spent is not
 * time spent waiting for a core, so on a shared machine these move far less than requests per second do, and they are
 * what says whether a store got slower.
 */
import { loadavg } from 'node:os';
import type { Sandbox } from '@wecom-auth/sandbox';
import { jsonPostsEach, type LoadResult, load } from '../measure.js';
import { type GatewayMemory, startMeasuredGateway } from '../measured-gateway.js';
import { type RedisServerReading, type RedisServerStats, readingDelta } from './redis-server-stats.js';
import type { RefreshTokens } from './refresh-tokens.js';

/** One load run of one endpoint and what it cost. */
export interface CostedRun extends LoadResult {
  /** The gateway process's CPU time (user + system) per answered request, µs. */
  readonly gatewayCpuMicros: number;
  /** Redis only: the server's CPU time per answered request, µs (summed over a cluster's nodes). */
  readonly serverCpuMicros?: number;
  /** Redis only: what the server spent in each command during the run. */
  readonly commands?: RedisServerReading['commands'];
  /** The machine's 1-minute load average right after the run. */
  readonly loadAverage: number;
}

export type Endpoint = 'login' | 'refresh' | 'verify';

export interface GatewayFigures {
  readonly startMs: number;
  readonly idle: GatewayMemory;
  readonly loaded: GatewayMemory;
  /** Every round's run of each endpoint, in order. */
  readonly runs: Readonly<Record<Endpoint, readonly CostedRun[]>>;
  /** The store's size, read after the load runs while the gateway still has it open. */
  readonly storeBytes: number;
}

export interface MeasureInput {
  /** What selects and configures the store (`WECOM_AUTH_DB`, `REDIS_URL`, …) and points the gateway at WeCom. */
  readonly env: Readonly<Record<string, string>>;
  readonly sandbox: Sandbox;
  readonly userIds: readonly string[];
  readonly tokens: RefreshTokens;
  readonly seconds: number;
  readonly rounds: number;
  readonly storeBytes: () => Promise<number>;
  /** The Redis server's readings, when the store is Redis. */
  readonly server?: RedisServerStats;
}

/**
 * Not measured: each round starts with this many seconds of each endpoint, so that the JIT has compiled the request
 * paths, the connections' buffers have grown and memory the machine let go cold while the gateway idled (another
 * size's turn, see scale.ts) is touched again, the same for every size and round.
 */
const warmUpSeconds = 2;

/** A gateway started on one store and measured round by round (see {@link startMeasurement}). */
export interface Measurement {
  /** One round: a warm-up, then verify, refresh and login, each run once and costed. */
  round(): Promise<void>;
  /** Reads memory and the store's size after the rounds, and stops the gateway. */
  finish(): Promise<GatewayFigures>;
  /** Stops the gateway, if {@link finish} did not; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a gateway on an already seeded store, logs each employee in once (their profiles are then cached, as in a
 * gateway that has been up a while), and returns the handle that measures it round by round: the scale benchmark
 * interleaves the rounds of several sizes so that the machine's drift over minutes falls on all of them alike.
 */
export async function startMeasurement(input: Omit<MeasureInput, 'rounds'>): Promise<Measurement> {
  const { sandbox, userIds, tokens, server } = input;
  let nextUser = 0;
  const freshCode = (): string =>
    sandbox.control.login({ userid: userIds[nextUser++ % userIds.length] as string }).code;

  const gateway = await startMeasuredGateway(input.env);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await gateway.close();
  };
  try {
    const idle = await gateway.memory();
    let accessToken = '';
    for (const _ of userIds) {
      const response = await fetch(`${gateway.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: freshCode() }),
      });
      if (response.status !== 201) throw new Error(`warm-up login answered ${response.status}`);
      ({ accessToken } = (await response.json()) as { accessToken: string });
    }

    const runners: Record<Endpoint, (duration: number) => Promise<LoadResult>> = {
      verify: (duration) =>
        load({
          url: `${gateway.url}/v1/verify`,
          duration,
          headers: { authorization: `Bearer ${accessToken}` },
        }),
      // Tokens and codes are handed out per request by this process.
      refresh: (duration) =>
        load({
          ...jsonPostsEach(
            `${gateway.url}/v1/sessions/refresh`,
            () => ({ refreshToken: tokens.next() }),
            (status, body) => {
              if (status === 200) tokens.keep(body);
            },
          ),
          duration,
        }),
      login: (duration) =>
        load({ ...jsonPostsEach(`${gateway.url}/v1/sessions`, () => ({ code: freshCode() })), duration }),
    };

    const costed = async (endpoint: Endpoint): Promise<CostedRun> => {
      const serverBefore = await server?.read();
      const cpuBefore = await gateway.cpuMicros();
      const result = await runners[endpoint](input.seconds);
      const cpuAfter = await gateway.cpuMicros();
      const serverAfter = await server?.read();
      const answered = Math.max(1, result.ok + result.non2xx);
      const serverDelta = serverBefore && serverAfter ? readingDelta(serverBefore, serverAfter) : undefined;
      return {
        ...result,
        gatewayCpuMicros: (cpuAfter - cpuBefore) / answered,
        ...(serverDelta
          ? { serverCpuMicros: serverDelta.cpuMicros / answered, commands: serverDelta.commands }
          : {}),
        loadAverage: loadavg()[0] ?? 0,
      };
    };

    const endpoints = ['verify', 'refresh', 'login'] as const;
    const runs: Record<Endpoint, CostedRun[]> = { verify: [], refresh: [], login: [] };
    return {
      async round() {
        for (const endpoint of endpoints) await runners[endpoint](warmUpSeconds);
        for (const endpoint of endpoints) runs[endpoint].push(await costed(endpoint));
      },
      async finish() {
        const loaded = await gateway.memory();
        const storeBytes = await input.storeBytes();
        await close();
        return { startMs: gateway.startMs, idle, loaded, runs, storeBytes };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts a gateway on an already seeded store, measures `rounds` rounds in a row, and stops it. */
export async function measureGateway(input: MeasureInput): Promise<GatewayFigures> {
  const measurement = await startMeasurement(input);
  try {
    for (let round = 0; round < input.rounds; round++) await measurement.round();
    return await measurement.finish();
  } finally {
    await measurement.close();
  }
}
