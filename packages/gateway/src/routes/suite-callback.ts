import {
  callbackDeliveryId,
  createCallbackCrypto,
  InvalidXmlError,
  parseCallbackEnvelope,
  parseSuiteInstruction,
} from '@wecom-auth/crypto';
import type { InboxEvent, Store } from '@wecom-auth/store';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CallbackQueue } from '../callbacks/callback-queue.js';
import {
  checkFreshness,
  DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  malformed,
  readSignedParameters,
  toCallbackError,
} from '../callbacks/callback-request.js';
import type { SuiteInstructionApplier } from '../callbacks/suite-instruction-applier.js';
import { GatewayError } from '../gateway-error.js';
import { errorResponses, plainTextSchema } from './schemas.js';

/** The instruction callback's settings: the suite's Token and EncodingAESKey, the suite being the receiveId. */
export interface SuiteCallbackSettings {
  readonly suiteId: string;
  /** Secret. */
  readonly token: string;
  /** Secret. */
  readonly encodingAESKey: string;
  /** Callbacks signed longer ago than this are refused; 0 disables the check. */
  readonly maxAgeSeconds: number;
}

export interface SuiteCallbackRoutesOptions {
  readonly settings: SuiteCallbackSettings;
  /** Where instructions are recorded before they are acknowledged. */
  readonly store: Pick<Store, 'inbox'>;
  readonly applier: SuiteInstructionApplier;
  readonly maxFutureSkewSeconds?: number;
  readonly now?: () => number;
  /** How often instructions that failed to apply are tried again. Default 5000 ms. */
  readonly retryIntervalMs?: number;
}

/** Instruction bodies are a small XML envelope; anything larger is not from WeCom. */
const xmlBodyLimit = 64 * 1024;

/** What WeCom expects as the answer to every instruction: the literal `success`. */
const acknowledgement = 'success';

/**
 * The instructions of one corp apply in order (a change_auth, its contact changes). An exchange of an auth code
 * (create_auth, reset_permanent_code) depends on nothing stored before it, and must not wait behind anything: its
 * code expires in 10 minutes. So a corp whose instructions WeCom keeps refusing holds back only its own.
 */
function instructionOrderKey(event: InboxEvent): string {
  try {
    const instruction = parseSuiteInstruction(event.payload);
    if ('authCode' in instruction) return `event:${event.id}`;
    if (
      'authCorpId' in instruction &&
      typeof instruction.authCorpId === 'string' &&
      instruction.authCorpId !== ''
    )
      return `corp:${instruction.authCorpId}`;
  } catch {
    // It parsed when it was recorded; the apply step says what is wrong with it now.
  }
  return `event:${event.id}`;
}

/**
 * `GET|POST /v1/suite/callback`: a third-party app's instruction callback (指令回调), sealed with the suite's Token
 * and EncodingAESKey for receiveId = SuiteID. GET answers WeCom's URL verification with the decrypted echostr. POST
 * acts on the instruction before answering `success`: a `suite_ticket` is stored (the newest wins, shared by every
 * instance), a `cancel_auth` ends the corp's installation and sessions at once; the others (`create_auth`,
 * `change_auth`, `reset_permanent_code`, `change_contact`) need WeCom calls, so they are recorded durably and applied
 * in the background, answering WeCom within its one second. A WeCom retry of one delivery is applied once.
 *
 * @example
 * ```ts
 * await app.register(suiteCallbackRoutes, {
 *   settings: { suiteId, token, encodingAESKey, maxAgeSeconds: 300 },
 *   store,
 *   applier,
 * });
 * ```
 */
