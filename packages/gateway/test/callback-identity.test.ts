/**
 * A userid is a seat, not a person: WeCom gives it to someone else after a rename or a departure, and its callbacks
 * may arrive late or not at all. Over real HTTP against the sandbox, on SQLite and on Redis across two instances
 * (one receiving the callbacks, as behind a load balancer): a late rename never reaches the next holder's session,
 * a renamed, disabled or deleted employee's access tokens stop verifying everywhere within 1 s, a repeated change
 * is applied each time, and a refresh ends the session of an employee WeCom no longer shows.
 */
import { createSandbox, DEMO_APP, type Sandbox } from '@wecom-auth/sandbox';
import {
  callbackEnv,
  connectSandbox,
  eventually,
  flushDatabase,
  type GatewayUnderTest,
  redisForTests,
  startGatewayUnderTest,
  startRedisGateway,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Profiles are read from WeCom at each login and refresh: what is tested is the callbacks and the refresh rule. */
const env = { ...callbackEnv, PROFILE_CACHE_TTL: '0' };

/** The gateways of one deployment and the sandbox they share. */
interface Deployment {
  readonly sandbox: Sandbox;
  /** The instance WeCom's callbacks reach. */
  readonly receiver: GatewayUnderTest;
  /** The instance the clients of these tests talk to (the receiver itself on SQLite). */
  readonly other: GatewayUnderTest;
  readonly all: readonly GatewayUnderTest[];
}

async function verifyStatus(gateway: GatewayUnderTest, token: unknown): Promise<number> {
  return (await gateway.call('GET', '/v1/verify', { token: String(token) })).status;
}

/** Whether every instance refuses every token. */
async function refusedEverywhere(d: Deployment, tokens: readonly unknown[]): Promise<boolean> {
  for (const gateway of d.all) {
    for (const token of tokens) if ((await verifyStatus(gateway, token)) !== 401) return false;
  }
  return true;
}

function refresh(gateway: GatewayUnderTest, session: Record<string, unknown>) {
  return gateway.call('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refreshToken } });
}

/** Resolves once the receiving instance has applied every callback it recorded. */
async function applied(d: Deployment): Promise<void> {
  const inbox = d.receiver.gateway.services.store.inbox;
  expect(await eventually(async () => (await inbox.pending(1)).length === 0, 5_000)).toBe(true);
}

/** Waits until the wall clock is past the second `unixSeconds` names (WeCom's times are whole seconds). */
async function afterSecond(unixSeconds: number): Promise<void> {
  const wait = (unixSeconds + 1) * 1000 + 20 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function member(userid: string, name: string) {
  return { userid, name, department: [1], status: 1 };
}

/** The scenarios, run against each deployment with userids of their own (`tag`). */
function describeIdentityRules(name: string, deployment: () => Deployment, tag: string): void {
  describe(name, () => {
    it('a rename applied late revokes the renamed employee only: the new holder of the userid keeps their session', async () => {
      const d = deployment();
      const seat = `ren2${tag}`;
      const renamedTo = `alice2.renamed${tag}`;
      await d.sandbox.control.createUser(member(seat, '任二'));
      const renamed = await d.receiver.login(seat);
      d.sandbox.control.holdCallbacks();
      const [rename] = (await d.sandbox.control.updateUser(seat, { newUserid: renamedTo })).deliveries;
      expect(rename?.state).toBe('held');
      // The new hire gets the userid, and logs in, after the rename happened but before the gateway hears of it.
      await afterSecond(Number(rename?.timestamp));
      await d.sandbox.control.createUser(member(seat, '新人'));
      const hire = await d.other.login(seat);
      expect(hire.employee).toMatchObject({ userId: seat, name: '新人' });

      await d.sandbox.control.releaseCallbacks();
      await applied(d);
      const refreshed = await refresh(d.other, hire);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body?.employee).toMatchObject({ userId: seat, name: '新人' });
      for (const gateway of d.all) {
        for (const token of [hire.accessToken, refreshed.body?.accessToken]) {
          const verify = await gateway.call('GET', '/v1/verify', { token: String(token) });
          expect(verify.status).toBe(204);
          expect(verify.headers.get('x-wecom-userid')).toBe(seat);
        }
      }
      // The renamed employee's access token spoke for a userid that is now someone else's: refused everywhere.
      expect(await eventually(() => refusedEverywhere(d, [renamed.accessToken]), 1_000)).toBe(true);
      expect((await refresh(d.other, renamed)).body).toMatchObject({ error: 'session_revoked' });

      // The renamed employee's client logs in again and is who WeCom now says.
      const again = await d.other.login(renamedTo);
      expect(again.employee).toMatchObject({ userId: renamedTo, name: '任二' });
    });

    it.each([
      [
        'renamed',
        (s: Sandbox, userid: string) => s.control.updateUser(userid, { newUserid: `${userid}.new` }),
      ],
      ['disabled', (s: Sandbox, userid: string) => s.control.updateUser(userid, { status: 2 })],
      ['deleted', (s: Sandbox, userid: string) => s.control.deleteUser(userid)],
    ])(
      'a %s employee: the access tokens of every instance stop verifying within 1 s',
      async (how, change) => {
        const d = deployment();
        const userid = `${how}5${tag}`;
        await d.sandbox.control.createUser(member(userid, '五'));
        const tokens: unknown[] = [];
        for (const gateway of d.all) tokens.push((await gateway.login(userid)).accessToken);
        for (const gateway of d.all) {
          for (const token of tokens) expect(await verifyStatus(gateway, token)).toBe(204);
        }
        await change(d.sandbox, userid);
        expect(await eventually(() => refusedEverywhere(d, tokens), 1_000)).toBe(true);
      },
    );

    it('disable, enable, disable within a second: three deliveries, and the session opened in between ends too', async () => {
      const d = deployment();
      const userid = `flip8${tag}`;
      await d.sandbox.control.createUser(member(userid, '翻八'));
      const first = await d.other.login(userid);
      // Starting at a fresh second, both disables carry the same CreateTime: their plaintexts are identical.
      await afterSecond(Math.floor(Date.now() / 1000));
      d.sandbox.control.holdCallbacks();
      const [disabled] = (await d.sandbox.control.updateUser(userid, { status: 2 })).deliveries;
      await d.sandbox.control.updateUser(userid, { status: 1 });
      const between = await d.other.login(userid);
      const [disabledAgain] = (await d.sandbox.control.updateUser(userid, { status: 2 })).deliveries;
      const { deliveries } = await d.sandbox.control.releaseCallbacks();
      expect(deliveries.map((delivery) => [delivery.event, delivery.lastStatus])).toEqual([
        ['update_user', 200],
        ['update_user', 200],
        ['update_user', 200],
      ]);
      expect(disabledAgain?.nonce).not.toBe(disabled?.nonce);

      await applied(d);
      expect(
        await eventually(() => refusedEverywhere(d, [first.accessToken, between.accessToken]), 1_000),
      ).toBe(true);
      expect((await refresh(d.other, between)).body).toMatchObject({ error: 'session_revoked' });
    });

    it.each([
      ['deleted (60111)', undefined],
      ['outside the visible range (60011)', 60011],
      ['unknown to the app (50002)', 50002],
    ])(
      'with the callback down, a refresh of an employee WeCom calls %s revokes the session: 403 employee_inactive',
      async (_what, errcode) => {
        const d = deployment();
        const userid = `gone9${errcode ?? 'deleted'}${tag}`;
        await d.sandbox.control.createUser(member(userid, '九'));
        const session = await d.receiver.login(userid);
        d.sandbox.control.clearCallback({ agentId: DEMO_APP.agentId });
        try {
          if (errcode === undefined) await d.sandbox.control.deleteUser(userid);
          else d.sandbox.control.addFault({ path: '/cgi-bin/user/get', errcode, count: 1 });

          const answer = await refresh(d.other, session);
          expect(answer.status).toBe(403);
          expect(answer.body).toMatchObject({ error: 'employee_inactive' });
          expect(answer.text).not.toContain(String(session.refreshToken));
          expect(await eventually(() => refusedEverywhere(d, [session.accessToken]), 1_000)).toBe(true);
          // Revoked, not merely refused once: the same refresh token is now a revoked session's.
          expect((await refresh(d.other, session)).body).toMatchObject({ error: 'session_revoked' });
        } finally {
          d.sandbox.control.clearFaults();
          await connectSandbox(d.sandbox, d.receiver.gateway.url);
        }
      },
    );
  });
}

let sqlite: GatewayUnderTest;

beforeAll(async () => {
  sqlite = await startGatewayUnderTest({ env: { ...env, LOG_LEVEL: 'info' } });
  await connectSandbox(sqlite.sandbox, sqlite.gateway.url);
});

afterAll(async () => {
  await sqlite?.close();
});

describeIdentityRules(
  'userids given to someone else (SQLite)',
  () => ({ sandbox: sqlite.sandbox, receiver: sqlite, other: sqlite, all: [sqlite] }),
  'a',
);

const redis = await redisForTests('the userid identity tests on Redis', 10);
let sandbox: Sandbox;
let pair: GatewayUnderTest[] = [];

describe.skipIf(redis.unreachable)('on two instances sharing Redis', () => {
  beforeAll(async () => {
    await flushDatabase(redis.url);
    sandbox = await createSandbox({ port: 0 });
    pair = [
      await startRedisGateway(sandbox, redis.url, env),
      await startRedisGateway(sandbox, redis.url, env),
    ];
    await connectSandbox(sandbox, pair[0]?.gateway.url ?? '');
  });

  afterAll(async () => {
    for (const gateway of pair) await gateway.close();
    await sandbox?.close();
    await flushDatabase(redis.url);
  });

  describeIdentityRules(
    'userids given to someone else (Redis)',
    () => {
      const [receiver, other] = pair as [GatewayUnderTest, GatewayUnderTest];
      return { sandbox, receiver, other, all: pair };
    },
    'b',
  );
});
