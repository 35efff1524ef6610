/**
 * One HTTP exchange with WeCom as an undici dispatch handler: the answer's status, `Content-Type` and body, collected
 * straight from the dispatcher's callbacks.
 *
 * `undici.request()` wraps every answer in a Node stream (and an async resource, and an abort listener) so that a
 * caller can read the body at its own pace. A WeCom answer is a few hundred bytes of JSON read whole at once, so that
 * machinery was most of what the client itself cost per call; the handler keeps only what the transport needs.
 */
import type { Dispatcher } from 'undici';

/** What one exchange produced; the transport turns it into a `TransportResponse`. */
export interface ExchangeAnswer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/**
 * Collects one answer. `settle` is called exactly once: with the answer, or with undici's error (which carries its
 * own `code`). A body past `maxBodyBytes` ends the exchange with what was read so far, which then fails as malformed
 * JSON, never as a partial success.
 */
export class UndiciExchange implements Dispatcher.DispatchHandler {
  readonly #maxBodyBytes: number;
  readonly #settle: (error: Error | undefined, answer: ExchangeAnswer | undefined) => void;
  #controller: Dispatcher.DispatchController | undefined;
  /** Set when the exchange was ended from outside (the deadline) before undici had started it. */
  #abortReason: Error | undefined;
  #status = 0;
  #contentType: string | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  #settled = false;

  constructor(
    maxBodyBytes: number,
    settle: (error: Error | undefined, answer: ExchangeAnswer | undefined) => void,
  ) {
    this.#maxBodyBytes = maxBodyBytes;
    this.#settle = settle;
  }

  /** Ends the exchange (the deadline passed); undici reports it through `onResponseError`, which is then ignored. */
  abort(reason: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#controller) this.#controller.abort(reason);
    else this.#abortReason = reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason) controller.abort(this.#abortReason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.#status = statusCode;
    const contentType = headers['content-type'];
    this.#contentType = Array.isArray(contentType) ? contentType[0] : contentType;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    if (this.#size > this.#maxBodyBytes) {
      this.#finish();
      controller.abort(new Error('the answer exceeds the size limit'));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(error, undefined);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    const chunks = this.#chunks;
    const body =
      chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.#chunks = [];
    this.#settle(undefined, { status: this.#status, contentType: this.#contentType, body });
  }
}
