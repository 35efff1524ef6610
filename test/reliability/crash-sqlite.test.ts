import { DEMO_APP, DEMO_CORP_ID, demoDirectory, type Sandbox } from '@wecom-auth/sandbox';
import { createSqliteStore } from '@wecom-auth/store';
import {
  type ChildGateway,
  eventually,
  type SandboxAndDatabase,
  spawnGateway,
  startSandboxAndDatabase,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { recordEvidence, recordSecret } from './support/evidence.js';
import { describeExchange } from './support/gateway-exchange.js';
import { type LoadRecord, MixedLoad } from './support/mixed-load.js';
import { auditSessions } from './support/session-audit.js';
import { SessionLedger } from './support/session-ledger.js';
import { readStoredSessions } from './support/stored-sessions.js';

const EVIDENCE = 'crash-sqlite';

const activeUsers = (demoDirectory.corps.find((corp) => corp.corpId === DEMO_CORP_ID)?.users ?? [])
  .filter((user) => user.status === 1)
  .map((user) => user.userid);

/** The kills: after how many answered requests of the round's load, so each lands at a different moment. */
const KILLS = [
  { afterAnswers: 25, seed: 1 },
  { afterAnswers: 150, seed: 2 },
  { afterAnswers: 400, seed: 3 },
] as const;

let bed: SandboxAndDatabase;
let sandbox: Sandbox;
let env: Record<string, string>;
let gateway: ChildGateway | undefined;
let gatewaysStarted = 0;
const ledger = new SessionLedger();
/** Requests cut by the kills, over all rounds. */
let cutByKills = 0;

async function startGateway(): Promise<ChildGateway> {
  gatewaysStarted += 1;
  return spawnGateway(env);
}

function recordOutput(child: ChildGateway, index: number): void {
  recordEvidence('log', `${EVIDENCE}-gateway-${index}`, child.output());
}

beforeAll(async () => {
  recordSecret('corpsecret', DEMO_APP.secret);
  bed = await startSandboxAndDatabase();
  sandbox = bed.sandbox;
  env = {
    ...bed.gatewayEnv,
    LOG_LEVEL: 'debug',
    // One test client is one IP: the per-IP login limit is not under test here.
    LOGIN_RATE_LIMIT: '1000000',
    // The audit presents a token rotated a moment before and expects a reuse: no reuse interval, so that a repeat is
    // a reuse at once (the interval has its own tests).
    REFRESH_REUSE_INTERVAL_SECONDS: '0',
    LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
    LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
  };
  gateway = await startGateway();
});

afterAll(async () => {
  if (gateway) {
    await gateway.kill('SIGTERM');
    recordOutput(gateway, gatewaysStarted);
  }
  await bed?.close();
});

/** Every answer that is a 5xx, and every request that hung: a crash may only cost failed connections. */
function misbehaved(records: readonly LoadRecord[]): string[] {
  return records
    .filter(
      ({ exchange }) =>
        exchange.outcome === 'hung' || (exchange.outcome === 'answered' && exchange.status >= 500),
    )
    .map(({ operation, exchange }) => `${operation}: ${describeExchange(exchange)}`);
}

describe('kill -9 of the SQLite gateway under load, then a restart on the same file', () => {
  it.each(KILLS.map((kill, index) => ({ ...kill, round: index + 1 })))(
    'kill $round, after $afterAnswers answers: nothing answered is lost',
    async ({ afterAnswers, seed, round }) => {
      const running = gateway as ChildGateway;
      const load = new MixedLoad({
        sandbox,
        ledger,
        targets: [running.url],
        users: activeUsers,
        workers: 8,
        mix: { login: 6, refresh: 3, logout: 1, verify: 1, me: 1 },
        maxRequests: 2_000,
        maxMs: 45_000,
        seed,
        evidenceSource: EVIDENCE,
      });
      // A failed assertion must not leave the load running against what the cleanup stops.
      onTestFinished(() => load.stop());
      const loaded = await eventually(() => load.answered >= afterAnswers && load.inFlight >= 2, 45_000, 1);
      expect(loaded, 'the load reached the kill point').toBe(true);

      // No new request from here on; those in flight meet the kill.
      load.stop();
      const inFlightAtKill = load.inFlight;
      gateway = undefined;
      expect(await running.kill('SIGKILL')).toBeNull();
      await load.done;
      recordOutput(running, gatewaysStarted);

      expect(misbehaved(load.records)).toEqual([]);
      expect(load.surprises).toEqual([]);
      // What the client saw of each request the kill cut: a connection error (reset, closed), never an answer.
      const cut = load.records.flatMap(({ exchange }) =>
        exchange.outcome === 'cut' ? [exchange.reason] : [],
      );
      cutByKills += cut.length;

      // The file as the killed process left it: every answered session is there, every answered logout in force.
      const store = createSqliteStore({ path: env.WECOM_AUTH_DB as string });
      const sessions = ledger.all();
      let stored: Awaited<ReturnType<typeof readStoredSessions>>;
      try {
        stored = await readStoredSessions(
          store,
          sessions.map((session) => session.id),
          sandbox.url,
        );
      } finally {
        await store.close();
      }
      expect(stored.missing).toEqual([]);
      const revokedInLedger = sessions.filter((session) => session.state === 'revoked' && !session.uncertain);
      expect(revokedInLedger.filter((session) => !stored.revoked.has(session.id)).map((s) => s.id)).toEqual(
        [],
      );
      const activeInLedger = sessions.filter((session) => session.state === 'active' && !session.uncertain);
      expect(activeInLedger.filter((session) => stored.revoked.has(session.id)).map((s) => s.id)).toEqual([]);

      const census = ledger.census();
      gateway = await startGateway();
      const audit = await auditSessions(ledger, {
        urls: [gateway.url],
        reuse: 'rotated',
        evidenceSource: EVIDENCE,
      });
      expect(audit.problems).toEqual([]);
      console.log(
        `kill ${round}: ${load.records.length} requests (${load.answered} answered, ${cut.length} cut: ` +
          `${[...new Set(cut)].join(', ')}, ` +
          `${inFlightAtKill} in flight at the kill); sessions ${JSON.stringify(census)}; after the restart ` +
          `${audit.refreshed} refreshed, ${audit.reuseRefused} rotated-away tokens refused, ` +
          `${audit.settled} settled (taken effect: ${JSON.stringify(audit.settledRevoked)})`,
      );
    },
  );

  it('the kills cut requests in flight, and after the last restart every session refreshes exactly once', async () => {
    // Requests were in flight at each kill; at least some of them met it before their answer was written.
    expect(cutByKills).toBeGreaterThan(0);
    const running = gateway as ChildGateway;
    const before = ledger.census();
    expect(before.active).toBeGreaterThan(0);
    const audit = await auditSessions(ledger, {
      urls: [running.url],
      reuse: 'all',
      evidenceSource: EVIDENCE,
    });
    expect(audit.problems).toEqual([]);
    expect(audit.reuseRefused).toBe(before.active);
    expect(ledger.census().active).toBe(0);
  });
});
