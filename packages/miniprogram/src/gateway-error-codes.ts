// Generated from packages/gateway/src/error-catalog.ts by scripts/gateway-error-codes.mjs; do not edit.

/**
 * A stable error code of the gateway: the `error` field of its error bodies, listed in the gateway's error
 * catalog (docs/errors.md says what each means and what to do).
 */
export type GatewayErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'not_found'
  | 'rate_limited'
  | 'login_budget_exhausted'
  | 'code_invalid'
  | 'corp_unknown'
  | 'corp_mismatch'
  | 'not_a_member'
  | 'corp_not_authorized'
  | 'employee_inactive'
  | 'unauthorized'
  | 'token_expired'
  | 'token_invalid'
  | 'session_revoked'
  | 'refresh_token_invalid'
  | 'refresh_token_expired'
  | 'decrypt_failed'
  | 'watermark_mismatch'
  | 'watermark_expired'
  | 'signature_invalid'
  | 'disclosure_mismatch'
  | 'wecom_identifier_invalid'
  | 'wecom_error'
  | 'wecom_unavailable'
  | 'store_unavailable'
  | 'admin_unauthorized'
  | 'session_not_found'
  | 'callback_signature_invalid'
  | 'callback_expired'
  | 'callback_malformed'
  | 'internal_error';

/** Every {@link GatewayErrorCode}, in the catalog's order. */
export const GATEWAY_ERROR_CODES: readonly GatewayErrorCode[] = [
  'invalid_request',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'not_found',
  'rate_limited',
  'login_budget_exhausted',
  'code_invalid',
  'corp_unknown',
  'corp_mismatch',
  'not_a_member',
  'corp_not_authorized',
  'employee_inactive',
  'unauthorized',
  'token_expired',
  'token_invalid',
  'session_revoked',
  'refresh_token_invalid',
  'refresh_token_expired',
  'decrypt_failed',
  'watermark_mismatch',
  'watermark_expired',
  'signature_invalid',
  'disclosure_mismatch',
  'wecom_identifier_invalid',
  'wecom_error',
  'wecom_unavailable',
  'store_unavailable',
  'admin_unauthorized',
  'session_not_found',
  'callback_signature_invalid',
  'callback_expired',
  'callback_malformed',
  'internal_error',
];
