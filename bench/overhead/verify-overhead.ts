/**
 * GET /v1/verify with a valid token against bare Fastify routes, interleaved in one run on the same machine.
 *
 * Two baselines: a bare route answering 204 with one identity header, and a bare route answering 204 with the same
 * headers as /v1/verify (a request id, the user id, the corp id, `Cache-Control`). The second is the like-for-like
 * floor: every header costs the server to write and the load generator to parse, so only with the same answer on
 * both sides does the ratio isolate what the gateway itself costs (the token check, the revocation check, the log
 * line and the latency metric).
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { startBenchGateway } from '../bench-gateway.js';
import { interleave, type LoadResult, load, summarize } from '../measure.js';

export interface OverheadResult {
  readonly baseline: LoadResult;
  readonly subject: LoadResult;
  readonly ratio: number;
}

export interface VerifyOverheadResult extends OverheadResult {
  /** Against the bare route that answers with the same headers as /v1/verify. */
  readonly likeForLike: { readonly baseline: LoadResult; readonly ratio: number };
}

export async function measureVerifyOverhead(duration: number, rounds: number): Promise<VerifyOverheadResult> {
  const bare = Fastify({ logger: false });
  bare.get('/bare', async (_request, reply) => reply.code(204).header('x-wecom-userid', 'zhangsan').send());
  bare.get('/bare-same-headers', async (_request, reply) =>
    reply
      .code(204)
      .headers({
        'x-request-id': randomUUID(),
        'x-wecom-userid': 'zhangsan',
        'x-wecom-corpid': 'wwdemo0000000001',
        'cache-control': 'no-store',
      })
      .send(),
  );
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

  const bench = await startBenchGateway();
  try {
    const login = await fetch(`${bench.gateway.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: bench.sandbox.control.login({ userid: 'zhangsan' }).code }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };

    // Every server gets byte-identical requests (the bare routes ignore the header), so the load generator sends the
    // same bytes in every run.
    const headers = { authorization: `Bearer ${accessToken}` };
    const [oneHeader = [], sameHeaders = [], verify = []] = await interleave(rounds, [
      () => load({ url: `${bareUrl}/bare`, duration, headers }),
      () => load({ url: `${bareUrl}/bare-same-headers`, duration, headers }),
      () => load({ url: `${bench.gateway.url}/v1/verify`, duration, headers }),
    ]);
    const baseline = summarize(oneHeader);
    const likeForLike = summarize(sameHeaders);
    const subject = summarize(verify);
    return {
      baseline,
      subject,
      ratio: subject.requestsPerSecond / baseline.requestsPerSecond,
      likeForLike: {
        baseline: likeForLike,
        ratio: subject.requestsPerSecond / likeForLike.requestsPerSecond,
      },
    };
  } finally {
    await bench.close();
    await bare.close();
  }
}
