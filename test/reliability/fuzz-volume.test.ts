/**
 * 10,000 fuzzed requests over every endpoint, over real HTTP, 16 at a time: garbage of every kind and a share of
 * well-formed requests (fresh codes, live tokens, signed callbacks). No answer is a 5xx, every 4xx has the error
 * envelope with a stable code, the gateway still serves a clean login afterwards, and its heap is back to the
 * baseline once garbage-collected.
 *
 * Reproducible: the run uses a fixed seed (FUZZ_SEED overrides it); on failure fast-check prints the seed and the
 * failing batch.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { callbackCrypto, callbackEnv, gatewayRoutes, routePaths, sealEvent } from '@wecom-auth/testing';
import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvidence } from './support/evidence.js';
import { type EvidenceGateway, startEvidenceGateway } from './support/evidence-gateway.js';
import { type FuzzRequest, fuzzRequests, undecodablePaths } from './support/fuzz-requests.js';

const seed = Number(process.env.FUZZ_SEED ?? 20_261_123);
const concurrency = 16;
const warmUpRequests = 1_024;
/** Three rounds after the warm-up, with the heap measured after each. */
const roundRequests = 2_992;
const rounds = 3;
const evidenceSource = 'fuzz-volume';

/**
 * The heap is measured (after GC) at the end of the warm-up and after each of the three rounds that follow. Two
 * bounds, each with 2 KiB per session the fuzz opened in the span it covers: what may legitimately stay is one
 * verified-token cache entry and one revocation-mirror entry per session (the sessions themselves live in SQLite,
 * off the V8 heap).
 *
 * - From the warm-up to the end (8,976 requests): 4 MiB of allowance for what settles only once, after the warm-up
 *   (lazily compiled code, allocator pages, caches filled by a rare request kind).
 * - From the first round to the end (5,984 requests): 1.5 MiB, the slope. Whatever settles once has settled by
 *   then, so what still grows grows with the requests: a leak of 256 bytes per request, less than one request's
 *   headers or error body, exceeds it.
 */
