/**
 * The gateway's own errors. Every HTTP error body is `{ error, message, requestId, wecom? }` where `error` is one of
 * {@link GatewayErrorCode}: stable, snake_case, safe to branch on in the mini program. The status of each code is
 * bound once, in the catalog.
 */
import { type GatewayErrorCode, statusOf } from './error-catalog.js';

export {
  type GatewayErrorCode,
  type GatewayErrorEntry,
  gatewayErrorCatalog,
  gatewayErrorCodes,
} from './error-catalog.js';

/** What WeCom said, when WeCom caused the error. */
export interface WecomCause {
  readonly errcode: number;
  readonly errmsg: string;
}

/**
 * An error the gateway answers with its catalog status and the `{ error, message, requestId, wecom? }` body.
 *
 * @example
 * throw new GatewayError('store_unavailable', 'The session store is unavailable; retry shortly.', {
 *   retryAfterSeconds: 1,
 * });
 */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly statusCode: number;
  readonly wecom: WecomCause | undefined;
  /** Sent as `Retry-After` when set. */
  readonly retryAfterSeconds: number | undefined;
  /** The corp a `corp_mismatch` names: the one the client must log in to. Sent as `corpId` in the body. */
  readonly corpId: string | undefined;

  constructor(
    code: GatewayErrorCode,
    message: string,
    options: { wecom?: WecomCause; retryAfterSeconds?: number; corpId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = statusOf(code);
    this.wecom = options.wecom;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.corpId = options.corpId;
  }
}

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: GatewayErrorCode;
  readonly message: string;
  readonly requestId: string;
  readonly wecom?: WecomCause;
  /** With `corp_mismatch`: the corp to log in to. */
  readonly corpId?: string;
}
