import {
  type CallbackCrypto,
  type CallbackMessage,
  callbackDeliveryId,
  createCallbackCrypto,
  parseCallbackEnvelope,
  parseCallbackMessage,
} from '@wecom-auth/crypto';
import type { Store } from '@wecom-auth/store';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CallbackQueue } from '../callbacks/callback-queue.js';
import {
  checkFreshness,
  DEFAULT_MAX_FUTURE_SKEW_SECONDS,
  malformed,
  readSignedParameters,
  toCallbackError,
} from '../callbacks/callback-request.js';
import type { CallbackSettings } from '../callbacks/callback-settings.js';
import { ContactChangeApplier } from '../callbacks/contact-change-applier.js';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import { GatewayError } from '../gateway-error.js';
import { clientContextOf } from '../security-events/client-context.js';
import type { SecurityEvents } from '../security-events/security-event.js';
import type { RevocationMirror } from '../sessions/revocation-mirror.js';

export interface CallbackRoutesOptions {
  /** Where events are recorded before they are acknowledged, and the sessions a leaver's revocation ends. */
  readonly store: Pick<Store, 'inbox' | 'sessions'>;
  readonly directory: EmployeeDirectory;
  readonly revocations: RevocationMirror;
  /** The callback of each corp that has one: verified with that corp's token and key, sealed for that corp. */
  readonly callbacks: readonly CallbackSettings[];
  /**
   * The corp of `/v1/callback` (no corp in the path), and of events recorded before corps were told apart; absent
   * when the tenants have no default corp (then `/v1/callback` is 404).
   */
  readonly defaultCorpId: string | undefined;
  /** How far ahead of this clock a callback's timestamp may be. Default {@link DEFAULT_MAX_FUTURE_SKEW_SECONDS}. */
  readonly maxFutureSkewSeconds?: number;
  readonly now?: () => number;
  /** Where refused callbacks and the revocations events cause are reported; nowhere when absent. */
  readonly events?: SecurityEvents;
  /** How often events that failed to apply are tried again. Default 5000 ms. */
  readonly retryIntervalMs?: number;
}

/** Callback bodies are a small XML envelope; anything larger is not from WeCom. */
const xmlBodyLimit = 64 * 1024;

/** One corp's callback: its settings and the crypto bound to its token, key and receiveId. */
interface CorpCallback {
  readonly settings: CallbackSettings;
  readonly crypto: CallbackCrypto;
}

/**
 * `GET|POST /v1/callback/{corpId}` (and `/v1/callback` for the default corp): WeCom's contact-change callbacks
 * (wecom-api.md §7), each corp's verified with its own token and key. GET answers the URL verification with the
 * decrypted echostr (only a string that looks like WeCom's echo, never a captured event); POST records the decrypted
 * event in the store's inbox, with its corp, before answering an empty 200, then applies it in the background, so an
 * event acknowledged to WeCom survives a crash and a WeCom retry of one delivery is applied once.
 *
 * @example
 * ```ts
 * await app.register(callbackRoutes, {
 *   store,
 *   directory,
 *   revocations,
 *   callbacks: [{ token, encodingAESKey, corpId, maxAgeSeconds: 300 }],
 *   defaultCorpId: corpId,
 * });
 * ```
 */
