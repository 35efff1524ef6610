/**
 * Delivers contact-change events to the apps' callback URLs as WeCom does (wecom-api.md §7): the event XML is
 * encrypted and signed with the app's Token and EncodingAESKey (receiveId = corpid), POSTed as the XML envelope
 * with `msg_signature`, `timestamp` and `nonce` in the query, and retried when the answer is not a 200 in time.
 * Every retry resends the same sealed message, as WeCom's do, so receivers can deduplicate.
 *
 * For tests of the receiving side, deliveries can be held back (an inbox backlog: they are sealed when the change
 * happens and sent, oldest first, on release) and any recorded delivery can be replayed byte for byte, optionally
 * with another `timestamp`/`nonce` under the same `msg_signature` (a captured request replayed, the digit-shift
 * attack on the signature's concatenation).
 */
import { randomInt } from 'node:crypto';
import {
  buildCallbackEnvelope,
  buildChangeContactXml,
  type ChangeContactEventInput,
  createCallbackCrypto,
} from '@wecom-auth/crypto';
import type { SandboxClock } from './clock.js';
import type { AppFixture, CorpFixture } from './directory-schema.js';

/** How deliveries are attempted. */
export interface CallbackDeliverySettings {
  /** Tries per event, the first included. Default 3. */
  attempts: number;
  /** Deadline of one try, in milliseconds. Default 5000. */
  timeoutMs: number;
  /** Pause before a retry, in milliseconds. Default 1000. */
  retryDelayMs: number;
}

export const DEFAULT_CALLBACK_DELIVERY: Readonly<CallbackDeliverySettings> = Object.freeze({
  attempts: 3,
  timeoutMs: 5_000,
  retryDelayMs: 1_000,
});

/** One event sent to one app (or one suite's instruction callback), as listed by `GET /__sandbox/callbacks`. */
export interface CallbackDelivery {
  id: number;
  /** ISO time on the sandbox clock when the event happened. */
  at: string;
  /** The corp the event is about; `null` for a `suite_ticket`, which is about no corp. */
  corpId: string | null;
  /** The receiving app; `null` for a suite's instruction callback (its envelope's AgentID is empty). */
  agentId: number | null;
  /** The suite of an instruction callback (指令回调), which is encrypted for it (receiveId = suite_id). */
  suiteId?: string;
  url: string;
  /**
   * The ChangeType (`update_user`, `delete_party`, …) or, for a suite, the InfoType (`suite_ticket`, `create_auth`, …).
   */
  event: string;
  userId?: string;
  departmentId?: number;
  /** The signed query parameters the request was (or, while held, will be) sent with. */
  timestamp: string;
  nonce: string;
  msgSignature: string;
  /** The `<Encrypt>` element of the body. */
  encrypt: string;
  /** The event XML before encryption. */
  message: string;
  attempts: number;
  /** HTTP status of the last try; `null` when it got no answer (refused, timed out). */
  lastStatus: number | null;
  lastError?: string;
  /** `held`: sealed but kept back until {@link CallbackDispatcher.release}. */
  state: 'held' | 'pending' | 'delivered' | 'failed';
}

/** Overrides of a replay; the `msg_signature` and body stay as delivered. */
export interface CallbackReplayOptions {
  timestamp?: string;
  nonce?: string;
}

/** The outcome of one replayed request (a single try, never retried). */
export interface CallbackReplay {
  deliveryId: number;
  timestamp: string;
  nonce: string;
  msgSignature: string;
  /** HTTP status of the answer; `null` when there was none. */
  status: number | null;
  error?: string;
}

/** The request of a delivery, kept so it can be sent later (held) or again (replayed). */
interface SealedRequest {
  url: string;
  body: string;
}

/** A message to seal and deliver: where, with which callback keys, and what the delivery log says it is about. */
export interface SealedMessageInput {
  callback: { url: string; token: string; encodingAESKey: string };
  /** The corpid (self-built apps) or suite_id (instruction callbacks) encrypted after the message. */
  receiveId: string;
  /** The envelope: `ToUserName` (corpid or SuiteId) and `AgentID` (empty for instruction callbacks). */
  envelope: { toUserName: string; agentId: number | '' };
  /** The plaintext XML. */
  message: string;
  /** Unix seconds of the event: the `timestamp` it is signed with. */
  createTime: number;
  label: Pick<CallbackDelivery, 'corpId' | 'agentId' | 'event' | 'userId' | 'departmentId' | 'suiteId'>;
  /** The answer body that acknowledges it (`success` for instruction callbacks); any body when absent. */
  expectBody?: string;
}

