/**
 * Where the gateway's callback settings come from: the configuration, or in sandbox mode values generated at
 * start, which the sandbox is then told to use for the demo app so `npm start` delivers contact changes end to end.
 */
import { randomInt } from 'node:crypto';
import type { SandboxControl } from '@wecom-auth/sandbox';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load-config.js';
import type { CallbackSettings } from './callback-settings.js';

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphanumeric[randomInt(alphanumeric.length)];
  return text;
}

/** The callback settings, or undefined when callbacks are off (credentials without a callback Token and key). */
export function resolveCallbackSettings(
  config: GatewayConfig,
  corpId: string,
  sandboxMode: boolean,
): CallbackSettings | undefined {
  const maxAgeSeconds = config.callbackMaxAge;
  if (config.callbackToken !== undefined && config.callbackAesKey !== undefined) {
    return { token: config.callbackToken, encodingAESKey: config.callbackAesKey, corpId, maxAgeSeconds };
  }
  if (!sandboxMode) return undefined;
  return { token: randomAlphanumeric(32), encodingAESKey: randomAlphanumeric(43), corpId, maxAgeSeconds };
}

/**
 * Points the sandbox demo app's callback at this gateway. The sandbox verifies the URL first, as WeCom does; a
 * failure is logged, not fatal, since the gateway itself works without callbacks.
 */
export async function connectSandboxCallback(
  control: SandboxControl,
  gatewayUrl: string,
  settings: CallbackSettings,
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  const { DEMO_APP } = await import('@wecom-auth/sandbox');
  try {
    await control.setCallback({
      corpid: settings.corpId,
      agentId: DEMO_APP.agentId,
      url: `${gatewayUrl}/v1/callback`,
      token: settings.token,
      encodingAESKey: settings.encodingAESKey,
    });
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'sandbox callback setup failed');
  }
}
