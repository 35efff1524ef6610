/**
 * The gateway's overhead in one run: GET /v1/verify against bare Fastify routes (one header; the same headers), and
 * POST /v1/sessions against a minimal chain doing only the two WeCom calls; requests/s, their ratios and latency
 * percentiles.
 *
 *   npm run bench:overhead -- [seconds] [rounds] [--events]   (runs the built packages, as in production)
 *
 * `--events` adds a gateway with the security event log off to the login rotation: the login ratio with the log on
 * and off, in one run.
 */
import { fixed, table } from './measure.js';
import { measureLoginOverhead } from './overhead/login-overhead.js';
import { measureVerifyOverhead, type OverheadResult } from './overhead/verify-overhead.js';

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith('--')));
const [durationArg, roundsArg] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const duration = Number(durationArg ?? 5);
const rounds = Number(roundsArg ?? 3);
/** The verify route's target, and the login's (it does far more than the chain it is compared with). */
const targets = { verify: 0.8, login: 0.85 } as const;

const verify = await measureVerifyOverhead(duration, rounds);
const login = await measureLoginOverhead(duration, rounds, { eventsOff: flags.has('--events') });
const loginWithoutEvents = login.eventsOff ? { ...login, ...login.eventsOff } : undefined;

console.log(
  `Gateway overhead (${rounds} interleaved rounds of ${duration} s each, 32 connections, Node ${process.version})\n`,
);
const row = (name: string, result: OverheadResult, target: number): string[] => [
  name,
  fixed(result.baseline.requestsPerSecond),
  fixed(result.subject.requestsPerSecond),
  fixed(result.ratio, 2),
  `≥ ${fixed(target, 2)}: ${result.ratio >= target ? 'met' : 'NOT met'}`,
  `${result.baseline.p50Ms} / ${result.baseline.p99Ms}`,
  `${result.subject.p50Ms} / ${result.subject.p99Ms}`,
  `${result.baseline.non2xx + result.baseline.errors} / ${result.subject.non2xx + result.subject.errors}`,
];
console.log(
  table(
    [
      'measure',
      'baseline req/s',
      'gateway req/s',
      'ratio',
      'target',
      'baseline p50/p99 ms',
      'gateway p50/p99 ms',
      'failed (baseline / gateway)',
    ],
    [
      row('GET /v1/verify vs bare Fastify route, one header', verify, targets.verify),
      row(
        'GET /v1/verify vs bare Fastify route, same headers',
        { ...verify, ...verify.likeForLike },
        targets.verify,
      ),
      row(
        `POST /v1/sessions vs minimal chain${loginWithoutEvents ? ', events on' : ''}`,
        login,
        targets.login,
      ),
      ...(loginWithoutEvents
        ? [row('POST /v1/sessions vs minimal chain, events off', loginWithoutEvents, targets.login)]
        : []),
    ],
  ),
);
if (loginWithoutEvents) {
  console.log(
    `\nsecurity event log: logins/s with it on / off = ${fixed(login.subject.requestsPerSecond / loginWithoutEvents.subject.requestsPerSecond, 3)}`,
  );
}
const failed = [
  verify,
  { ...verify, ...verify.likeForLike },
  login,
  ...(loginWithoutEvents ? [loginWithoutEvents] : []),
].some(
  (result) =>
    result.baseline.non2xx + result.baseline.errors + result.subject.non2xx + result.subject.errors > 0,
);
if (failed) {
  console.error('some requests failed (non-2xx or errors): the figures are not valid');
  process.exitCode = 1;
}
