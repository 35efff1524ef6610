import { createRequire } from 'node:module';
import type { CacheInterface, Work as WorkApplication } from 'node-easywechat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../src/index.js';

// node-easywechat is CommonJS; it is loaded as its users load it, unchanged.
const { Work } = createRequire(import.meta.url)('node-easywechat') as { Work: typeof WorkApplication };

// An in-memory cache so the SDK writes no token files; it honours the SDK's lifetime argument loosely.
class MemoryCache implements CacheInterface {
  private readonly items = new Map<string, unknown>();
  get(key: string): Promise<unknown> {
    return Promise.resolve(this.items.get(key));
  }
  has(key: string): Promise<boolean> {
    return Promise.resolve(this.items.has(key));
  }
  set(key: string, data?: unknown): Promise<boolean> {
    this.items.set(key, data);
    return Promise.resolve(true);
  }
  delete(key: string): Promise<boolean> {
    return Promise.resolve(this.items.delete(key));
  }
}

describe('fidelity: node-easywechat Work client, unchanged, pointed at the sandbox', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await createSandbox({ seed: 'easywechat' });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  function workApp(secret = 'demo-secret-change-me'): WorkApplication {
    const app = new Work({
      corp_id: 'wwdemo0000000001',
      secret,
      token: 'unused-callback-token',
      aes_key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      // The SDK's own option for its base URL (Application.getHttpClientDefaultOptions merges `http`).
      http: { baseURL: `${sandbox.url}/` },
    });
    app.setCache(new MemoryCache());
    return app;
  }

  it('drives gettoken → jscode2session → user/get', async () => {
    const app = workApp();
    const token = await app.getAccessToken().getToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{100,}$/);

    const { code } = sandbox.control.login({ userid: 'zhangsan' });
    const client = app.getClient();
    const session = (
      await client.get('cgi-bin/miniprogram/jscode2session', {
        params: { js_code: code, grant_type: 'authorization_code' },
      })
    ).toObject<Record<string, unknown>>();
    expect(session).toMatchObject({
      errcode: 0,
      corpid: 'wwdemo0000000001',
      userid: 'zhangsan',
      session_key: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/),
    });

    const user = (
      await client.get('cgi-bin/user/get', { params: { userid: String(session.userid) } })
    ).toObject<Record<string, unknown>>();
    expect(user).toMatchObject({ errcode: 0, userid: 'zhangsan', name: '张三', department: [4] });

    const departments = (await client.get('cgi-bin/department/simplelist')).toObject<{
      department_id: unknown[];
    }>();
    expect(departments.department_id.length).toBe(8);

    const calls = sandbox.control.calls();
    expect(calls.byPath).toMatchObject({
      '/cgi-bin/gettoken': 1,
      '/cgi-bin/miniprogram/jscode2session': 1,
      '/cgi-bin/user/get': 1,
    });
  });

  it('surfaces sandbox errors through the SDK', async () => {
    const app = workApp('wrong-secret');
    await expect(app.getAccessToken().getToken()).rejects.toThrowError(/40001/);
  });
});
