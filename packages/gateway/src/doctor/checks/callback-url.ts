/**
 * `callback-url`: a corp's contact-change callback, when configured. WeCom accepts a callback URL only once it has
 * answered a verification GET with the decrypted `echostr`; with `--public-url` the doctor sends that GET, sealed with
 * the corp's Token and EncodingAESKey exactly as WeCom seals it, to the address WeCom would call, from this host.
 */
import { randomInt } from 'node:crypto';
import { createCallbackCrypto } from '@wecom-auth/crypto';
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, CorpCheck } from '../doctor-check.js';
import { describeFetchFailure } from '../wecom-probe.js';

export const callbackUrlCheck: CorpCheck = {
  id: 'callback-url',
  title: 'Callback URL',
  scope: 'corp',
  needs: ['configuration'],
  gatewayErrors: ['callback_signature_invalid', 'callback_expired', 'callback_malformed'],
  // Sandbox mode makes up a callback per start: there is nothing of the operator's to check.
  applies: (context, corp) => context.upstream.mode === 'wecom' && corp.config.callback !== undefined,
  async run(context, corp): Promise<CheckOutcome> {
    const callback = corp.config.callback;
    if (callback === undefined) return { verdict: 'skip', summary: 'No callback is configured.' };
    const publicUrl = context.input.publicUrl;
    if (publicUrl === undefined) {
      return {
        verdict: 'skip',
        summary:
          "Configured. Give --public-url https://<gateway> to check that it answers WeCom's verification from outside.",
      };
    }
    const url = `${publicUrl.replace(/\/+$/, '')}/v1/callback/${corp.corpId}`;
    const console = {
      text: `In the console, the URL must be ${url} with the Token and EncodingAESKey of ${corp.names.callback}.`,
      settings: [corp.names.callback],
      console: consolePaths.callback,
    };
    const crypto = createCallbackCrypto({ ...callback, receiveId: corp.corpId });
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
      response = await fetch(`${url}?${query}`, {
        signal: AbortSignal.timeout(context.config.wecomTimeoutMs),
      });
    } catch (error) {
      return {
        verdict: 'fail',
        summary: `${url} is not reachable from this host (${describeFetchFailure(error)}).`,
        fix: {
          text: 'Publish the gateway at this address over HTTPS (a reverse proxy to /v1/callback), reachable from the internet: WeCom calls it from its own servers.',
        },
      };
    }
    const text = await response.text();
    if (response.status === 200 && text === echo) {
      return {
        verdict: 'pass',
        summary: `${url} answers WeCom's verification with the decrypted echostr.`,
        details: [
          `Set this URL in the console, with the same Token and EncodingAESKey: ${consolePaths.callback.en}.`,
        ],
      };
    }
    if (response.status === 404) {
      return {
        verdict: 'fail',
        summary: `${url} answered 404: the gateway there has no callback for ${corp.corpId}, or the address is not the gateway.`,
        fix: console,
      };
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
        fix: console,
      };
    }
    return {
      verdict: 'fail',
      summary: `${url} answered ${response.status} without the decrypted echostr: WeCom would refuse the URL.`,
      fix: console,
    };
  },
};
