/**
 * GET /v1/verify with a valid token against a bare Fastify route, alternated in one run on the same machine.
 */
import Fastify from 'fastify';
import { startBenchGateway } from '../bench-gateway.js';
import { alternate, type LoadResult, load, summarize } from '../measure.js';

export interface OverheadResult {
  readonly baseline: LoadResult;
  readonly subject: LoadResult;
  readonly ratio: number;
}

export async function measureVerifyOverhead(duration: number, rounds: number): Promise<OverheadResult> {
  const bare = Fastify({ logger: false });
  bare.get('/bare', async (_request, reply) => reply.code(204).header('x-wecom-userid', 'zhangsan').send());
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  const bench = await startBenchGateway();
  try {
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
    const subject = summarize(results.subject);
    return { baseline, subject, ratio: subject.requestsPerSecond / baseline.requestsPerSecond };
  } finally {
    await bench.close();
    await bare.close();
  }
}
