/**
 * POST /v1/sessions against a minimal chain (a bare Fastify route doing only the two WeCom calls, jscode2session and
 * user/get, with undici and a token fetched once), both against the same in-process sandbox, alternated in one run;
 * and the WeCom calls a gateway login costs, with the profile cache cold and warm. With `eventsOff`, a second gateway
 * with the security event log off (`EVENT_RETENTION_DAYS=0`) joins the rotation, so that what the log costs a login
 * is measured in the same run.
 */
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { activeDemoUserIds } from '@wecom-auth/testing';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { startBenchGateway } from '../bench-gateway.js';
import { interleave, jsonPostsEach, load, summarize } from '../measure.js';
import type { OverheadResult } from './verify-overhead.js';

export interface LoginOverheadResult extends OverheadResult {
  /** Active demo employees, each logged in once with a cold profile cache. */
  readonly users: number;
  /** Sandbox calls by API path during the cold logins. */
  readonly cold: Readonly<Record<string, number>>;
  /** Sandbox calls by API path during the gateway's load runs, and the logins they made. */
  readonly warm: Readonly<Record<string, number>>;
  readonly warmLogins: number;
  /** With `eventsOff`: the gateway without its event log, against the same chain. */
  readonly eventsOff?: { readonly subject: OverheadResult['subject']; readonly ratio: number };
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1_000));

export async function measureLoginOverhead(
  duration: number,
  rounds: number,
  options: { readonly eventsOff?: boolean } = {},
): Promise<LoginOverheadResult> {
  const bench = await startBenchGateway();
  const { sandbox } = bench;
  // The same sandbox, so that its codes and its load are the same for both gateways.
  const withoutEvents = options.eventsOff
    ? await startBenchGateway({ EVENT_RETENTION_DAYS: '0' }, sandbox)
    : undefined;
  const users = activeDemoUserIds();
  let next = 0;
  const freshCode = (): string =>
    sandbox.control.login({ userid: users[next++ % users.length] as string }).code;

  // The minimal chain: what a hand-written login does at best. No corp check, no session, no cache.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const minimal = Fastify({ logger: false });
  try {
    const tokenAnswer = await request(
      `${sandbox.url}/cgi-bin/gettoken?corpid=${DEMO_CORP_ID}&corpsecret=${encodeURIComponent(DEMO_APP.secret)}`,
      { dispatcher: agent },
    );
    const { access_token: token } = (await tokenAnswer.body.json()) as { access_token: string };
    // A WeCom error is answered 502, so that a baseline hitting one would show in its non-2xx count.
    minimal.post<{ Body: { code: string } }>('/login', async (req, reply) => {
      const session = await request(
        `${sandbox.url}/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${req.body.code}&grant_type=authorization_code`,
        { dispatcher: agent },
      );
      const { errcode, userid } = (await session.body.json()) as { errcode?: number; userid: string };
      if (errcode) return reply.code(502).send({ errcode });
      const user = await request(`${sandbox.url}/cgi-bin/user/get?access_token=${token}&userid=${userid}`, {
        dispatcher: agent,
      });
      const profile = (await user.body.json()) as { errcode?: number };
      if (profile.errcode) return reply.code(502).send({ errcode: profile.errcode });
      return profile;
    });
    const minimalUrl = await minimal.listen({ port: 0, host: '127.0.0.1' });

    // Codes are minted per request in this process: the same request stream for both servers.
    const logins = (url: string) => ({ ...jsonPostsEach(url, () => ({ code: freshCode() })), duration });

    // Cold profiles: the first login of each user pays user/get once.
    sandbox.control.resetCalls();
    for (const _ of users) {
      await fetch(`${bench.gateway.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: freshCode() }),
      });
    }
    const cold = { ...sandbox.control.calls().byPath };
    if (withoutEvents) {
      for (const _ of users) {
        await fetch(`${withoutEvents.gateway.url}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: freshCode() }),
        });
      }
    }

    /** Successful logins as the gateway counts them (requests in flight when a run ends complete later). */
    const gatewayLoginCount = async (): Promise<number> => {
      const metrics = await bench.gateway.app.inject({ method: 'GET', url: '/metrics' });
      return Number(/wecom_auth_logins_total\{outcome="success"[^}]*\} (\d+)/.exec(metrics.body)?.[1] ?? 0);
    };

    // Warm profiles: WeCom calls are counted during the gateway's runs only, once the previous run's tail settled.
    const warm: Record<string, number> = {};
    let warmLogins = 0;
    const gatewayRun = async () => {
      await settle();
      sandbox.control.resetCalls();
      const before = await gatewayLoginCount();
      const result = await load(logins(`${bench.gateway.url}/v1/sessions`));
      await settle();
      warmLogins += (await gatewayLoginCount()) - before;
      for (const [path, count] of Object.entries(sandbox.control.calls().byPath))
        warm[path] = (warm[path] ?? 0) + count;
      return result;
    };
    const runs = [() => load(logins(`${minimalUrl}/login`)), gatewayRun];
    if (withoutEvents) {
      // Settled before and after, as the other gateway's runs are: a run's tail never lands in the next one.
      runs.push(async () => {
        await settle();
        const result = await load(logins(`${withoutEvents.gateway.url}/v1/sessions`));
        await settle();
        return result;
      });
    }
    const [baselineRuns = [], subjectRuns = [], withoutEventsRuns = []] = await interleave(rounds, runs);
    const baseline = summarize(baselineRuns);
    const subject = summarize(subjectRuns);
    const eventsOff = withoutEvents ? summarize(withoutEventsRuns) : undefined;
    return {
      baseline,
      subject,
      ratio: subject.requestsPerSecond / baseline.requestsPerSecond,
      users: users.length,
      cold,
      warm,
      warmLogins,
      ...(eventsOff
        ? {
            eventsOff: {
              subject: eventsOff,
              ratio: eventsOff.requestsPerSecond / baseline.requestsPerSecond,
            },
          }
        : {}),
    };
  } finally {
    await withoutEvents?.close();
    await bench.close();
    await minimal.close();
    await agent.close();
  }
}
