/**
 * Measures one gateway on an already seeded store: memory after GC when idle and after the load runs, how long it
 * took to start, and `POST /v1/sessions` (login, writes a session), `POST /v1/sessions/refresh` (finds a stored
 * session by its refresh hash and rotates it) and `GET /v1/verify` (no store access) under autocannon.
 *
 * The three runs are repeated `rounds` times, alternating, so that each endpoint is measured at several moments of
 * the machine's other work and the spread shows. Besides requests per second, each run records what it cost: the
 * gateway's CPU time per request (its process alone, read over IPC) and, on Redis, the server's CPU time per request
 * and the time per call of each command. CPU time spent is not time spent waiting for a core, so on a shared
 * machine these move far less than requests per second do, and they are what says whether a store got slower.
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
 * Not measured: lets the JIT compile the request paths, the connections' buffers grow and, after seeding, the
 * store's server settle (Redis finishes resizing its key tables as the first commands touch them), the same for
 * every size.
 */
const warmUpSeconds = 2;

export async function measureGateway(input: MeasureInput): Promise<GatewayFigures> {
  const { sandbox, userIds, tokens, server } = input;
  let nextUser = 0;
  const freshCode = (): string =>
    sandbox.control.login({ userid: userIds[nextUser++ % userIds.length] as string }).code;

  const gateway = await startMeasuredGateway(input.env);
  try {
    const idle = await gateway.memory();
    // One login per employee: their profiles are cached before any run, as in a gateway that has been up a while.
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

    for (const endpoint of ['verify', 'refresh', 'login'] as const) await runners[endpoint](warmUpSeconds);
    const runs: Record<Endpoint, CostedRun[]> = { verify: [], refresh: [], login: [] };
    for (let round = 0; round < input.rounds; round++) {
      for (const endpoint of ['verify', 'refresh', 'login'] as const)
        runs[endpoint].push(await costed(endpoint));
    }
    const loaded = await gateway.memory();
    return { startMs: gateway.startMs, idle, loaded, runs, storeBytes: await input.storeBytes() };
  } finally {
    await gateway.close();
  }
}
