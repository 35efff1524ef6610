/**
 * GET /v1/verify with a valid token, as a ratio of a bare Fastify route measured in the same run.
 *
 *   npm run bench:verify -- [seconds] [rounds]   (runs the built packages, as in production)
 */
import Fastify from 'fastify';
import { startBenchGateway } from './bench-gateway.js';
import { alternate, fixed, load, summarize, table } from './measure.js';

const duration = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);

const bare = Fastify({ logger: false });
bare.get('/bare', async (_request, reply) => reply.code(204).header('x-wecom-userid', 'zhangsan').send());
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

const bench = await startBenchGateway();
const login = await fetch(`${bench.gateway.url}/v1/sessions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ code: bench.sandbox.control.login({ userid: 'zhangsan' }).code }),
});
const { accessToken } = (await login.json()) as { accessToken: string };

// Both servers get byte-identical requests (the bare route ignores the header), so the load generator does the
// same work in both runs and the ratio isolates the gateway's cost.
const headers = { authorization: `Bearer ${accessToken}` };
const results = await alternate(
  rounds,
  () => load({ url: `${bareUrl}/bare`, duration, headers }),
  () => load({ url: `${bench.gateway.url}/v1/verify`, duration, headers }),
);
const baseline = summarize(results.baseline);
const verify = summarize(results.subject);
await bench.close();
await bare.close();

console.log(
  `GET /v1/verify vs a bare Fastify route (${rounds} alternating rounds of ${duration} s, 32 connections)\n`,
);
console.log(
  table(
    ['server', 'req/s (median)', 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
    [
      [
        'bare Fastify route',
        fixed(baseline.requestsPerSecond),
        baseline.p50Ms,
        baseline.p99Ms,
        baseline.non2xx,
        baseline.errors,
      ],
      [
        'GET /v1/verify',
        fixed(verify.requestsPerSecond),
        verify.p50Ms,
        verify.p99Ms,
        verify.non2xx,
        verify.errors,
      ],
    ],
  ),
);
console.log(
  `\nratio verify / bare = ${fixed(verify.requestsPerSecond / baseline.requestsPerSecond, 2)} (target ≥ 0.80)`,
);
if (verify.non2xx > 0 || verify.errors > 0) {
  console.error('verify answered non-2xx or failed: the figures are not valid');
  process.exitCode = 1;
}
