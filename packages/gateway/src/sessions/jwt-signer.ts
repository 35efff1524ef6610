/**
 * Signs access tokens with jose on a worker thread of their own.
 *
 * jose signs through WebCrypto. On Node, a WebCrypto ECDSA signature costs the calling thread far more than the
 * elliptic-curve arithmetic itself: argument normalisation, key checks, a job handed to the thread pool and its
 * promise, then the JWT's JSON and base64url around it. Measured under login load, signing on the event loop took
 * about a quarter of a login's CPU there, and the event loop is what limits how many logins one process serves. On a
 * thread of its own that work runs beside the event loop instead of on it; the loop only posts the claims and gets
 * the token back, for all the tokens asked for in one turn in one message each way.
 *
 * The private key is sent to the worker, inside this process, and is never sent anywhere else. If the worker dies,
 * the tokens it owed are refused with an error and the next signature starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { JWK } from 'jose';

/** The claims of one access token, as they go into the JWT. */
export interface AccessTokenPayload {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly corp: string;
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** One token to sign. */
export interface SignJob {
  readonly id: number;
  readonly payload: AccessTokenPayload;
}

/** Messages to the worker, in order: a batch is signed with the last key sent before it. */
export type SignerRequest =
  | { readonly kind: 'key'; readonly kid: string; readonly privateJwk: JWK }
  | { readonly kind: 'sign'; readonly jobs: readonly SignJob[] };

/** The worker's answer to one `sign` batch. */
export interface SignerResponse {
  readonly kind: 'signed';
  readonly results: readonly (
    | { readonly id: number; readonly token: string }
    | { readonly id: number; readonly error: string }
  )[];
}

interface Waiter {
  readonly resolve: (token: string) => void;
  readonly reject: (error: Error) => void;
}

const workerUrl = new URL('./jwt-signing-worker.js', import.meta.url);
/** How long close() waits for the tokens it still owes: a signature takes well under a millisecond. */
const closeGraceMs = 5_000;

export class JwtSigner {
  #key: { readonly kid: string; readonly privateJwk: JWK } | undefined;
  #worker: Worker | undefined;
  #batch: SignJob[] = [];
  /** The tokens asked for and not delivered yet, by job id. */
  readonly #waiting = new Map<number, Waiter>();
  /** Called once nothing is owed any more, while close() waits for that. */
  #onSettledAll: (() => void) | undefined;
  #nextId = 0;
  #closed = false;

  /** Signs with this key from now on (tokens asked for earlier keep the key they were asked with). */
  setKey(kid: string, privateJwk: JWK): void {
    this.#key = { kid, privateJwk };
    // Tokens already asked for in this turn go out first, so they are signed with the key they were asked with.
    this.#post();
    this.#worker?.postMessage({ kind: 'key', kid, privateJwk } satisfies SignerRequest);
  }

  /** The signed JWT (ES256, with the `kid` of the current key). */
  sign(payload: AccessTokenPayload): Promise<string> {
    if (this.#closed) return Promise.reject(new Error('JwtSigner: closed'));
    if (!this.#key) return Promise.reject(new Error('JwtSigner: no signing key set'));
    this.#worker ??= this.#start(this.#key);
    const id = ++this.#nextId;
    // The tokens asked for in this turn of the event loop go to the worker in one message, in the check phase that
    // follows the poll phase where the logins' answers from WeCom were read (as the group commit batches writes).
    if (this.#batch.length === 0) setImmediate(() => this.#post());
    this.#batch.push({ id, payload });
    return new Promise<string>((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  /**
   * Refuses new tokens, delivers the ones already asked for (logins under way when the gateway stops; waiting
   * {@link closeGraceMs} at most), then stops the worker.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#post();
    if (this.#waiting.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeGraceMs);
        this.#onSettledAll = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
    this.#failAll(new Error('JwtSigner: closed'));
  }

  #post(): void {
    const jobs = this.#batch;
    this.#batch = [];
    if (jobs.length === 0) return;
    if (!this.#worker) {
      for (const job of jobs) this.#settle(job.id, { error: 'the signing worker stopped' });
      return;
    }
    this.#worker.postMessage({ kind: 'sign', jobs } satisfies SignerRequest);
  }

  #start(key: { readonly kid: string; readonly privateJwk: JWK }): Worker {
    const worker = new Worker(workerUrl);
    // The worker must not keep a process alive that has nothing else to do (a CLI command, a test run).
    worker.unref();
    worker.postMessage({ kind: 'key', ...key } satisfies SignerRequest);
    worker.on('message', (response: SignerResponse) => {
      for (const result of response.results) this.#settle(result.id, result);
    });
    const stopped = (reason: string): void => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(new Error(`JwtSigner: the signing worker stopped (${reason})`));
    };
    worker.on('error', (error) => stopped(error.message));
    worker.on('exit', (code) => stopped(`exit code ${code}`));
    return worker;
  }

  #settle(id: number, result: { readonly token: string } | { readonly error: string }): void {
    const waiter = this.#waiting.get(id);
    if (!waiter) return;
    this.#waiting.delete(id);
    if ('token' in result) waiter.resolve(result.token);
    else waiter.reject(new Error(`JwtSigner: ${result.error}`));
    if (this.#waiting.size === 0) this.#onSettledAll?.();
  }

  #failAll(error: Error): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    this.#batch = [];
    for (const waiter of waiting) waiter.reject(error);
    this.#onSettledAll?.();
  }
}
