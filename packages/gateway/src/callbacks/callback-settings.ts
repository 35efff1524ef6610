import type { CorpConfig } from '../config/corps.js';

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
 * The callback settings of every corp that has a callback: each corp's callbacks are verified with its own token
 * and key and must be sealed for it (its corp id is the receiveId of a self-built app).
 */
export function callbackSettingsOf(corps: readonly CorpConfig[], maxAgeSeconds: number): CallbackSettings[] {
  return corps.flatMap((corp) =>
    corp.callback === undefined
      ? []
      : [
          {
            token: corp.callback.token,
            encodingAESKey: corp.callback.encodingAESKey,
            corpId: corp.corpId,
            maxAgeSeconds,
          },
        ],
  );
}
