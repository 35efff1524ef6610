import type { Sandbox } from '@wecom-auth/sandbox';
import {
  callbackEnv,
  connectSandbox,
  eventually,
  type SandboxAndDatabase,
  spawnGateway,
  startSandboxAndDatabase,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let bed: SandboxAndDatabase;
let sandbox: Sandbox;

beforeAll(async () => {
  bed = await startSandboxAndDatabase();
  sandbox = bed.sandbox;
});

afterAll(async () => {
  await bed?.close();
});

async function verify(gatewayUrl: string, accessToken: string): Promise<number> {
  const response = await fetch(`${gatewayUrl}/v1/verify`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return response.status;
}

describe('callback durability', () => {
  it('an event acknowledged but not applied before SIGKILL is applied after restart', async () => {
    const env = {
      ...bed.gatewayEnv,
      ...callbackEnv,
    };
    const first = await spawnGateway({ ...env, WECOM_AUTH_TEST_HOLD_CALLBACKS: '1' });
    let second: Awaited<ReturnType<typeof spawnGateway>> | undefined;
    try {
      const login = await fetch(`${first.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: sandbox.control.login({ userid: 'zhangsan' }).code }),
      });
      expect(login.status).toBe(201);
      const { accessToken } = (await login.json()) as { accessToken: string };

      await connectSandbox(sandbox, first.url);
      sandbox.control.configureCallbacks({ attempts: 1 });
      const { deliveries } = await sandbox.control.deleteUser('zhangsan');
      expect(deliveries).toEqual([expect.objectContaining({ lastStatus: 200, state: 'delivered' })]);
      // Held: acknowledged, recorded, not applied.
      expect(await verify(first.url, accessToken)).toBe(204);
      expect(await first.kill('SIGKILL')).toBeNull();

      second = await spawnGateway(env);
      const secondUrl = second.url;
      expect(await eventually(async () => (await verify(secondUrl, accessToken)) === 401, 5_000)).toBe(true);
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) await first.kill('SIGKILL');
      await second?.kill('SIGTERM');
    }
  }, 60_000);
});
