import { parseCallbackEnvelope } from '@wecom-auth/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, DEMO_APP, DEMO_CORP_ID, type Sandbox, SandboxError } from '../src/index.js';
import { AES_KEY, Receiver, TOKEN } from './callback-receiver.js';

let sandbox: Sandbox;
let receiver: Receiver;
let hookUrl: string;

beforeEach(async () => {
  sandbox = await createSandbox({ port: 0 });
  receiver = new Receiver();
  hookUrl = await receiver.listen();
});

afterEach(async () => {
  await sandbox.close();
  await receiver.close();
});

async function connect(): Promise<void> {
  const result = await sandbox.control.setCallback({
    agentId: DEMO_APP.agentId,
    url: hookUrl,
    token: TOKEN,
    encodingAESKey: AES_KEY,
  });
  expect(result).toEqual({ verified: true, status: 200 });
  receiver.requests.length = 0;
}

async function userGet(userid: string): Promise<Record<string, unknown>> {
  const token = (await (
    await fetch(`${sandbox.url}/cgi-bin/gettoken?corpid=${DEMO_CORP_ID}&corpsecret=${DEMO_APP.secret}`)
  ).json()) as { access_token: string };
  const response = await fetch(
    `${sandbox.url}/cgi-bin/user/get?access_token=${token.access_token}&userid=${userid}`,
  );
  return (await response.json()) as Record<string, unknown>;
}