/** The outcome of a URL verification (the GET WeCom sends when a callback URL is saved). */
export interface CallbackVerification {
  verified: boolean;
  status: number | null;
  error?: string;
}

const deliveryLogLimit = 200;

function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : 'request failed';
}

function withQuery(url: string, query: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
  return target.toString();
}

export class CallbackDispatcher {
  private settings: CallbackDeliverySettings = { ...DEFAULT_CALLBACK_DELIVERY };
  private deliveries: CallbackDelivery[] = [];
  private readonly requests = new Map<number, SealedRequest>();
  private holding = false;
  private held: (() => Promise<CallbackDelivery>)[] = [];
  private nextId = 1;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();

  constructor(private readonly clock: SandboxClock) {}

  configure(settings: Partial<CallbackDeliverySettings>): CallbackDeliverySettings {
    this.settings = { ...this.settings, ...settings };
    return { ...this.settings };
  }

  list(): CallbackDelivery[] {
    return this.deliveries.map((delivery) => ({ ...delivery }));
  }

  /**
   * Sends `event` to each app; resolves with their deliveries once every first try is done (retries go on in the
   * background, see {@link flush}).
   */
  async deliver(
    corp: CorpFixture,
    apps: readonly AppFixture[],
    event: ChangeContactEventInput,
  ): Promise<CallbackDelivery[]> {
    const firstTries = apps.map((app) => this.deliverToApp(corp, app, event));
    return Promise.all(firstTries);
  }

  /** Resolves when no delivery (retries included) is under way. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Sends the URL verification GET and checks the answer is exactly the decrypted echostr. `receiveId` is the corpid
   * for an app's callback, the suite_id for a suite's instruction callback.
   */
  async verifyUrl(
    receiveId: string,
    callback: NonNullable<AppFixture['callback']>,
  ): Promise<CallbackVerification> {
    const crypto = createCallbackCrypto({ ...callback, receiveId });
    const echo = String(randomInt(1_000_000_000, 10_000_000_000));
    const sealed = crypto.encrypt(echo, { timestamp: this.clock.nowSeconds() });
    const url = withQuery(callback.url, {
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      echostr: sealed.encrypt,
    });
    try {
      const response = await fetch(url, { signal: this.signal() });
      const text = await response.text();
      if (response.status === 200 && text === echo) return { verified: true, status: 200 };
      return {
        verified: false,
        status: response.status,
        error: 'the answer was not exactly the decrypted echostr',
      };
    } catch (error) {
      return { verified: false, status: null, error: describeFailure(error) };
    }
  }

  /** From now on, deliveries are sealed and recorded but kept back until {@link release}. */
  hold(): void {
    this.holding = true;
  }

  /**
   * Stops holding and sends the held deliveries oldest first, each after the previous one's first try, as an
   * inbox backlog drains. Resolves with them after their first tries.
   */
  async release(): Promise<CallbackDelivery[]> {
    this.holding = false;
    const backlog = this.held;
    this.held = [];
    const sent: CallbackDelivery[] = [];
    for (const send of backlog) sent.push(await send());
    return sent;
  }

  /** Whether deliveries are being held back. */
  isHolding(): boolean {
    return this.holding;
  }

