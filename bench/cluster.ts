/**
 * Scale-out: logins/s and verifies/s with 1, 2 and 4 gateway processes on one Redis, and SQLite vs Redis on one
 * instance, with the gettoken calls each cold start cost. Ratios are against the 1-instance Redis run of the same
 * invocation.
 *
 *   node --conditions=@wecom-auth/source --import tsx bench/cluster.ts [seconds=5]
 *
 * Needs Redis on 127.0.0.1:6379 (it uses and empties logical database 15). The gateways are child processes; the
 * sandbox and the load generator share this process, all on the same machine: on a 2-core machine more instances
 * cannot add CPU, so the ratios show what coordination through Redis costs, not what more machines would give.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@wecom-auth/sandbox';
import { activeDemoUserIds, type ChildGateway, demoGatewayEnv, spawnGateway } from '@wecom-auth/testing';
import type autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { startBenchSandbox } from './bench-gateway.js';
import { fixed, jsonPostsEach, loadSpread, table } from './measure.js';

const seconds = Number(process.argv[2] ?? 5);
const redisUrl = 'redis://127.0.0.1:6379/15';
const connections = 32;

/** autocannon against every instance at once (connections split between them); the summed requests/s. */
async function loadAll(
  instances: readonly ChildGateway[],
  request: (url: string) => autocannon.Options,
): Promise<{ rps: number; non2xx: number; errors: number }> {
  const result = await loadSpread(
    instances.map((instance) => instance.url),
    request,
    { connections, seconds },
  );
  return { rps: result.requestsPerSecond, non2xx: result.non2xx, errors: result.errors };
}

interface Row {
  readonly label: string;
  readonly logins: number;
  readonly verifies: number;
  readonly gettokens: number;
  readonly failures: number;
}

async function measure(
  sandbox: Sandbox,
  label: string,
  count: number,
  store: 'redis' | 'sqlite',
): Promise<Row> {
  const admin = new Redis(redisUrl);
  await admin.flushdb();
  admin.disconnect();
  sandbox.control.reset();
  const dataDir = mkdtempSync(join(tmpdir(), 'wecom-auth-bench-cluster-'));
  const env = {
    ...demoGatewayEnv(sandbox.url),
    LOGIN_RATE_LIMIT: '1000000',
    LOGIN_CORP_BUDGET_PER_MINUTE: '10000000',
    LOGIN_CORP_BUDGET_PER_HOUR: '100000000',
    ...(store === 'redis' ? { REDIS_URL: redisUrl } : { WECOM_AUTH_DB: join(dataDir, 'bench.db') }),
  };
  const instances = await Promise.all(Array.from({ length: count }, () => spawnGateway(env)));
  try {
    const users = activeDemoUserIds();
    let next = 0;
    // Codes are single use: each request gets a fresh one, minted in this process by the in-process sandbox.
    const logins = await loadAll(instances, (url) =>
      jsonPostsEach(`${url}/v1/sessions`, () => ({
        code: sandbox.control.login({ userid: users[next++ % users.length] ?? 'zhangsan' }).code,
      })),
    );
    const tokens = await Promise.all(
      instances.map(async (instance) => {
        const response = await fetch(`${instance.url}/v1/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: sandbox.control.login({ userid: 'zhangsan' }).code }),
        });
        return ((await response.json()) as { accessToken: string }).accessToken;
      }),
    );
    let tokenIndex = 0;
    const verifies = await loadAll(instances, (url) => ({
      url: `${url}/v1/verify`,
      headers: { authorization: `Bearer ${tokens[tokenIndex++ % tokens.length] ?? ''}` },
    }));
    return {
      label,
      logins: logins.rps,
      verifies: verifies.rps,
      gettokens: sandbox.control.calls().byPath['/cgi-bin/gettoken'] ?? 0,
      failures: logins.non2xx + logins.errors + verifies.non2xx + verifies.errors,
    };
  } finally {
    await Promise.all(instances.map((instance) => instance.kill('SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const sandbox = await startBenchSandbox();
try {
  const rows: Row[] = [];
  rows.push(await measure(sandbox, '1 × Redis', 1, 'redis'));
  rows.push(await measure(sandbox, '2 × Redis', 2, 'redis'));
  rows.push(await measure(sandbox, '4 × Redis', 4, 'redis'));
  rows.push(await measure(sandbox, '1 × SQLite', 1, 'sqlite'));
  const [baseline] = rows;
  const ratio = (value: number, base: number | undefined): string =>
    base ? `${fixed(value / base, 2)}×` : '—';
  process.stdout.write(
    `${table(
      [
        'instances',
        'logins/s',
        'vs 1 × Redis',
        'verifies/s',
        'vs 1 × Redis',
        'gettoken calls',
        'non-2xx/errors',
      ],
      rows.map((row) => [
        row.label,
        fixed(row.logins),
        ratio(row.logins, baseline?.logins),
        fixed(row.verifies),
        ratio(row.verifies, baseline?.verifies),
        row.gettokens,
        row.failures,
      ]),
    )}\n`,
  );
  process.stdout.write(
    `\n${seconds} s per phase, ${connections} connections split over the instances; Node ${process.version}, ${(await import('node:os')).cpus().length} cores.\n`,
  );
} finally {
  await sandbox.close();
}
