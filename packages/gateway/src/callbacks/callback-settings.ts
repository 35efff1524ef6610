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
