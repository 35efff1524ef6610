/**
 * Signed WeCom callbacks for the gateway's callback tests: the Token and key the test gateways use, and requests
 * sealed exactly as WeCom seals them.
 */
import {
  buildCallbackEnvelope,
  buildChangeContactXml,
  type ChangeContactEventInput,
  createCallbackCrypto,
} from '@wecom-auth/crypto';
import { DEMO_APP, DEMO_CORP_ID, type Sandbox } from '@wecom-auth/sandbox';

/** The callback Token of the test gateways. */
export const CALLBACK_TOKEN = 'gwCallbackToken42';
/** The callback EncodingAESKey of the test gateways. */
export const CALLBACK_AES_KEY = 'kLm0nOpQrStUvWxYz1234567890aBcDeFgHiJkLmNoP';
/** The gateway settings that turn its callback endpoint on with {@link CALLBACK_TOKEN} and {@link CALLBACK_AES_KEY}. */
export const callbackEnv = { WECOM_CALLBACK_TOKEN: CALLBACK_TOKEN, WECOM_CALLBACK_AES_KEY: CALLBACK_AES_KEY };

/** Seals and opens callbacks as WeCom does for the demo company. */
export const callbackCrypto = createCallbackCrypto({
  token: CALLBACK_TOKEN,
  encodingAESKey: CALLBACK_AES_KEY,
  receiveId: DEMO_CORP_ID,
});

/** A sealed callback: the signed query string and the XML envelope. */
export interface SealedCallback {
  readonly query: string;
  readonly body: string;
}

/** A change_contact POST as WeCom sends it (`timestamp` in Unix seconds, default now). */
export function sealEvent(
  event: ChangeContactEventInput,
  options: { timestamp?: number; receiveId?: string; nonce?: string } = {},
): SealedCallback {
  const crypto =
    options.receiveId === undefined
      ? callbackCrypto
      : createCallbackCrypto({
          token: CALLBACK_TOKEN,
          encodingAESKey: CALLBACK_AES_KEY,
          receiveId: options.receiveId,
        });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const xml = buildChangeContactXml({
    toUserName: DEMO_CORP_ID,
    fromUserName: 'sys',
    createTime: timestamp,
    ...event,
  });
  const sealed = crypto.encrypt(xml, { timestamp, ...(options.nonce ? { nonce: options.nonce } : {}) });
  const query = new URLSearchParams({
    msg_signature: sealed.msgSignature,
    timestamp: sealed.timestamp,
    nonce: sealed.nonce,
  }).toString();
  return {
    query,
    body: buildCallbackEnvelope({
      toUserName: DEMO_CORP_ID,
      encrypt: sealed.encrypt,
      agentId: DEMO_APP.agentId,
    }),
  };
}

/** POSTs `sealed` to the gateway's callback endpoint and reads the answer. */
export async function postCallback(
  gatewayUrl: string,
  sealed: SealedCallback,
  contentType = 'text/xml',
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gatewayUrl}/v1/callback?${sealed.query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: sealed.body,
  });
  return { status: response.status, text: await response.text() };
}

/** Points the sandbox demo app's callback at a gateway (the sandbox verifies the URL through the gateway). */
export async function connectSandbox(sandbox: Sandbox, gatewayUrl: string): Promise<void> {
  await sandbox.control.setCallback({
    agentId: DEMO_APP.agentId,
    url: `${gatewayUrl}/v1/callback`,
    token: CALLBACK_TOKEN,
    encodingAESKey: CALLBACK_AES_KEY,
  });
}
