/**
 * GET /v1/verify with a valid token, as a ratio of bare Fastify routes measured in the same run: one answering with a
 * single identity header, one answering with the same headers as /v1/verify (the like-for-like floor).
 *
 *   npm run bench:verify -- [seconds] [rounds]   (runs the built packages, as in production)
 */
import { fixed, loadRow, table } from './measure.js';
import { measureVerifyOverhead } from './overhead/verify-overhead.js';

const duration = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const { baseline, subject, ratio, likeForLike } = await measureVerifyOverhead(duration, rounds);

console.log(
  `GET /v1/verify vs bare Fastify routes (${rounds} interleaved rounds of ${duration} s, 32 connections)\n`,
);
console.log(
  table(
    ['server', 'req/s (median)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [
      loadRow('bare Fastify route, one header', baseline),
      loadRow('bare Fastify route, same headers', likeForLike.baseline),
      loadRow('GET /v1/verify', subject),
    ],
  ),
);
console.log(`\nratio verify / bare, one header = ${fixed(ratio, 2)} (target ≥ 0.80)`);
console.log(`ratio verify / bare, same headers = ${fixed(likeForLike.ratio, 2)} (target ≥ 0.80)`);
if (subject.non2xx > 0 || subject.errors > 0) {
  console.error('verify answered non-2xx or failed: the figures are not valid');
  process.exitCode = 1;
}
