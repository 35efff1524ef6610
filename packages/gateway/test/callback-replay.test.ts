/**
 * Captured callbacks played back over real HTTP: a delivery replayed after the freshness window, the same delivery
 * with a digit moved from its nonce to its timestamp (validly signed, since the signature covers a concatenation),
 * and a POST's `<Encrypt>` offered as the URL verification's `echostr`. None is applied, and none makes the gateway
 * answer a plaintext. The sandbox holds the deliveries back, so the gateway never saw them before.
 */
import { buildCallbackEnvelope } from '@wecom-auth/crypto';
import { DEMO_APP, DEMO_CORP_ID } from '@wecom-auth/sandbox';
import { APPLIED_EVENT_RETENTION_MS } from '@wecom-auth/store';
import {
  callbackCrypto,
  callbackEnv,
  connectSandbox,
  type GatewayUnderTest,
  startGatewayUnderTest,
} from '@wecom-auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FUTURE_SKEW_SECONDS } from '../src/callbacks/callback-request.js';
import { loadConfig } from '../src/config/load-config.js';

let t: GatewayUnderTest;

beforeAll(async () => {
  t = await startGatewayUnderTest({ env: { ...callbackEnv, LOG_LEVEL: 'info' } });
  await connectSandbox(t.sandbox, t.gateway.url);
  t.sandbox.control.holdCallbacks();
});

afterAll(async () => {
  await t?.close();
});

/** What an eavesdropper kept of one delivery. */
interface Captured {
  readonly msgSignature: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly encrypt: string;
}

/** POSTs a captured delivery with the given signed parameters, as an attacker would; answers status and body. */
async function post(captured: Captured, query: { timestamp: string; nonce: string }) {
  const search = new URLSearchParams({ msg_signature: captured.msgSignature, ...query });
  const response = await fetch(`${t.gateway.url}/v1/callback?${search.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: buildCallbackEnvelope({
      toUserName: DEMO_CORP_ID,
      encrypt: captured.encrypt,
      agentId: DEMO_APP.agentId,
    }),
  });
  return { status: response.status, text: await response.text() };
}

async function nothingApplied(accessToken: unknown): Promise<void> {
  expect(await t.gateway.services.store.inbox.pending(10)).toEqual([]);
  expect(t.logs.filter((line) => line.includes('"callback applied"'))).toEqual([]);
  expect((await t.call('GET', '/v1/verify', { token: String(accessToken) })).status).toBe(204);
}

describe('captured callbacks played back', () => {
  it("a POST's Encrypt sent as the echostr of GET /v1/callback is refused, and no plaintext comes back", async () => {
    const session = await t.login('zhangsan');
    const [held] = (await t.sandbox.control.updateUser('zhangsan', { status: 2 })).deliveries;
    if (held === undefined) throw new Error('no delivery');
    const query = new URLSearchParams({
      msg_signature: held.msgSignature,
      timestamp: held.timestamp,
      nonce: held.nonce,
      echostr: held.encrypt,
    });
    const answer = await t.call('GET', `/v1/callback?${query.toString()}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'callback_malformed' });
    for (const leaked of ['zhangsan', 'update_user', '<xml', 'ChangeType'])
      expect(answer.text).not.toContain(leaked);
    await nothingApplied(session.accessToken);
  });

  it('an update_user delivery 323 s old is refused as is (401 callback_expired) and with a digit shifted into its timestamp', async () => {
    const session = await t.login('lisi');
    // Whether a digit can move from the end of the nonce to the front of the timestamp without changing the
    // signature depends on how the random nonce sorts (before a timestamp starting "17" in about one case in
    // fifteen): changes are made until a delivery admits it. Held deliveries are sealed in-process, so this is quick.
    let found: { captured: Captured; shifted: { timestamp: string; nonce: string } } | undefined;
    for (let change = 0; found === undefined && change < 400; change += 1) {
      const [delivery] = (await t.sandbox.control.updateUser('lisi', { status: change % 2 === 0 ? 2 : 1 }))
        .deliveries;
      if (delivery === undefined) throw new Error('no delivery');
      const shifted = {
        timestamp: `${delivery.nonce.slice(-1)}${delivery.timestamp}`,
        nonce: delivery.nonce.slice(0, -1),
      };
      if (callbackCrypto.sign({ ...shifted, encrypt: delivery.encrypt }) === delivery.msgSignature) {
        found = { captured: delivery, shifted };
      }
    }
    if (found === undefined) throw new Error('no delivery admitted a one-digit shift');
    const { captured, shifted } = found;
    const [deliveryId] = t.sandbox.control
      .callbacks()
      .filter((delivery) => delivery.msgSignature === captured.msgSignature)
      .map((delivery) => delivery.id);
    expect(shifted.timestamp).toHaveLength(11);

    t.advanceClock(323_000);
    expect((await t.sandbox.control.replayCallback(Number(deliveryId))).status).toBe(401);
    const asIs = await post(captured, { timestamp: captured.timestamp, nonce: captured.nonce });
    expect(asIs.status).toBe(401);
    expect(JSON.parse(asIs.text)).toMatchObject({ error: 'callback_expired' });

    // Validly signed, with an 11-digit timestamp: the strict parser refuses it before any clock check.
    expect((await t.sandbox.control.replayCallback(Number(deliveryId), shifted)).status).toBe(400);
    const forged = await post(captured, shifted);
    expect(forged.status).toBe(400);
    expect(JSON.parse(forged.text)).toMatchObject({ error: 'callback_malformed' });
    await nothingApplied(session.accessToken);
  });

  it('remembers an applied delivery for longer than any timestamp is accepted', () => {
    // The largest maximum age the configuration accepts: a replay is refused for its age after this.
    const maxAgeSeconds = 86_400;
    expect(loadConfig({ env: { CALLBACK_MAX_AGE_SECONDS: String(maxAgeSeconds) } }).callbackMaxAge).toBe(
      maxAgeSeconds,
    );
    expect(() => loadConfig({ env: { CALLBACK_MAX_AGE_SECONDS: String(maxAgeSeconds + 1) } })).toThrow(
      /CALLBACK_MAX_AGE_SECONDS/,
    );
    expect(APPLIED_EVENT_RETENTION_MS).toBeGreaterThanOrEqual(
      (maxAgeSeconds + DEFAULT_MAX_FUTURE_SKEW_SECONDS) * 1000,
    );
  });
});
