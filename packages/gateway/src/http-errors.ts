/**
 * Turns anything thrown while handling a request into the gateway's error body. Fastify's own client errors
 * (bad JSON, wrong media type, oversized body) and zod validation failures become 4xx with stable codes;
 * WeCom and store failures are mapped by `toGatewayError`; only a genuine bug is a 500.
 */
import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { GatewayError, type GatewayErrorCode } from './gateway-error.js';
import { toGatewayError } from './sessions/wecom-failure.js';

const fastifyCodes: Readonly<Record<string, [GatewayErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'invalid_request',
    'The Content-Length header does not match the body.',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
  FST_ERR_INVALID_URL: ['invalid_request', 'The URL is malformed.'],
  FST_ERR_BAD_URL: ['invalid_request', 'The URL is malformed.'],
  FST_ERR_ASYNC_CONSTRAINT: ['invalid_request', 'The request could not be routed.'],
};

export function toHttpError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation
      .map(
        (issue) =>
          `${issue.instancePath ? issue.instancePath.slice(1).replaceAll('/', '.') : (error.validationContext ?? 'request')}: ${issue.message}`,
      )
      .join('; ');
    return new GatewayError('invalid_request', `The request is invalid: ${details}.`);
  }
  const mapped = toGatewayError(error);
  if (mapped instanceof GatewayError) return mapped;
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? fastifyCodes[fastifyError.code] : undefined;
  if (known) return new GatewayError(known[0], known[1]);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
    return new GatewayError('invalid_json', 'The body is not valid JSON.');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError(status === 429 ? 'rate_limited' : 'invalid_request', 'The request is invalid.');
  }
  return new GatewayError('internal_error', 'An internal error occurred; it has been logged.', {
    cause: error,
  });
}
