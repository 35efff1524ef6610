import {
  callbackDeliveryId,
  isCallbackFresh,
  parseCallbackEnvelope,
  parseCallbackParameters,
} from '@wecom-auth/crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallbackDelivery, createSandbox, DEMO_APP, type Sandbox, SandboxError } from '../src/index.js';
import { AES_KEY, crypto, Receiver, TOKEN } from './callback-receiver.js';

let sandbox: Sandbox;
let receiver: Receiver;

beforeEach(async () => {
  sandbox = await createSandbox({ port: 0 });
  receiver = new Receiver();
  const url = await receiver.listen();
  await sandbox.control.setCallback({
    agentId: DEMO_APP.agentId,
    url,
    token: TOKEN,
    encodingAESKey: AES_KEY,
  });
  receiver.requests.length = 0;
});

afterEach(async () => {
  await sandbox.close();
  await receiver.close();
});

function posts() {
  return receiver.requests.filter((request) => request.method === 'POST');
}

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}/__sandbox${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => undefined)) as Record<string, unknown>,
  };
}

describe('callback deliveries: signed parameters in the log', () => {
  it('lists each delivery with the timestamp, nonce and msg_signature it was sent with, and its event', async () => {
    const { deliveries } = await sandbox.control.updateUser('zhangsan', { status: 2 });
    const [delivery] = deliveries;
    const [request] = posts();
    expect(delivery).toBeDefined();
    expect(request?.query.get('timestamp')).toBe(delivery?.timestamp);
    expect(request?.query.get('nonce')).toBe(delivery?.nonce);
    expect(request?.query.get('msg_signature')).toBe(delivery?.msgSignature);
    expect(parseCallbackEnvelope(request?.body ?? '').encrypt).toBe(delivery?.encrypt);
    expect(delivery?.message).toContain('<ChangeType><![CDATA[update_user]]></ChangeType>');
    const listed = await control('GET', '/callbacks/deliveries');
    expect(listed.status).toBe(200);
    expect(listed.body.deliveries).toEqual([
      expect.objectContaining({ id: delivery?.id, nonce: delivery?.nonce }),
    ]);
  });

  it('two identical changes are two deliveries with distinct ids for the receiver', async () => {
    await sandbox.control.updateUser('zhangsan', { status: 2 });
    await sandbox.control.updateUser('zhangsan', { status: 1 });
    await sandbox.control.updateUser('zhangsan', { status: 2 });
    const [first, , third] = sandbox.control.callbacks();
    // The same event; only CreateTime may differ, when the three changes straddle a second.
    const withoutTime = (message: string | undefined) =>
      message?.replace(/<CreateTime>\d+<\/CreateTime>/, '');
    expect(withoutTime(first?.message)).toBe(withoutTime(third?.message));
    expect(first?.message).toContain('<Status>2</Status>');
    expect(callbackDeliveryId({ ...(first ?? { msgSignature: '', timestamp: '', nonce: '' }) })).not.toBe(
      callbackDeliveryId({ ...(third ?? { msgSignature: '', timestamp: '', nonce: '' }) }),
    );
  });
});

describe('holding back and releasing deliveries (an inbox backlog)', () => {
  it('holds deliveries sealed at the time of the change and sends them oldest first on release', async () => {
    expect(await control('POST', '/callbacks/hold')).toEqual({ status: 200, body: { holding: true } });
    const first = await sandbox.control.updateUser('zhangsan', { status: 2 });
    sandbox.control.advanceClock(600);
    const second = await sandbox.control.deleteUser('lisi');
    expect(first.deliveries.map((delivery) => delivery.state)).toEqual(['held']);
    expect(second.deliveries.map((delivery) => delivery.state)).toEqual(['held']);
    expect(posts()).toHaveLength(0);

    const released = await control('POST', '/callbacks/release');
    expect(released.status).toBe(200);
    const sent = released.body.deliveries as { id: number; state: string }[];
    expect(sent.map((delivery) => [delivery.id, delivery.state])).toEqual([
      [first.deliveries[0]?.id, 'delivered'],
      [second.deliveries[0]?.id, 'delivered'],
    ]);
    const events = receiver.events();
    expect(events.map((event) => event.kind)).toEqual(['update_user', 'delete_user']);
    // Sealed when the change happened: the first is now ten minutes old on the sandbox clock.
    const [oldest] = posts();
    const timestamp = oldest?.query.get('timestamp') ?? '';
    expect(timestamp).toBe(first.deliveries[0]?.timestamp);
    expect(isCallbackFresh(timestamp, { now: sandbox.control.clock().unixSeconds })).toBe(false);

    // Released: later changes go out at once.
    const live = await sandbox.control.updateUser('zhangsan', { status: 1 });
    expect(live.deliveries[0]?.state).toBe('delivered');
  });

  it('reset stops holding and forgets the backlog', async () => {
    sandbox.control.holdCallbacks();
    await sandbox.control.updateUser('zhangsan', { status: 2 });
    sandbox.control.reset();
    expect((await sandbox.control.releaseCallbacks()).deliveries).toEqual([]);
    expect(posts()).toHaveLength(0);
  });
});

