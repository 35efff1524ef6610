/**
 * `callback-url`: a corp's contact-change callback, when configured. WeCom accepts a callback URL only once it has
 * answered a verification GET with the decrypted `echostr`; with `--public-url` the doctor sends that GET, sealed with
 * the corp's Token and EncodingAESKey exactly as WeCom seals it, to the address WeCom would call, from this host.
 */
import { verifyCallbackUrl } from '../callback-verification.js';
import { consolePaths } from '../console-paths.js';
import type { CheckOutcome, CorpCheck } from '../doctor-check.js';

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
    return verifyCallbackUrl(context, {
      url,
      route: '/v1/callback',
      token: callback.token,
      encodingAESKey: callback.encodingAESKey,
      receiveId: corp.corpId,
      notFound: `the gateway there has no callback for ${corp.corpId}, or the address is not the gateway.`,
      console: consolePaths.callback,
      fix: {
        text: `In the console, the URL must be ${url} with the Token and EncodingAESKey of ${corp.names.callback}.`,
        settings: [corp.names.callback],
        console: consolePaths.callback,
      },
    });
  },
};
