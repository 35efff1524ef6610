/**
 * GET /v1/verify with a valid token, as a ratio of a bare Fastify route measured in the same run.
 *
 *   npm run bench:verify -- [seconds] [rounds]   (runs the built packages, as in production)
 */
import { fixed, loadRow, table } from './measure.js';
import { measureVerifyOverhead } from './overhead/verify-overhead.js';

const duration = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const { baseline, subject, ratio } = await measureVerifyOverhead(duration, rounds);

console.log(
  `GET /v1/verify vs a bare Fastify route (${rounds} alternating rounds of ${duration} s, 32 connections)\n`,
);
console.log(
  table(
    ['server', 'req/s (median)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [loadRow('bare Fastify route', baseline), loadRow('GET /v1/verify', subject)],
  ),
);
console.log(`\nratio verify / bare = ${fixed(ratio, 2)} (target ≥ 0.80)`);
if (subject.non2xx > 0 || subject.errors > 0) {
  console.error('verify answered non-2xx or failed: the figures are not valid');
  process.exitCode = 1;
}
