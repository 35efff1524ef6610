import type { GatewayConfig } from '../config/load-config.js';

/** How the gateway receives WeCom callbacks (the app's "Receive Messages" API settings). */
export interface CallbackSettings {
  /** The callback Token (1-32 letters or digits). Secret. */
  readonly token: string;
  /** The 43-character EncodingAESKey. Secret. */
  readonly encodingAESKey: string;
  /** The corp the callbacks must be sealed for (the receiveId of self-built apps). */
  readonly corpId: string;
  /** Callbacks signed longer ago than this are refused; 0 disables the check. */
  readonly maxAgeSeconds: number;
}

/**
 * The callback settings the configuration holds, or undefined when it has none (callbacks off, unless sandbox mode
 * makes some up).
 */
export function configuredCallbackSettings(
  config: Pick<GatewayConfig, 'callbackToken' | 'callbackAesKey' | 'callbackMaxAge'>,
  corpId: string,
): CallbackSettings | undefined {
  if (config.callbackToken === undefined || config.callbackAesKey === undefined) return undefined;
  return {
    token: config.callbackToken,
    encodingAESKey: config.callbackAesKey,
    corpId,
    maxAgeSeconds: config.callbackMaxAge,
  };
}
