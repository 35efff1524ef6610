import { createHash } from 'node:crypto';
import { createCallbackCrypto, parseCallbackEnvelope, parseCallbackMessage } from '@wecom-auth/crypto';
import type { Store } from '@wecom-auth/store';
import type { FastifyPluginAsync } from 'fastify';
import { CallbackQueue } from '../callbacks/callback-queue.js';
import {
  checkFreshness,
  malformed,
  queryString,
  readSignedParameters,
  toCallbackError,
} from '../callbacks/callback-request.js';
import type { CallbackSettings } from '../callbacks/callback-settings.js';
import { ContactChangeApplier } from '../callbacks/contact-change-applier.js';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import type { RevocationMirror } from '../sessions/revocation-mirror.js';

export interface CallbackRoutesOptions {
  /** Where events are recorded before they are acknowledged, and the sessions a leaver's revocation ends. */
  readonly store: Pick<Store, 'inbox' | 'sessions'>;
  readonly directory: EmployeeDirectory;
  readonly revocations: RevocationMirror;
  readonly callback: CallbackSettings;
  readonly now?: () => number;
}

/** Callback bodies are a small XML envelope; anything larger is not from WeCom. */
const xmlBodyLimit = 64 * 1024;

/**
 * `GET|POST /v1/callback`: WeCom's contact-change callbacks (wecom-api.md §7). GET answers the URL verification
 * with the decrypted echostr; POST records the decrypted event in the store's inbox before answering an empty 200,
 * then applies it in the background, so an event acknowledged to WeCom survives a crash and a WeCom retry is
 * applied once.
 *
 * @example
 * ```ts
 * await app.register(callbackRoutes, {
 *   store,
 *   directory,
 *   revocations,
 *   callback: { token, encodingAESKey, corpId, maxAgeSeconds: 300 },
 * });
 * ```
 */
export const callbackRoutes: FastifyPluginAsync<CallbackRoutesOptions> = async (app, options) => {
  const { store, directory, revocations, callback } = options;
  const now = options.now ?? Date.now;
  const crypto = createCallbackCrypto({
    token: callback.token,
    encodingAESKey: callback.encodingAESKey,
    receiveId: callback.corpId,
  });
  const queue = new CallbackQueue({
    inbox: store.inbox,
    applier: new ContactChangeApplier({
      corpId: callback.corpId,
      sessions: store.sessions,
      directory,
      revocations,
      now,
    }),
    now,
    onApplied: (eventId, change) => app.log.info({ eventId, ...change }, 'callback applied'),
    onError: (error) =>
      app.log.warn({ code: (error as { code?: unknown }).code }, 'callback apply failed; will retry'),
  });
  app.addHook('onReady', async () => queue.start());
  app.addHook('onClose', async () => queue.stop());

  // Scoped to this plugin: the rest of the API stays JSON-only.
  app.addContentTypeParser(
    ['text/xml', 'application/xml'],
    { parseAs: 'string', bodyLimit: xmlBodyLimit },
    (_request, body, done) => done(null, body),
  );

  const schema = { tags: ['callbacks'], summary: 'WeCom contact-change callback' } as const;

  app.get('/v1/callback', { schema }, async (request, reply) => {
    const signed = readSignedParameters(request.query);
    const echostr = queryString(request.query, 'echostr');
    let plaintext: string;
    try {
      plaintext = crypto.verifyUrl({ ...signed, echostr });
    } catch (error) {
      throw toCallbackError(error);
    }
    checkFreshness(signed.timestamp, callback.maxAgeSeconds, now());
    // WeCom compares the body byte for byte: no quotes, no BOM, no newline.
    return reply.code(200).type('text/plain; charset=utf-8').send(plaintext);
  });

  app.post('/v1/callback', { schema }, async (request, reply) => {
    const signed = readSignedParameters(request.query);
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
    checkFreshness(signed.timestamp, callback.maxAgeSeconds, now());
    // The same event delivered again (a WeCom retry, a replay inside the window) has the same id.
    const id = createHash('sha256').update(message, 'utf8').digest('hex');
    const isNew = await store.inbox.record({ id, payload: message, receivedAt: now() });
    if (isNew) queue.wake();
    else request.log.debug({ eventId: id }, 'duplicate callback acknowledged');
    return reply.code(200).type('text/plain; charset=utf-8').send('');
  });
};