describe('replaying a delivery', () => {
  it('resends exactly the delivered request, which the receiver decrypts again', async () => {
    const { deliveries } = await sandbox.control.updateUser('zhangsan', { status: 2 });
    const id = deliveries[0]?.id ?? 0;
    const replayed = await control('POST', `/callbacks/deliveries/${id}/replay`, {});
    expect(replayed.body).toMatchObject({ deliveryId: id, status: 200, timestamp: deliveries[0]?.timestamp });
    const [original, again] = posts();
    expect(again?.body).toBe(original?.body);
    expect(again?.query.toString()).toBe(original?.query.toString());
    expect(receiver.events().map((event) => event.kind)).toEqual(['update_user', 'update_user']);
  });

  it('with a digit-shifted timestamp and nonce: the signature still verifies, the strict parser refuses', async () => {
    // One digit moves between the timestamp and the nonce; whether it keeps the sorted concatenation depends on
    // the random nonce and Encrypt, so changes are made until a delivery admits the shift.
    let found: { delivery: CallbackDelivery; forged: { timestamp: string; nonce: string } } | undefined;
    for (let change = 0; found === undefined && change < 40; change += 1) {
      const { deliveries } = await sandbox.control.updateUser('zhangsan', {
        status: change % 2 === 0 ? 2 : 1,
      });
      const delivery = deliveries[0];
      if (delivery === undefined) throw new Error('no delivery');
      const candidates = [
        { timestamp: `${delivery.nonce.slice(-1)}${delivery.timestamp}`, nonce: delivery.nonce.slice(0, -1) },
        {
          timestamp: delivery.timestamp.slice(0, -1),
          nonce: `${delivery.timestamp.slice(-1)}${delivery.nonce}`,
        },
      ];
      const forged = candidates.find(
        (candidate) => crypto.sign({ ...candidate, encrypt: delivery.encrypt }) === delivery.msgSignature,
      );
      if (forged !== undefined) found = { delivery, forged };
    }
    if (found === undefined) throw new Error('no delivery admitted a one-digit shift');
    const { delivery, forged } = found;
    receiver.requests.length = 0;
    const replay = await sandbox.control.replayCallback(delivery.id, forged);
    expect(replay).toMatchObject({ ...forged, msgSignature: delivery.msgSignature, status: 200 });
    const forgedRequest = posts()[0];
    const query = Object.fromEntries(forgedRequest?.query ?? []);
    const encrypt = parseCallbackEnvelope(forgedRequest?.body ?? '').encrypt;
    expect(crypto.decrypt({ msgSignature: delivery.msgSignature, ...forged, encrypt }).message).toBe(
      delivery.message,
    );
    expect(() => parseCallbackParameters(query, { echostr: false })).toThrow(/timestamp|nonce/);
  });

  it('refuses unknown ids and bad overrides', async () => {
    expect(await control('POST', '/callbacks/deliveries/999/replay', {})).toMatchObject({
      status: 404,
      body: { error: 'unknown_delivery' },
    });
    expect((await control('POST', '/callbacks/deliveries/abc/replay', {})).status).toBe(400);
    const { deliveries } = await sandbox.control.updateUser('zhangsan', { status: 2 });
    const id = deliveries[0]?.id ?? 0;
    expect((await control('POST', `/callbacks/deliveries/${id}/replay`, { timestamp: '1 2' })).status).toBe(
      400,
    );
    expect((await control('POST', `/callbacks/deliveries/${id}/replay`, { other: 1 })).status).toBe(400);
    await expect(sandbox.control.replayCallback(999)).rejects.toBeInstanceOf(SandboxError);
  });
});