export const suiteCallbackRoutes: FastifyPluginAsync<SuiteCallbackRoutesOptions> = async (app, options) => {
  const { settings, store, applier } = options;
  const now = options.now ?? Date.now;
  const window = {
    maxAgeSeconds: settings.maxAgeSeconds,
    maxFutureSkewSeconds: options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  };
  const crypto = createCallbackCrypto({
    token: settings.token,
    encodingAESKey: settings.encodingAESKey,
    receiveId: settings.suiteId,
  });
  const queue = new CallbackQueue({
    inbox: store.inbox,
    apply: (event) => applier.apply(event),
    orderKey: instructionOrderKey,
    now,
    ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
    onApplied: (eventId, change) => app.log.info({ eventId, ...change }, 'suite instruction applied'),
    onError: (error, eventId) =>
      app.log.warn(
        {
          ...(eventId === undefined ? {} : { eventId }),
          code: (error as { code?: unknown }).code,
          errcode: (error as { errcode?: unknown }).errcode,
        },
        'suite instruction apply failed; will retry',
      ),
  });
  app.addHook('onReady', async () => queue.start());
  app.addHook('onClose', async () => queue.stop());
  app.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: xmlBodyLimit },
    (_request, body, done) => done(null, body),
  );

  const receive = async (request: FastifyRequest): Promise<void> => {
    const signed = readSignedParameters(request.query, { echostr: false });
    if (typeof request.body !== 'string') {
      throw malformed('The callback body must be the XML envelope (text/xml or application/xml).');
    }
    let message: string;
    let instruction: ReturnType<typeof parseSuiteInstruction>;
    try {
      const { encrypt } = parseCallbackEnvelope(request.body, { maxBytes: xmlBodyLimit });
      message = crypto.decrypt({ ...signed, encrypt }).message;
      instruction = parseSuiteInstruction(message);
    } catch (error) {
      if (error instanceof InvalidXmlError) throw malformed('The instruction is not one WeCom sends.');
      throw toCallbackError(error);
    }
    checkFreshness(signed.timestamp, window, now());
    if (instruction.suiteId !== settings.suiteId) {
      throw new GatewayError('callback_signature_invalid', 'The instruction is for another suite.');
    }
    const receivedAt = now();
    if (instruction.infoType === 'suite_ticket') {
      const outcome = await applier.offerTicket(
        instruction as Parameters<typeof applier.offerTicket>[0],
        receivedAt,
      );
      request.log.info(
        { suiteId: settings.suiteId, outcome, timeStamp: instruction.timeStamp },
        'suite_ticket received',
      );
      return;
    }
    if (instruction.infoType === 'cancel_auth' && 'authCorpId' in instruction && instruction.authCorpId) {
      // Applied before the answer: every session of the corp must end now, on every instance.
      const applied = await applier.uninstall(instruction.authCorpId, instruction.timeStamp);
      request.log.info({ suiteId: settings.suiteId, ...applied }, 'suite instruction applied');
      return;
    }
    const id = `suite:${settings.suiteId}:${callbackDeliveryId(signed)}`;
    const isNew = await store.inbox.record({ id, payload: message, receivedAt });
    if (isNew) queue.wake();
    else request.log.debug({ eventId: id }, 'duplicate instruction delivery acknowledged');
  };

  const schema = {
    tags: ['callbacks'],
    summary: 'Third-party app instruction callback (指令回调)',
  } as const;

  app.get(
    '/v1/suite/callback',
    { schema: { ...schema, response: { 200: plainTextSchema, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const signed = readSignedParameters(request.query, { echostr: true });
      let plaintext: string;
      try {
        plaintext = crypto.verifyUrl({ ...signed, echostr: signed.echostr ?? '' });
      } catch (error) {
        throw toCallbackError(error);
      }
      checkFreshness(signed.timestamp, window, now());
      // WeCom compares the body byte for byte: no quotes, no BOM, no newline.
      return reply.code(200).type('text/plain; charset=utf-8').send(plaintext);
    },
  );
  app.post(
    '/v1/suite/callback',
    { schema: { ...schema, response: { 200: plainTextSchema, ...errorResponses(400, 401, 413, 415, 503) } } },
    async (request, reply) => {
      await receive(request);
      return reply.code(200).type('text/plain; charset=utf-8').send(acknowledgement);
    },
  );
};
