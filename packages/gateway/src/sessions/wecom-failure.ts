/**
 * Maps errors of the WeCom client to the gateway's HTTP errors: a bad code is the user's to fix (401), WeCom
 * being busy or rate-limited is temporary (503 with Retry-After), anything else WeCom refused is a 502 whose message
 * carries the errcode hint for the operator.
 */
import {
  WecomApiError,
  WecomError,
  type WecomHttpStatusError,
  type WecomRateLimitError,
} from '@wecom-auth/api';
import { StoreUnavailableError } from '@wecom-auth/store';
import { GatewayError } from '../gateway-error.js';

export function toGatewayError(error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  if (error instanceof StoreUnavailableError) {
    return new GatewayError('store_unavailable', 'The session store is unavailable; try again shortly.', {
      retryAfterSeconds: 1,
    });
  }
  if (!(error instanceof WecomError)) return error;
  const wecom = error instanceof WecomApiError ? { errcode: error.errcode, errmsg: error.errmsg } : undefined;
  const withWecom = wecom ? { wecom } : {};
  switch (error.code) {
    case 'invalid_code':
      return new GatewayError('code_invalid', `The login code was refused. ${error.hint}`, withWecom);
    case 'rate_limited':
      return new GatewayError('wecom_unavailable', `WeCom is rate-limiting this server. ${error.hint}`, {
        ...withWecom,
        retryAfterSeconds: (error as WecomRateLimitError).retryAfterSeconds,
      });
    case 'system_busy':
    case 'timeout':
    case 'network':
      return new GatewayError('wecom_unavailable', `WeCom is unavailable right now. ${error.hint}`, {
        ...withWecom,
        retryAfterSeconds: 2,
      });
    case 'http_status':
      // A 5xx that outlived the retries is WeCom (or a proxy on the way) failing for now: temporary, like -1. Any
      // other status means the requests go somewhere wrong (WECOM_API_BASE, a proxy), which an operator must fix.
      if ((error as WecomHttpStatusError).status >= 500) {
        return new GatewayError('wecom_unavailable', `WeCom is unavailable right now. ${error.hint}`, {
          retryAfterSeconds: 2,
        });
      }
      return new GatewayError('wecom_error', `WeCom refused the request. ${error.hint}`, withWecom);
    case 'malformed_response':
    case 'configuration':
    case 'access_token_invalid':
    case 'wecom_api_error':
      return new GatewayError('wecom_error', `WeCom refused the request. ${error.hint}`, withWecom);
  }
}