function heapBoundBytes(allowanceBytes: number, sessionsOpened: number): number {
  return allowanceBytes + sessionsOpened * 2 * 1024;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(2);

/** `gc()` without a flag on the command line: the flag is set at run time and the function fetched from a context. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledHeapUsed(gc: () => void): Promise<number> {
  // Several passes, a turn of the event loop between: finalizers and weak callbacks free more on later passes.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

interface Session {
  accessToken: string;
  refreshToken: string;
  readonly userid: string;
}

let g: EvidenceGateway;
let pool: Pool;
/** Members who log in through the fuzzed `fresh-code` logins; the live sessions belong to others. */
let loginMembers: string[];
const sessions: Session[] = [];
let nextSession = 0;
/** The requests to send, around the routes the gateway's OpenAPI document lists. */
let fuzzRequest: fc.Arbitrary<FuzzRequest>;
let sessionsOpened = 0;
const successes = new Map<string, number>();
const statuses = new Map<number, number>();

async function openSession(userid: string): Promise<Session> {
  const session = await g.login(userid);
  sessionsOpened += 1;
  return { ...session, userid };
}

beforeAll(async () => {
  g = await startEvidenceGateway(evidenceSource, {
    keepLogLines: false,
    env: {
      LOGIN_RATE_LIMIT: '1000000',
      LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
      LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
      ...callbackEnv,
    },
  });
  pool = new Pool(g.gateway.url, { connections: concurrency });
  fuzzRequest = fuzzRequests(routePaths(await gatewayRoutes(g.gateway.url)));
  const corp = g.sandbox.control.directory().corps.find((candidate) => candidate.corpId === DEMO_CORP_ID);
  const members: string[] = [];
  for (const user of corp?.users ?? []) {
    const answer = await g.call('POST', '/v1/sessions', { body: { code: g.code(user.userid) } });
    if (answer.status === 201) members.push(user.userid);
  }
  // Eight members hold the live sessions (their session_key must stay the latest for decrypt to work).
  const holders = members.slice(0, 8);
  loginMembers = members.slice(8);
  for (const userid of holders) sessions.push(await openSession(userid));
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await g?.close();
});

function liveSession(): Session {
  const session = sessions[nextSession++ % sessions.length];
  if (!session) throw new Error('no live session');
  return session;
}

function authorizationHeaders(request: FuzzRequest, session: Session): string[] {
  const spec = request.authorization;
  switch (spec.kind) {
    case 'absent':
      return [];
    case 'raw':
      return ['authorization', spec.value];
    case 'valid':
      return ['authorization', `Bearer ${session.accessToken}`];
    case 'tampered': {
      const token = session.accessToken;
      const at = spec.at % token.length;
      return ['authorization', `Bearer ${token.slice(0, at)}${spec.junk}${token.slice(at + 1)}`];
    }
    case 'duplicate':
      return ['authorization', `Bearer ${session.accessToken}`, 'authorization', spec.second];
  }
}

/** The path, query and body as sent, with fresh codes, live tokens and seals resolved now. */
function resolve(request: FuzzRequest, session: Session): { url: string; body: string | undefined } {
  if (request.callback === 'verify-url') {
    const sealed = callbackCrypto.encrypt(String(Date.now()));
    const query = new URLSearchParams({
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypt,
    });
    return { url: `${request.path}?${query.toString()}`, body: undefined };
  }
  if (request.callback === 'event') {
    // A department rename: applying it only drops cached department names, so the fuzz keeps its sessions.
    const sealed = sealEvent({ kind: 'update_party', id: 2, name: `部门${Date.now()}` });
    return { url: `${request.path}?${sealed.query}`, body: sealed.body };
  }
  const url = request.path + request.query;
  switch (request.body.kind) {
    case 'none':
      return { url, body: undefined };
    case 'text':
      return { url, body: request.body.text };
    case 'fresh-code': {
      const userid = loginMembers[nextSession % loginMembers.length] ?? session.userid;
      return { url, body: JSON.stringify({ code: g.code(userid) }) };
    }
    case 'live-refresh-token':
      return { url, body: JSON.stringify({ refreshToken: session.refreshToken }) };
    case 'live-encrypted': {
      const { encryptedData, iv } = g.sandbox.control.encrypt({ userid: session.userid, kind: 'mobile' });
      return { url, body: JSON.stringify({ encryptedData, iv }) };
    }
  }
}

/** Keeps the live sessions live: a refresh rotates the pair, a logout or a revocation is replaced by a new login. */
async function track(request: FuzzRequest, session: Session, status: number, text: string): Promise<void> {
  if (!request.wellFormed) return;
  if (status >= 200 && status < 300) {
    const key = `${request.method} ${request.path}`;
    successes.set(key, (successes.get(key) ?? 0) + 1);
  }
  const issuesTokens = request.path === '/v1/sessions' || request.path === '/v1/sessions/refresh';
  const body = issuesTokens && status < 300 ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (request.path === '/v1/sessions/refresh' && status === 200 && body) {
    session.accessToken = String(body.accessToken);
    session.refreshToken = String(body.refreshToken);
    await g.recordSessionSecrets(session);
    sessionsOpened += 1;
  } else if (request.path === '/v1/sessions' && status === 201 && body) {
    sessionsOpened += 1;
    if (sessionsOpened % 50 === 0)
      await g.recordSessionSecrets({
        accessToken: String(body.accessToken),
        refreshToken: String(body.refreshToken),
      });
  } else if (status === 401 || (request.path === '/v1/sessions/current' && status === 204)) {
    // Logged out, or revoked by a concurrent reuse of its refresh token: the slot gets a new session.
    const fresh = await openSession(session.userid);
    session.accessToken = fresh.accessToken;
    session.refreshToken = fresh.refreshToken;
  }
}

async function send(request: FuzzRequest): Promise<void> {
  const session = liveSession();
  const { url, body } = resolve(request, session);
  const headers = [
    ...authorizationHeaders(request, session),
    ...(request.contentType === undefined ? [] : ['content-type', request.contentType]),
  ];
  const response = await pool.request({
    method: request.method,
    path: url,
    headers,
    ...(body === undefined || request.method === 'GET' || request.method === 'HEAD' ? {} : { body }),
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const text = await response.body.text();
  recordEvidence('response', evidenceSource, text);
  const status = response.statusCode;
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const what = `${request.method} ${url.slice(0, 200)} → ${status} ${text.slice(0, 300)}`;
  expect(status, what).toBeGreaterThanOrEqual(200);
  expect(status, what).toBeLessThan(500);
  if (status >= 400 && request.method !== 'HEAD') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      expect.fail(`${what}: the error body is not JSON`);
    }
    expect(parsed, what).toMatchObject({
      error: expect.stringMatching(/^[a-z_]+$/),
      message: expect.any(String),
      requestId: expect.any(String),
    });
  }
  await track(request, session, status, text);
}

/** A failing batch in a few lines: the generated values hold strings of up to 256 KiB. */
function describeBatch(batch: readonly FuzzRequest[]): string {
  return batch
    .map((request) => {
      const body =
        request.body.kind === 'text'
          ? `${request.body.text.length} chars: ${request.body.text.slice(0, 80)}`
          : request.body.kind;
      const auth =
        request.authorization.kind === 'raw'
          ? `raw ${request.authorization.value.length} chars`
          : request.authorization.kind;
      return `  ${request.method} ${request.path.slice(0, 120)}${request.query.slice(0, 60)} type=${String(request.contentType)} auth=${auth} body=${body}`;
    })
    .join('\n');
}

async function fuzz(requests: number, runSeed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fuzzRequest, { minLength: concurrency, maxLength: concurrency }),
      async (batch) => {
        await Promise.all(batch.map(send));
      },
    ),
    {
      seed: runSeed,
      numRuns: requests / concurrency,
      // Shrinking would replay HTTP batches for minutes; the seed and the failing batch are enough to reproduce.
      endOnFailure: true,
      interruptAfterTimeLimit: 150_000,
      markInterruptAsFailure: true,
      asyncReporter: async (details) => {
        if (!details.failed) return;
        const batch = details.counterexample?.[0] ?? [];
        throw new Error(
          `fuzz failed (seed ${details.seed}, path "${details.counterexamplePath ?? ''}"; rerun with FUZZ_SEED): ` +
            `${details.errorInstance instanceof Error ? details.errorInstance.message : 'interrupted or skipped too often'}\n` +
            describeBatch(batch),
        );
      },
    },
  );
}

