/**
 * WeCom's URL verification, as the doctor sends it: WeCom accepts a callback URL only once it has answered a GET
 * carrying an `echostr` sealed with the Token and EncodingAESKey (for a receiveId: the corp, or a third-party app's
 * SuiteID) with the decrypted `echostr`. The doctor seals it exactly as WeCom does and sends it to the address WeCom
 * would call, from this host, for the contact callbacks (`callback-url`) and the instruction callback
 * (`suite-callback`) alike.
 */
import { randomInt } from 'node:crypto';
import { createCallbackCrypto } from '@wecom-auth/crypto';
import type { CheckOutcome, ConsolePath, Fix } from './doctor-check.js';
import type { DoctorContext } from './doctor-context.js';
import { describeFetchFailure } from './wecom-probe.js';

/** One callback URL to verify, and the words for what its answers mean. */
export interface CallbackVerification {
  /** The URL WeCom calls (`<public-url>/v1/callback/<corpId>`, `<public-url>/v1/suite/callback`). */
  readonly url: string;
  /** The gateway's route a reverse proxy must pass on: `/v1/callback`, `/v1/suite/callback`. */
  readonly route: string;
  /** The Token and EncodingAESKey WeCom seals with. Secret: they never appear in an outcome. */
  readonly token: string;
  readonly encodingAESKey: string;
  /** The corp ID, or a third-party app's SuiteID. */
  readonly receiveId: string;
  /** The end of the summary of a 404 (after "answered 404: "). */
  readonly notFound: string;
  /** Where the URL is set in the console, named when it passes. */
  readonly console: ConsolePath;
  /** What to set when the gateway there refuses the verification or does not answer it. */
  readonly fix: Fix;
}

/**
 * Sends WeCom's verification GET to `verification.url` and judges the answer: the decrypted echostr passes;
 * unreachable, `404`, `callback_signature_invalid`, `callback_malformed` and `callback_expired` fail, each saying why.
 *
 * @example
 * const outcome = await verifyCallbackUrl(context, {
 *   url,
 *   token,
 *   encodingAESKey,
 *   receiveId: suiteId,
 *   notFound,
 *   console,
 *   fix,
 * });
 */
export async function verifyCallbackUrl(
  context: DoctorContext,
  verification: CallbackVerification,
): Promise<CheckOutcome> {
  const { url, fix } = verification;
  const crypto = createCallbackCrypto({
    token: verification.token,
    encodingAESKey: verification.encodingAESKey,
    receiveId: verification.receiveId,
  });
  const echo = String(randomInt(1_000_000_000, 10_000_000_000));
  const sealed = crypto.encrypt(echo, { timestamp: Math.floor(context.now() / 1000) });
  const query = new URLSearchParams({
    msg_signature: sealed.msgSignature,
    timestamp: sealed.timestamp,
    nonce: sealed.nonce,
    echostr: sealed.encrypt,
  });
  let response: Response;
  try {
    response = await fetch(`${url}?${query}`, { signal: AbortSignal.timeout(context.config.wecomTimeoutMs) });
  } catch (error) {
    return {
      verdict: 'fail',
      summary: `${url} is not reachable from this host (${describeFetchFailure(error)}).`,
      fix: {
        text: `Publish the gateway at this address over HTTPS (a reverse proxy to ${verification.route}), reachable from the internet: WeCom calls it from its own servers.`,
      },
    };
  }
  const text = await response.text();
  if (response.status === 200 && text === echo) {
    return {
      verdict: 'pass',
      summary: `${url} answers WeCom's verification with the decrypted echostr.`,
      details: [
        `Set this URL in the ${verification.console.site === 'provider' ? 'provider console' : 'console'}, with the same Token and EncodingAESKey: ${verification.console.en}.`,
      ],
    };
  }
  if (response.status === 404) {
    return { verdict: 'fail', summary: `${url} answered 404: ${verification.notFound}`, fix };
  }
  let error: unknown;
  try {
    error = (JSON.parse(text) as { error?: unknown }).error;
  } catch {
    error = undefined;
  }
  if (error === 'callback_expired') {
    return {
      verdict: 'fail',
      summary: `${url} found the verification too old (callback_expired): the gateway's clock and this host's disagree.`,
      fix: {
        text: 'Synchronise the clocks of the gateway hosts (NTP).',
        settings: ['CALLBACK_MAX_AGE_SECONDS'],
      },
    };
  }
  if (error === 'callback_signature_invalid' || error === 'callback_malformed') {
    return {
      verdict: 'fail',
      summary: `${url} refused the verification (${error}): the gateway there has another Token or EncodingAESKey than this configuration.`,
      fix,
    };
  }
  return {
    verdict: 'fail',
    summary: `${url} answered ${response.status} without the decrypted echostr: WeCom would refuse the URL.`,
    fix,
  };
}