export const callbackRoutes: FastifyPluginAsync<CallbackRoutesOptions> = async (app, options) => {
  const { store, directory, revocations, defaultCorpId } = options;
  const now = options.now ?? Date.now;
  const maxFutureSkewSeconds = options.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS;
  const corps = new Map<string, CorpCallback>(
    options.callbacks.map((settings) => [
      settings.corpId,
      {
        settings,
        crypto: createCallbackCrypto({
          token: settings.token,
          encodingAESKey: settings.encodingAESKey,
          receiveId: settings.corpId,
        }),
      },
    ]),
  );
  const applier = new ContactChangeApplier({
    sessions: store.sessions,
    directory,
    revocations,
    now,
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  const queue = new CallbackQueue({
    inbox: store.inbox,
    async apply(event) {
      let message: CallbackMessage;
      try {
        message = parseCallbackMessage(event.payload);
      } catch (error) {
        // It parsed when it was recorded; if it no longer does, retrying cannot help.
        app.log.warn(
          { eventId: event.id, code: (error as { code?: unknown }).code },
          'callback unreadable; skipped',
        );
        return { kind: 'unreadable' };
      }
      // Events recorded by a release that served one corp carry none: they are the default corp's.
      const corpId = event.corpId ?? defaultCorpId;
      if (corpId === undefined) return { kind: 'no_corp' };
      return { ...(await applier.apply(message, corpId, event.receivedAt)) };
    },
    // A corp's events apply in order (a rename before a departure); another corp's do not wait for them.
    orderKey: (event) => event.corpId ?? defaultCorpId ?? '',
    now,
    ...(options.retryIntervalMs === undefined ? {} : { retryIntervalMs: options.retryIntervalMs }),
    onApplied: (eventId, change) => app.log.info({ eventId, ...change }, 'callback applied'),
    onError: (error, eventId) =>
      app.log.warn(
        { ...(eventId === undefined ? {} : { eventId }), code: (error as { code?: unknown }).code },
        'callback apply failed; will retry',
      ),
  });
  app.addHook('onReady', async () => queue.start());
  app.addHook('onClose', async () => queue.stop());

  // Scoped to this plugin: the rest of the API stays JSON-only.
  app.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: xmlBodyLimit },
    (_request, body, done) => done(null, body),
  );

  /** The callback of the corp in the path (the default corp without one); a corp without a callback is 404. */
  const corpOf = (request: FastifyRequest): CorpCallback => {
    const corpId = (request.params as { corpId?: string }).corpId ?? defaultCorpId;
    const corp = corpId === undefined ? undefined : corps.get(corpId);
    if (corp === undefined) throw new GatewayError('not_found', 'No callback is configured for this corp.');
    return corp;
  };

  const schema = { tags: ['callbacks'], summary: 'WeCom contact-change callback' } as const;

  const verifyUrl = async (request: FastifyRequest) => {
    const { settings, crypto } = corpOf(request);
    const signed = readSignedParameters(request.query, { echostr: true });
    let plaintext: string;
    try {
      plaintext = crypto.verifyUrl({ ...signed, echostr: signed.echostr ?? '' });
    } catch (error) {
      throw toCallbackError(error);
    }
    checkFreshness(signed.timestamp, { maxAgeSeconds: settings.maxAgeSeconds, maxFutureSkewSeconds }, now());
    return plaintext;
  };

  const receive = async (request: FastifyRequest) => {
    const { settings, crypto } = corpOf(request);
    const signed = readSignedParameters(request.query, { echostr: false });
    if (typeof request.body !== 'string') {
      throw malformed('The callback body must be the XML envelope (text/xml or application/xml).');
    }
    let message: string;
    try {
      const { encrypt } = parseCallbackEnvelope(request.body, { maxBytes: xmlBodyLimit });
      message = crypto.decrypt({ ...signed, encrypt }).message;
      parseCallbackMessage(message);
    } catch (error) {
      throw toCallbackError(error);
    }
    checkFreshness(signed.timestamp, { maxAgeSeconds: settings.maxAgeSeconds, maxFutureSkewSeconds }, now());
    // One delivery (WeCom's retries of it, a replay inside the window) has one id; two deliveries of the same
    // change (disable, enable, disable) have two, so a real repeat is never dropped as a duplicate.
    const id = `${settings.corpId}:${callbackDeliveryId(signed)}`;
    const isNew = await store.inbox.record({
      id,
      corpId: settings.corpId,
      payload: message,
      receivedAt: now(),
    });
    if (isNew) queue.wake();
    else request.log.debug({ eventId: id }, 'duplicate callback delivery acknowledged');
  };

  /** Reports a refused callback (bad signature, replay, malformed, unknown corp) and passes the error on. */
  const refused = (request: FastifyRequest) => (error: unknown) => {
    if (error instanceof GatewayError && error.statusCode < 500) {
      const corpId = (request.params as { corpId?: string }).corpId ?? defaultCorpId;
      options.events?.record({
        type: 'callback.refused',
        // A corp that is not configured is whatever the URL said: not recorded as a corp.
        corpId: corpId !== undefined && corps.has(corpId) ? corpId : undefined,
        reason: error.code,
        client: clientContextOf(request),
      });
    }
    throw error;
  };

  for (const url of ['/v1/callback', '/v1/callback/:corpId']) {
    app.get(url, { schema }, async (request, reply) => {
      const plaintext = await verifyUrl(request).catch(refused(request));
      // WeCom compares the body byte for byte: no quotes, no BOM, no newline.
      return reply.code(200).type('text/plain; charset=utf-8').send(plaintext);
    });
    app.post(url, { schema }, async (request, reply) => {
      await receive(request).catch(refused(request));
      return reply.code(200).type('text/plain; charset=utf-8').send('');
    });
  }
};