describe('10,000 fuzzed requests over every endpoint', () => {
  it('never answers 5xx, keeps the error envelope, stays up and returns its heap', async () => {
    expect(warmUpRequests + rounds * roundRequests).toBe(10_000);
    const gc = exposeGc();

    // The warm-up fills what is filled once (compiled code, route caches, metric label sets, prepared statements).
    await fuzz(warmUpRequests, seed);
    const heap = [await settledHeapUsed(gc)];
    const opened = [sessionsOpened];
    for (let round = 1; round <= rounds; round++) {
      await fuzz(roundRequests, seed + round);
      heap.push(await settledHeapUsed(gc));
      opened.push(sessionsOpened);
    }
    const [baseline = 0, first = 0] = heap;
    const [openedAtBaseline = 0, openedAtFirst = 0] = opened;
    const last = heap.at(-1) ?? 0;
    const totalBound = heapBoundBytes(4 * 2 ** 20, sessionsOpened - openedAtBaseline);
    const slopeBound = heapBoundBytes(1.5 * 2 ** 20, sessionsOpened - openedAtFirst);
    console.info(
      `fuzz-volume: seed ${seed}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; ` +
        `sessions opened ${sessionsOpened}; heap after warm-up and each round: ${heap.map(mib).join(', ')} MiB; ` +
        `growth ${mib(last - baseline)} MiB (bound ${mib(totalBound)}), since round 1 ${mib(last - first)} MiB ` +
        `(bound ${mib(slopeBound)})`,
    );
    expect(last - baseline).toBeLessThan(totalBound);
    expect(last - first).toBeLessThan(slopeBound);

    // Every success path ran.
    for (const path of [
      'POST /v1/sessions',
      'GET /v1/verify',
      'GET /v1/me',
      'POST /v1/sessions/refresh',
      'POST /v1/me/decrypt',
      'DELETE /v1/sessions/current',
      'GET /v1/callback',
      'POST /v1/callback',
    ])
      expect(successes.get(path) ?? 0, `successes of ${path}`).toBeGreaterThan(0);

    // Still up: liveness, and a clean login whose token verifies.
    expect((await g.call('GET', '/healthz')).status).toBe(200);
    const clean = await openSession('zhangsan');
    expect((await g.call('GET', '/v1/verify', { token: clean.accessToken })).status).toBe(204);
  }, 240_000);
});

/** What the envelope check of every 4xx demands, for the requests below. */
function expectEnvelope(status: number, text: string): void {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(JSON.parse(text) as unknown, text).toMatchObject({
    error: expect.stringMatching(/^[a-z_]+$/),
    message: expect.any(String),
    requestId: expect.any(String),
  });
}

async function sendOnce(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await pool.request({ method, path, headers, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const text = await response.body.text();
  recordEvidence('response', evidenceSource, text);
  return { status: response.statusCode, text };
}

// Refused before any route or error handler of the gateway runs: by the router (a path that does not decode) or
// by Node's HTTP parser (an unknown method, headers over 16 KiB). The gateway answers them with its envelope all the
// same, from its framework-error and client-error handlers.
describe('requests refused before routing', () => {
  it.each(undecodablePaths)('answers the undecodable path %s with the error envelope', async (path) => {
    const { status, text } = await sendOnce('GET', path);
    expectEnvelope(status, text);
  });

  it('answers an unknown method with the error envelope', async () => {
    const { status, text } = await sendOnce('FOO', '/v1/sessions');
    expectEnvelope(status, text);
  });

  it('answers headers over the 16 KiB limit with the error envelope', async () => {
    const { status, text } = await sendOnce('GET', '/v1/verify', {
      authorization: `Bearer ${'A'.repeat(20_000)}`,
    });
    expectEnvelope(status, text);
  });

  it('still serves after them: liveness, a clean login and its verify', async () => {
    expect((await g.call('GET', '/healthz')).status).toBe(200);
    const clean = await openSession('zhangsan');
    expect((await g.call('GET', '/v1/verify', { token: clean.accessToken })).status).toBe(204);
  });
});
