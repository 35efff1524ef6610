/**
 * Measures one gateway on an already seeded store: memory after GC when idle and after the load runs, how long it
 * took to start, and `POST /v1/sessions` (login, writes a session), `POST /v1/sessions/refresh` (finds a stored
 * session by its refresh hash and rotates it) and `GET /v1/verify` (no store access) under autocannon.
 */
import { loadavg } from 'node:os';
import type { Sandbox } from '@wecom-auth/sandbox';
import { jsonPostsEach, type LoadResult, load } from '../measure.js';
import { type GatewayMemory, startMeasuredGateway } from '../measured-gateway.js';
import type { RefreshTokens } from './refresh-tokens.js';

export interface GatewayFigures {
  readonly startMs: number;
  readonly idle: GatewayMemory;
  readonly loaded: GatewayMemory;
  readonly login: LoadResult;
  readonly refresh: LoadResult;
  readonly verify: LoadResult;
  /** The store's size, read after the load runs while the gateway still has it open. */
  readonly storeBytes: number;
  /** The machine's 1-minute load average after the runs: others' work on a shared machine shows here. */
  readonly loadAverage: number;
}

export interface MeasureInput {
  /** What selects and configures the store (`WECOM_AUTH_DB` or `REDIS_URL`) and points the gateway at WeCom. */
  readonly env: Readonly<Record<string, string>>;
  readonly sandbox: Sandbox;
  readonly userIds: readonly string[];
  readonly tokens: RefreshTokens;
  readonly seconds: number;
  readonly storeBytes: () => Promise<number>;
}

/** Not measured: lets the JIT compile the request paths and the profile cache fill, the same for every size. */
const warmUpSeconds = 1;

export async function measureGateway(input: MeasureInput): Promise<GatewayFigures> {
  const { sandbox, userIds, tokens } = input;
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

    const verify = (duration: number): Promise<LoadResult> =>
      load({
        url: `${gateway.url}/v1/verify`,
        duration,
        headers: { authorization: `Bearer ${accessToken}` },
      });
    // Tokens and codes are handed out per request by this process.
    const refresh = (duration: number): Promise<LoadResult> =>
      load({
        ...jsonPostsEach(
          `${gateway.url}/v1/sessions/refresh`,
          () => ({ refreshToken: tokens.next() }),
          (status, body) => {
            if (status === 200) tokens.keep(body);
          },
        ),
        duration,
      });
    const login = (duration: number): Promise<LoadResult> =>
      load({ ...jsonPostsEach(`${gateway.url}/v1/sessions`, () => ({ code: freshCode() })), duration });

    await verify(warmUpSeconds);
    await refresh(warmUpSeconds);
    await login(warmUpSeconds);
    const verified = await verify(input.seconds);
    const refreshed = await refresh(input.seconds);
    const loggedIn = await login(input.seconds);
    const loaded = await gateway.memory();
    return {
      startMs: gateway.startMs,
      idle,
      loaded,
      login: loggedIn,
      refresh: refreshed,
      verify: verified,
      storeBytes: await input.storeBytes(),
      loadAverage: loadavg()[0] ?? 0,
    };
  } finally {
    await gateway.close();
  }
}
