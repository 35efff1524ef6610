import type { Sandbox } from '@wecom-auth/sandbox';
import { type SandboxAndDatabase, spawnGateway, startSandboxAndDatabase } from '@wecom-auth/testing';
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

describe('durability on the SQLite default', () => {
  it('a session answered with 201 survives kill -9 of the gateway and a restart', async () => {
    const env = {
      ...bed.gatewayEnv,
    };
    const first = await spawnGateway(env);
    const sessions: { accessToken: string; refreshToken: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${first.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: sandbox.control.login({ userid: 'zhangsan' }).code }),
      });
      expect(response.status).toBe(201);
      sessions.push((await response.json()) as { accessToken: string; refreshToken: string });
    }
    // No graceful shutdown: the process dies right after the last 201.
    expect(await first.kill('SIGKILL')).toBeNull();

    const second = await spawnGateway(env);
    try {
      for (const session of sessions) {
        const verify = await fetch(`${second.url}/v1/verify`, {
          headers: { authorization: `Bearer ${session.accessToken}` },
        });
        expect(verify.status).toBe(204);
        const refresh = await fetch(`${second.url}/v1/sessions/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: session.refreshToken }),
        });
        expect(refresh.status).toBe(200);
      }
    } finally {
      await second.kill('SIGTERM');
    }
  }, 60_000);
});
