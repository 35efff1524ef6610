/**
 * Maps errors of the WeCom client to the gateway's HTTP errors: a bad code is the user's to fix (401), WeCom
 * being busy or rate-limited is temporary (503 with Retry-After), anything else WeCom refused is a 502 whose message
 * carries the errcode hint for the operator.
 *
 * The client's hints speak of the WeCom app and its admin console; the settings of this gateway that feed them are
 * named here, where the message is built.
 */
import {
  type AnyWecomError,
  isWecomError,
  WecomApiError,
  WecomSuiteTicketMissingError,
} from '@wecom-auth/api';
import { StoreUnavailableError } from '@wecom-auth/store';
import { GatewayError } from '../gateway-error.js';

/** The settings behind the errcodes a setting causes (see docs/errors.md for the errcodes). */
const settingsByErrcode: ReadonlyMap<number, string> = new Map([
  [40001, 'WECOM_SECRET (or WECOM_SECRET_FILE)'],
  [40013, 'WECOM_CORP_ID'],
  [40091, 'WECOM_SECRET (or WECOM_SECRET_FILE) and WECOM_CORP_ID'],
  [41002, 'WECOM_CORP_ID'],
  [41004, 'WECOM_SECRET (or WECOM_SECRET_FILE)'],
  [48002, 'WECOM_SECRET (or WECOM_SECRET_FILE) and WECOM_MINIPROGRAM_APPID'],
  [40080, 'WECOM_SUITE_SECRET (or WECOM_SUITE_SECRET_FILE)'],
  [40083, 'WECOM_SUITE_ID'],
  [48003, 'WECOM_SUITE_ID and WECOM_SUITE_SECRET'],
]);

/** The settings behind a failed exchange: where the gateway sends its calls, and how long it waits. */
const settingsByCode: Partial<Record<AnyWecomError['code'], string>> = {
  http_status: 'WECOM_API_BASE',
  network: 'WECOM_API_BASE',
  malformed_response: 'WECOM_API_BASE',
  timeout: 'WECOM_API_BASE and WECOM_TIMEOUT_MS',
};

/** The client's hint, followed by the gateway settings to check when a setting can be the cause. */
function advice(error: AnyWecomError): string {
  const settings =
    error instanceof WecomApiError ? settingsByErrcode.get(error.errcode) : settingsByCode[error.code];
  return settings === undefined ? error.hint : `${error.hint} Gateway settings to check: ${settings}.`;
}

/** An IPv4 address, or an IPv6 one (at least two colons between hex groups). */
const addressPattern = /\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/gi;

/**
 * WeCom's `errmsg` as a client may read it: its text, without what the live service appends (`hint: […]`, `from ip:
 * <the gateway's egress address>`, a link), and without any address. The full text is for the operator's log: it
 * tells a stranger where the gateway calls WeCom from.
 *
 * @example
 * publicErrmsg('invalid code, hint: [1638944304340382735477502], from ip: 171.217.45.16, more info at https://…');
 * // 'invalid code'
 */
export function publicErrmsg(errmsg: string): string {
  const cut = errmsg.search(/,?\s*(?:hint:|from ip:|more info at)/i);
  return (cut < 0 ? errmsg : errmsg.slice(0, cut)).replace(addressPattern, '[address]').trim();
}

/** What WeCom answered, when it answered an errcode: a refused suite_ticket (40085) is one too. */
function wecomCauseOf(error: AnyWecomError): { errcode: number; errmsg: string } | undefined {
  if (error instanceof WecomApiError) return { errcode: error.errcode, errmsg: error.errmsg };
  if (error instanceof WecomSuiteTicketMissingError && error.errcode !== undefined)
    return { errcode: error.errcode, errmsg: error.errmsg ?? '' };
  return undefined;
}

export function toGatewayError(error: unknown): unknown {
  if (error instanceof GatewayError) return error;
  if (error instanceof StoreUnavailableError) {
    return new GatewayError('store_unavailable', 'The session store is unavailable; try again shortly.', {
      retryAfterSeconds: 1,
    });
  }
  if (!isWecomError(error)) return error;
  // The WeCom error stays the cause: the error handler logs its full errmsg, which the answer leaves out.
  const cause = wecomCauseOf(error);
  const wecom =
    cause === undefined ? undefined : { errcode: cause.errcode, errmsg: publicErrmsg(cause.errmsg) };
  const withWecom = wecom ? { wecom, cause: error } : {};
  switch (error.code) {
    case 'invalid_code':
      return new GatewayError('code_invalid', `The login code was refused. ${advice(error)}`, withWecom);
    case 'rate_limited':
      return new GatewayError('wecom_unavailable', `WeCom is rate-limiting this server. ${advice(error)}`, {
        ...withWecom,
        retryAfterSeconds: error.retryAfterSeconds,
      });
    case 'system_busy':
    case 'timeout':
    case 'network':
      return new GatewayError('wecom_unavailable', `WeCom is unavailable right now. ${advice(error)}`, {
        ...withWecom,
        retryAfterSeconds: 2,
      });
    case 'http_status':
      // A 5xx that outlived the retries is WeCom (or a proxy on the way) failing for now: temporary, like -1. Any
      // other status means the requests go somewhere wrong (WECOM_API_BASE, a proxy), which an operator must fix.
      if (error.status >= 500) {
        return new GatewayError('wecom_unavailable', `WeCom is unavailable right now. ${advice(error)}`, {
          retryAfterSeconds: 2,
        });
      }
      return new GatewayError('wecom_error', `WeCom refused the request. ${advice(error)}`, withWecom);
    case 'suite_ticket_missing':
      // Temporary by nature: WeCom pushes a ticket every 10 minutes, and logins resume with the first one stored.
      return new GatewayError(
        'wecom_unavailable',
        `${wecom === undefined ? 'This third-party app has no valid suite_ticket yet' : "WeCom refused this third-party app's newest suite_ticket"}, so it cannot log anyone in. WeCom pushes one every 10 minutes to the app's instruction callback URL, which must be https://<this gateway>/v1/suite/callback (provider console: the app > 回调配置 / callback settings > 指令回调URL, with WECOM_SUITE_TOKEN and WECOM_SUITE_AES_KEY as its Token and EncodingAESKey); the console's refresh-ticket button (刷新ticket) pushes one now.`,
        { ...withWecom, retryAfterSeconds: 30 },
      );
    case 'authorization_gone':
      // 40084 / 48004: the corp uninstalled the app (or its permanent code was reset); it must install it again.
      return new GatewayError(
        'corp_not_authorized',
        `This user's company no longer has the app installed (its authorisation is void). ${advice(error)}`,
        withWecom,
      );
    case 'malformed_response':
    case 'configuration':
    case 'access_token_invalid':
    case 'outside_visible_range':
    case 'wecom_api_error':
      return new GatewayError('wecom_error', `WeCom refused the request. ${advice(error)}`, withWecom);
  }
}
