/**
 * POST /v1/sessions against the sandbox: logins/s, as a ratio of a minimal chain (a bare Fastify route doing only the
 * two WeCom calls, jscode2session and user/get, with undici and a token fetched once), and the WeCom calls a login
 * costs, with the profile cache cold and warm.
 *
 *   npm run bench:login -- [seconds] [rounds]   (runs the built packages, as in production)
 */
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import type autocannon from 'autocannon';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { activeUserIds, startBenchGateway } from './bench-gateway.js';
import { alternate, fixed, load, summarize, table } from './measure.js';

const duration = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const bench = await startBenchGateway();
const { sandbox } = bench;
const users = activeUserIds(sandbox);
let next = 0;
const freshCode = (): string =>
  sandbox.control.login({ userid: users[next++ % users.length] as string }).code;

// The minimal chain: what a hand-written login does at best. No corp check, no session, no cache.
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
const tokenAnswer = await request(
  `${sandbox.url}/cgi-bin/gettoken?corpid=${DEMO_CORP_ID}&corpsecret=${encodeURIComponent(DEMO_APP.secret)}`,
  { dispatcher: agent },
);
const { access_token: token } = (await tokenAnswer.body.json()) as { access_token: string };
const minimal = Fastify({ logger: false });
minimal.post<{ Body: { code: string } }>('/login', async (req) => {
  const session = await request(
    `${sandbox.url}/cgi-bin/miniprogram/jscode2session?access_token=${token}&js_code=${req.body.code}&grant_type=authorization_code`,
    { dispatcher: agent },
  );
  const { userid } = (await session.body.json()) as { userid: string };
  const user = await request(`${sandbox.url}/cgi-bin/user/get?access_token=${token}&userid=${userid}`, {
    dispatcher: agent,
  });
  return user.body.json();
});
const minimalUrl = await minimal.listen({ port: 0, host: '127.0.0.1' });

// Codes are minted per request in this process, so the load generator runs here (no worker) for both servers.
const loginRequests = (path: string) => ({
  workers: 0,
  duration,
  requests: [
    {
      method: 'POST' as const,
      path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: autocannon.Request) => ({
        ...req,
        body: JSON.stringify({ code: freshCode() }),
      }),
    },
  ],
});

// Cold profiles: the first login of each user pays user/get once.
sandbox.control.resetCalls();
for (const _ of users) {
  await fetch(`${bench.gateway.url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: freshCode() }),
  });
}
const cold = sandbox.control.calls().byPath;

/** Successful logins as the gateway itself counts them (requests still in flight when a run ends complete later). */
async function gatewayLoginCount(): Promise<number> {
  const metrics = await bench.gateway.app.inject({ method: 'GET', url: '/metrics' });
  return Number(/wecom_auth_logins_total\{outcome="success"\} (\d+)/.exec(metrics.body)?.[1] ?? 0);
}
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1_000));

// Warm profiles: WeCom calls are counted during the gateway's runs only, once the previous run's tail has settled.
const warm: Record<string, number> = {};
let gatewayLogins = 0;
const results = await alternate(
  rounds,
  () => load({ url: minimalUrl, ...loginRequests('/login') }),
  async () => {
    await settle();
    sandbox.control.resetCalls();
    const before = await gatewayLoginCount();
    const result = await load({ url: bench.gateway.url, ...loginRequests('/v1/sessions') });
    await settle();
    gatewayLogins += (await gatewayLoginCount()) - before;
    for (const [path, count] of Object.entries(sandbox.control.calls().byPath))
      warm[path] = (warm[path] ?? 0) + count;
    return result;
  },
);
const baseline = summarize(results.baseline);
const gateway = summarize(results.subject);
await bench.close();
await minimal.close();
await agent.close();

const perLogin = (calls: number | undefined, logins: number): string => fixed((calls ?? 0) / logins, 3);
console.log(
  `POST /v1/sessions vs a minimal chain (${rounds} alternating rounds of ${duration} s, 32 connections)\n`,
);
console.log(
  table(
    ['server', 'logins/s (median)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [
      [
        'minimal chain (2 WeCom calls)',
        fixed(baseline.requestsPerSecond),
        baseline.p50Ms,
        baseline.p99Ms,
        baseline.non2xx,
        baseline.errors,
      ],
      [
        'gateway POST /v1/sessions',
        fixed(gateway.requestsPerSecond),
        gateway.p50Ms,
        gateway.p99Ms,
        gateway.non2xx,
        gateway.errors,
      ],
    ],
  ),
);
console.log(
  `\nratio gateway / minimal chain = ${fixed(gateway.requestsPerSecond / baseline.requestsPerSecond, 2)} (target ≥ 0.80)\n`,
);
console.log(
  table(
    ['WeCom calls per login', 'cold profiles', 'warm (load run)'],
    [
      [
        'jscode2session',
        perLogin(cold['/cgi-bin/miniprogram/jscode2session'], users.length),
        perLogin(warm['/cgi-bin/miniprogram/jscode2session'], gatewayLogins),
      ],
      [
        'user/get',
        perLogin(cold['/cgi-bin/user/get'], users.length),
        perLogin(warm['/cgi-bin/user/get'], gatewayLogins),
      ],
      ['gettoken (in all)', String(cold['/cgi-bin/gettoken'] ?? 0), String(warm['/cgi-bin/gettoken'] ?? 0)],
    ],
  ),
);
console.log(
  `\n${users.length} active demo employees; the warm run made ${fixed(gatewayLogins)} gateway logins.`,
);
if (gateway.non2xx > 0 || gateway.errors > 0) {
  console.error('some logins failed: the figures are not valid');
  process.exitCode = 1;
}
