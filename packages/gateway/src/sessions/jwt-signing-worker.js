// @ts-check
/**
 * The worker thread of `JwtSigner` (jwt-signer.ts says why it exists): signs access tokens with jose.
 *
 * Plain JavaScript, type-checked from its JSDoc: a worker thread is started from a file as it is, and the same file
 * must run from the sources (tests) and from dist (production) with no TypeScript loader in the thread.
 */
import { parentPort } from 'node:worker_threads';
import { importJWK, SignJWT } from 'jose';

/** @typedef {import('./jwt-signer.js').SignerRequest} SignerRequest */
/** @typedef {import('./jwt-signer.js').SignerResponse} SignerResponse */
/** @typedef {import('./jwt-signer.js').SignJob} SignJob */
/** @typedef {{ kid: string; key: import('jose').CryptoKey | Uint8Array }} SigningKey */

if (!parentPort) throw new Error('jwt-signing-worker.js runs as a worker thread only');
const port = parentPort;

/**
 * The key for the batches that arrive from now on. A promise, because importing takes a turn: a batch takes the
 * promise current when it arrives, so it is signed with the key sent before it even if it arrives before the import
 * has finished.
 * @type {Promise<SigningKey> | undefined}
 */
let currentKey;

/**
 * @param {SigningKey} signingKey
 * @param {SignJob} job
 * @returns {Promise<string>}
 */
function sign(signingKey, { payload }) {
  return new SignJWT({ corp: payload.corp, sid: payload.sid })
    .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'JWT' })
    .setIssuer(payload.iss)
    .setAudience(payload.aud)
    .setSubject(payload.sub)
    .setJti(payload.jti)
    .setIssuedAt(payload.iat)
    .setExpirationTime(payload.exp)
    .sign(signingKey.key);
}

/**
 * @param {unknown} error
 * @returns {string} what went wrong, never the key or the claims.
 */
function describe(error) {
  return error instanceof Error ? error.name : 'signing failed';
}

port.on('message', (/** @type {SignerRequest} */ request) => {
  if (request.kind === 'key') {
    const { kid, privateJwk } = request;
    currentKey = importJWK(privateJwk, 'ES256').then((key) => ({ kid, key }));
    // A bad key fails the batches that use it, one by one; it must not end the thread as an unhandled rejection.
    currentKey.catch(() => {});
    return;
  }
  const { jobs } = request;
  const keyForBatch = currentKey ?? Promise.reject(new Error('NoSigningKey'));
  void keyForBatch
    .then((signingKey) => Promise.allSettled(jobs.map((job) => sign(signingKey, job))))
    .then(
      (outcomes) =>
        outcomes.map((outcome, index) => {
          const id = /** @type {SignJob} */ (jobs[index]).id;
          return outcome.status === 'fulfilled'
            ? { id, token: outcome.value }
            : { id, error: describe(outcome.reason) };
        }),
      (error) => jobs.map(({ id }) => ({ id, error: describe(error) })),
    )
    .then((results) => port.postMessage(/** @type {SignerResponse} */ ({ kind: 'signed', results })));
});