  /**
   * Sends delivery `id`'s request once more exactly as delivered — same URL, body and `msg_signature` — with
   * `timestamp` and `nonce` replaced when given. Returns `undefined` for an unknown id (or one no longer logged).
   */
  async replay(id: number, options: CallbackReplayOptions = {}): Promise<CallbackReplay | undefined> {
    const delivery = this.deliveries.find((candidate) => candidate.id === id);
    const request = this.requests.get(id);
    if (delivery === undefined || request === undefined) return undefined;
    const timestamp = options.timestamp ?? delivery.timestamp;
    const nonce = options.nonce ?? delivery.nonce;
    const url = withQuery(request.url, { msg_signature: delivery.msgSignature, timestamp, nonce });
    const replay: CallbackReplay = {
      deliveryId: id,
      timestamp,
      nonce,
      msgSignature: delivery.msgSignature,
      status: null,
    };
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: request.body,
        signal: this.signal(),
      });
      await response.arrayBuffer();
      replay.status = response.status;
    } catch (error) {
      replay.error = describeFailure(error);
    }
    return replay;
  }

  /** Stops every retry and aborts requests under way (the sandbox is closing). */
  close(): void {
    this.controller.abort();
  }

  reset(): void {
    this.deliveries = [];
    this.requests.clear();
    this.holding = false;
    this.held = [];
  }

  private signal(): AbortSignal {
    return AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
  }

  private deliverToApp(
    corp: CorpFixture,
    app: AppFixture,
    event: ChangeContactEventInput,
  ): Promise<CallbackDelivery> {
    const callback = app.callback;
    if (callback === undefined) throw new TypeError('the app has no callback');
    const createTime = this.clock.nowSeconds();
    return this.deliverSealed({
      callback,
      receiveId: corp.corpId,
      envelope: { toUserName: corp.corpId, agentId: app.agentId },
      message: buildChangeContactXml({ ...event, toUserName: corp.corpId, fromUserName: 'sys', createTime }),
      createTime,
      label: {
        corpId: corp.corpId,
        agentId: app.agentId,
        event: event.kind,
        ...('userId' in event && event.userId !== undefined ? { userId: event.userId } : {}),
        ...('id' in event && event.id !== undefined ? { departmentId: event.id } : {}),
      },
    });
  }

  /**
   * Seals `input.message` (encrypted and signed with the callback's keys), logs it and sends it — or holds it back
   * while holding. Resolves after the first try; retries go on in the background (see {@link flush}).
   */
  deliverSealed(input: SealedMessageInput): Promise<CallbackDelivery> {
    const crypto = createCallbackCrypto({ ...input.callback, receiveId: input.receiveId });
    const sealed = crypto.encrypt(input.message, { timestamp: input.createTime });
    const body = buildCallbackEnvelope({
      toUserName: input.envelope.toUserName,
      encrypt: sealed.encrypt,
      agentId: input.envelope.agentId,
    });
    const url = withQuery(input.callback.url, {
      msg_signature: sealed.msgSignature,
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
    });
    const id = this.nextId++;
    const { label } = input;
    const delivery: CallbackDelivery = {
      id,
      at: new Date(this.clock.nowMs()).toISOString(),
      corpId: label.corpId,
      agentId: label.agentId,
      ...(label.suiteId === undefined ? {} : { suiteId: label.suiteId }),
      url: input.callback.url,
      event: label.event,
      ...(label.userId === undefined ? {} : { userId: label.userId }),
      ...(label.departmentId === undefined ? {} : { departmentId: label.departmentId }),
      timestamp: sealed.timestamp,
      nonce: sealed.nonce,
      msgSignature: sealed.msgSignature,
      encrypt: sealed.encrypt,
      message: input.message,
      attempts: 0,
      lastStatus: null,
      state: this.holding ? 'held' : 'pending',
    };
    this.deliveries.push(delivery);
    this.requests.set(id, { url: input.callback.url, body });
    if (this.deliveries.length > deliveryLogLimit) {
      const dropped = this.deliveries.shift();
      if (dropped !== undefined) this.requests.delete(dropped.id);
    }
    const send = () => this.send(delivery, url, body, input.expectBody);
    if (this.holding) {
      this.held.push(send);
      return Promise.resolve({ ...delivery });
    }
    return send();
  }

  /** Tries `delivery` now; resolves after the first try, retries go on in the background. */
  private send(
    delivery: CallbackDelivery,
    url: string,
    body: string,
    expectBody: string | undefined,
  ): Promise<CallbackDelivery> {
    delivery.state = 'pending';

    const attempt = async (): Promise<boolean> => {
      delivery.attempts += 1;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          body,
          signal: this.signal(),
        });
        const answer = await response.text();
        delivery.lastStatus = response.status;
        // Instruction callbacks count only when answered with the literal "success" (wecom-api.md §7.2).
        const acknowledged = expectBody === undefined || answer === expectBody;
        if (response.status === 200 && acknowledged) {
          delete delivery.lastError;
          delivery.state = 'delivered';
          return true;
        }
        delivery.lastError =
          response.status === 200 ? `the answer was not "${expectBody ?? ''}"` : `HTTP ${response.status}`;
      } catch (error) {
        delivery.lastStatus = null;
        delivery.lastError = describeFailure(error);
      }
      if (delivery.attempts >= this.settings.attempts || this.controller.signal.aborted) {
        delivery.state = 'failed';
        return true;
      }
      return false;
    };

    const first = attempt();
    const retries = first.then(async (done) => {
      while (!done) {
        await this.pause(this.settings.retryDelayMs);
        done = await attempt();
      }
    });
    const tracked = retries.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return first.then(() => ({ ...delivery }));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.controller.signal.aborted) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, ms);
      this.controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
