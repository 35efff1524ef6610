/**
 * The sandbox's demo third-party app as a gateway sees it: the settings that run a gateway as that suite against a
 * sandbox, and how a test walks the provider's flow (instruction callback URL, ticket, installs) over real HTTP.
 */
import {
  buildCallbackEnvelope,
  buildSuiteInstructionXml,
  createCallbackCrypto,
  type SuiteInstructionInput,
} from '@wecom-auth/crypto';
import { DEMO_CORP_ID, demoSuite, type Sandbox, SUBSIDIARY_CORP_ID } from '@wecom-auth/sandbox';
import type { SealedCallback } from './wecom-callbacks.js';

/**
 * The settings of a gateway running as the sandbox's demo suite (`wwsuitedemo00001`); the self-built variables are
 * blanked, so this works over `demoGatewayEnv` too.
 *
 * @example
 * const config = loadConfig({ env: { ...demoSuiteGatewayEnv(sandbox.url), PORT: '0' } });
 */
export function demoSuiteGatewayEnv(sandboxUrl?: string): Record<string, string> {
  return {
    WECOM_CORP_ID: '',
    WECOM_SECRET: '',
    WECOM_SUITE_ID: demoSuite.suiteId,
    WECOM_SUITE_SECRET: demoSuite.suiteSecret,
    WECOM_SUITE_TOKEN: demoSuite.token,
    WECOM_SUITE_AES_KEY: demoSuite.encodingAESKey,
    WECOM_MINIPROGRAM_APPID: demoSuite.miniProgramAppId,
    ...(sandboxUrl === undefined ? {} : { WECOM_API_BASE: sandboxUrl }),
  };
}

/** The demo suite as a sandbox option, installed nowhere: the test installs it through the instruction callback. */
export const uninstalledDemoSuite = { ...demoSuite, installs: [] as string[] };

/** The corps the demo suite is installed in by {@link connectSuite} by default. */
export const demoSuiteCorps: readonly string[] = [DEMO_CORP_ID, SUBSIDIARY_CORP_ID];

/**
 * Points the sandbox's demo suite at a gateway's instruction callback (WeCom verifies the URL, then pushes a ticket)
 * and installs it in `corps` (each a `create_auth` the gateway exchanges for a permanent code).
 *
 * @example
 * await connectSuite(sandbox, gateway.url);
 * await eventually(async () => expect((await readyz()).suite.installedCorps).toBe(2));
 */
export async function connectSuite(
  sandbox: Sandbox,
  gatewayUrl: string,
  corps: readonly string[] = demoSuiteCorps,
): Promise<void> {
  await sandbox.control.suites.setCallback(demoSuite.suiteId, { url: `${gatewayUrl}/v1/suite/callback` });
  for (const corpid of corps) await sandbox.control.suites.install(demoSuite.suiteId, { corpid });
}

/** Seals instructions as WeCom does for the demo suite (receiveId = its SuiteID). */
const suiteCrypto = createCallbackCrypto({
  token: demoSuite.token,
  encodingAESKey: demoSuite.encodingAESKey,
  receiveId: demoSuite.suiteId,
});

/**
 * An instruction POST as WeCom sends it to the demo suite's instruction callback, signed at `signedAt` (Unix
 * seconds, default now): the query string and the XML envelope. `receiveId` seals it for another suite.
 *
 * @example
 * const sealed = sealInstruction({ suiteId: demoSuite.suiteId, infoType: 'cancel_auth', timeStamp, authCorpId });
 * await postInstruction(gateway.url, sealed);
 */
export function sealInstruction(
  instruction: SuiteInstructionInput,
  options: { readonly signedAt?: number; readonly receiveId?: string; readonly token?: string } = {},
): SealedCallback {
  const crypto =
    options.receiveId === undefined && options.token === undefined
      ? suiteCrypto
      : createCallbackCrypto({
          token: options.token ?? demoSuite.token,
          encodingAESKey: demoSuite.encodingAESKey,
          receiveId: options.receiveId ?? demoSuite.suiteId,
        });
  const timestamp = options.signedAt ?? Math.floor(Date.now() / 1000);
  const sealed = crypto.encrypt(buildSuiteInstructionXml(instruction), { timestamp });
  return {
    query: new URLSearchParams({
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
    }).toString(),
    body: buildCallbackEnvelope({ toUserName: demoSuite.suiteId, encrypt: sealed.encrypt, agentId: '' }),
  };
}

/** POSTs `sealed` to a gateway's instruction callback and reads the answer. */
export async function postInstruction(
  gatewayUrl: string,
  sealed: SealedCallback,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${gatewayUrl}/v1/suite/callback?${sealed.query}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: sealed.body,
  });
  return { status: response.status, text: await response.text() };
}