describe('callback URL configuration', () => {
  it('verifies the URL with a signed, encrypted echostr before saving it', async () => {
    await connect();
    const app = sandbox.control.directory().corps[0]?.apps.find((a) => a.agentId === DEMO_APP.agentId);
    expect(app?.callback).toEqual({ url: hookUrl, token: TOKEN, encodingAESKey: AES_KEY });
  });

  it('refuses a URL that does not answer exactly the plaintext, and keeps no callback', async () => {
    receiver.echoWrong = true;
    await expect(
      sandbox.control.setCallback({
        agentId: DEMO_APP.agentId,
        url: hookUrl,
        token: TOKEN,
        encodingAESKey: AES_KEY,
      }),
    ).rejects.toThrowError(/verification failed/);
    await sandbox.control.updateUser('zhangsan', { name: '张三丰' });
    expect(receiver.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('refuses an unreachable URL and bad input', async () => {
    await expect(
      sandbox.control.setCallback({
        agentId: DEMO_APP.agentId,
        url: 'http://127.0.0.1:1/none',
        token: TOKEN,
        encodingAESKey: AES_KEY,
      }),
    ).rejects.toThrowError(/verification failed/);
    await expect(
      sandbox.control.setCallback({
        agentId: DEMO_APP.agentId,
        url: hookUrl,
        token: 'bad token!',
        encodingAESKey: AES_KEY,
      }),
    ).rejects.toThrowError(TypeError);
    await expect(
      sandbox.control.setCallback({ agentId: 42, url: hookUrl, token: TOKEN, encodingAESKey: AES_KEY }),
    ).rejects.toThrowError(/no app 42/);
  });
});

describe('directory changes push change_contact events', () => {
  it('a rename of the display name: user/get reflects it and update_user carries only what changed', async () => {
    await connect();
    const { deliveries } = await sandbox.control.updateUser('zhangsan', {
      name: '张三丰',
      position: '架构师',
    });
    expect(deliveries).toEqual([
      expect.objectContaining({
        agentId: DEMO_APP.agentId,
        event: 'update_user',
        attempts: 1,
        lastStatus: 200,
        state: 'delivered',
      }),
    ]);
    expect(await userGet('zhangsan')).toMatchObject({ errcode: 0, name: '张三丰', position: '架构师' });
    const [event] = receiver.events();
    expect(event).toMatchObject({
      kind: 'update_user',
      userId: 'zhangsan',
      name: '张三丰',
      position: '架构师',
      toUserName: DEMO_CORP_ID,
      event: 'change_contact',
    });
    expect(event).not.toHaveProperty('mobile');
    expect(receiver.requests[0]?.contentType).toBe('text/xml');
    const envelope = parseCallbackEnvelope(receiver.requests[0]?.body ?? '');
    expect(envelope).toMatchObject({ toUserName: DEMO_CORP_ID, agentId: String(DEMO_APP.agentId) });
  });

  it('a userid change sends NewUserID and moves the member', async () => {
    await connect();
    await sandbox.control.updateUser('zhangsan', { newUserid: 'zhangsan001' });
    expect(receiver.events()[0]).toMatchObject({
      kind: 'update_user',
      userId: 'zhangsan',
      newUserId: 'zhangsan001',
    });
    expect(await userGet('zhangsan001')).toMatchObject({ errcode: 0, userid: 'zhangsan001' });
    expect((await userGet('zhangsan')).errcode).not.toBe(0);
  });

  it('disabling sends the new status; deleting sends delete_user and user/get no longer finds them', async () => {
    await connect();
    await sandbox.control.updateUser('liuyang', { status: 2 });
    await sandbox.control.deleteUser('zhangsan');
    const events = receiver.events();
    expect(events[0]).toMatchObject({ kind: 'update_user', userId: 'liuyang', status: 2 });
    expect(events[1]).toMatchObject({ kind: 'delete_user', userId: 'zhangsan' });
    expect((await userGet('zhangsan')).errcode).toBe(60111);
  });

  it('only apps whose visible range covers the member are told', async () => {
    await sandbox.control.setCallback({
      agentId: 1000005,
      url: hookUrl,
      token: TOKEN,
      encodingAESKey: AES_KEY,
    });
    receiver.requests.length = 0;
    // 1000005 sees department 8 and lisi only.
    const outside = await sandbox.control.updateUser('zhangsan', { name: '张三丰' });
    expect(outside.deliveries).toEqual([]);
    const inside = await sandbox.control.updateUser('lisi', { name: '李四四' });
    expect(inside.deliveries.map((d) => d.agentId)).toEqual([1000005]);
    expect(receiver.events()).toHaveLength(1);
  });

  it('departments: create, update and delete push party events', async () => {
    await connect();
    const created = await sandbox.control.createDepartment({ name: '数据组', parentid: 2 });
    const id = created.result?.id ?? 0;
    expect(id).toBe(9);
    await sandbox.control.updateDepartment(id, { name: '数据平台组' });
    await sandbox.control.deleteDepartment(id);
    expect(receiver.events().map((e) => [e.kind, 'id' in e ? e.id : undefined])).toEqual([
      ['create_party', 9],
      ['update_party', 9],
      ['delete_party', 9],
    ]);
    await expect(sandbox.control.deleteDepartment(4)).rejects.toThrowError(/still has members/);
    await expect(sandbox.control.deleteDepartment(2)).rejects.toThrowError(/sub-departments/);
    await expect(sandbox.control.updateDepartment(2, { parentid: 3 })).rejects.toThrowError(/under itself/);
  });

  it('bad changes throw and change nothing', async () => {
    await expect(sandbox.control.updateUser('ghost', { name: 'x' })).rejects.toThrowError(SandboxError);
    await expect(sandbox.control.updateUser('zhangsan', { status: 3 as 1 })).rejects.toThrowError(TypeError);
    await expect(sandbox.control.updateUser('zhangsan', { department: [99] })).rejects.toThrowError(
      /no department 99/,
    );
    await expect(sandbox.control.updateUser('zhangsan', { newUserid: 'LISI' })).rejects.toThrowError(/taken/);
    await expect(sandbox.control.updateUser('zhangsan', { unknown: 1 } as never)).rejects.toThrowError(
      TypeError,
    );
    expect(await userGet('zhangsan')).toMatchObject({ name: '张三', department: [4] });
  });

  it('edits stay inside one sandbox (the demo fixture is shared)', async () => {
    await sandbox.control.deleteUser('zhangsan');
    const other = await createSandbox({ port: 0 });
    try {
      expect(other.control.directory().corps[0]?.users.some((u) => u.userid === 'zhangsan')).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('delivery retries', () => {
  it('retries a failing URL up to the configured attempts, resending the same sealed message', async () => {
    await connect();
    sandbox.control.configureCallbacks({ attempts: 3, retryDelayMs: 0, timeoutMs: 2000 });
    receiver.status = 500;
    const { deliveries } = await sandbox.control.deleteUser('zhangsan');
    expect(deliveries[0]).toMatchObject({ attempts: 1, lastStatus: 500, state: 'pending' });
    await sandbox.control.flushCallbacks();
    expect(sandbox.control.callbacks()).toEqual([
      expect.objectContaining({
        event: 'delete_user',
        userId: 'zhangsan',
        attempts: 3,
        lastStatus: 500,
        state: 'failed',
      }),
    ]);
    const posts = receiver.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => `${p.query.toString()}|${p.body}`)).size).toBe(1);
  });

  it('stops retrying once an attempt succeeds', async () => {
    await connect();
    sandbox.control.configureCallbacks({ attempts: 5, retryDelayMs: 0 });
    receiver.status = 503;
    await sandbox.control.updateUser('zhangsan', { name: '张三丰' });
    receiver.status = 200;
    await sandbox.control.flushCallbacks();
    expect(sandbox.control.callbacks()[0]).toMatchObject({
      attempts: 2,
      lastStatus: 200,
      state: 'delivered',
    });
  });

  it('an unreachable URL is recorded with no status', async () => {
    await sandbox.control.setCallback({
      agentId: DEMO_APP.agentId,
      url: 'http://127.0.0.1:1/none',
      token: TOKEN,
      encodingAESKey: AES_KEY,
      verify: false,
    });
    sandbox.control.configureCallbacks({ attempts: 2, retryDelayMs: 0 });
    await sandbox.control.deleteUser('zhangsan');
    await sandbox.control.flushCallbacks();
    expect(sandbox.control.callbacks()[0]).toMatchObject({
      attempts: 2,
      lastStatus: null,
      state: 'failed',
      lastError: expect.any(String),
    });
  });
});

describe('control API over HTTP', () => {
  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const response = await fetch(sandbox.url + path, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  }

  it('sets the callback, changes the directory and lists deliveries', async () => {
    const set = await call('POST', '/__sandbox/callbacks', {
      agentId: DEMO_APP.agentId,
      url: hookUrl,
      token: TOKEN,
      encodingAESKey: AES_KEY,
    });
    expect(set).toEqual({ status: 200, body: { verified: true, status: 200 } });
    const patched = await call('PATCH', '/__sandbox/directory/users/zhangsan', { name: '张三丰', status: 2 });
    expect(patched.status).toBe(200);
    expect(patched.body?.result).toMatchObject({ userid: 'zhangsan', name: '张三丰', status: 2 });
    expect((await call('DELETE', '/__sandbox/directory/users/wangwu')).status).toBe(200);
    expect(
      (await call('POST', '/__sandbox/directory/departments', { name: '新部门', parentid: 1 })).status,
    ).toBe(200);
    expect((await call('PATCH', '/__sandbox/directory/departments/9', { order: 5 })).status).toBe(200);
    expect((await call('DELETE', '/__sandbox/directory/departments/9')).status).toBe(200);
    expect((await call('POST', '/__sandbox/callbacks/flush')).status).toBe(204);
    const listed = await call('GET', '/__sandbox/callbacks');
    expect(((listed.body?.deliveries ?? []) as { event: string }[]).map((d) => d.event)).toEqual([
      'update_user',
      'delete_user',
      'create_party',
      'update_party',
      'delete_party',
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(AES_KEY);
    expect(receiver.events().map((e) => e.kind)).toEqual([
      'update_user',
      'delete_user',
      'create_party',
      'update_party',
      'delete_party',
    ]);
  });

  it.each([
    ['PATCH', '/__sandbox/directory/users/zhangsan', { status: 9 }, 400, 'invalid_request'],
    ['PATCH', '/__sandbox/directory/users/zhangsan', [1], 400, 'invalid_request'],
    ['PATCH', '/__sandbox/directory/users/ghost', { name: 'x' }, 404, 'unknown_user'],
    ['DELETE', '/__sandbox/directory/users/ghost', undefined, 404, 'unknown_user'],
    ['PATCH', '/__sandbox/directory/departments/abc', { name: 'x' }, 400, 'invalid_request'],
    ['DELETE', '/__sandbox/directory/departments/77', undefined, 400, 'invalid_request'],
    ['POST', '/__sandbox/callbacks', { agentId: 1 }, 400, 'invalid_request'],
    ['POST', '/__sandbox/callbacks/delivery', { attempts: 0 }, 400, 'invalid_request'],
  ])('%s %s %j → %i %s', async (method, path, body, status, error) => {
    const answer = await call(method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error, message: expect.any(String) });
  });
});
