/** zod schemas of the HTTP API: they validate requests and describe the OpenAPI document. */
import { z } from 'zod';
import { type GatewayErrorCode, gatewayErrorCodes } from '../error-catalog.js';

export const errorBodySchema = z
  .object({
    error: z
      .enum(gatewayErrorCodes as readonly [GatewayErrorCode, ...GatewayErrorCode[]])
      .describe('Stable snake_case error code (docs/errors.md).'),
    message: z.string().describe('What happened and what to do.'),
    requestId: z.string(),
    wecom: z
      .object({ errcode: z.number(), errmsg: z.string() })
      .optional()
      .describe('Present when WeCom caused it.'),
    corpId: z
      .string()
      .optional()
      .describe('With corp_mismatch: the corp to log in to, with a new wx.qy.login code.'),
  })
  .describe('Error')
  // One named component that every error answer references, so a generated client has one error type.
  .meta({ id: 'ErrorBody' });

export const employeeSchema = z
  .object({
    userId: z.string(),
    corpId: z.string(),
    name: z.string(),
    departments: z.array(z.object({ id: z.number(), name: z.string().optional() }).readonly()).readonly(),
    mainDepartment: z.number().optional(),
    position: z.string().optional(),
    status: z.enum(['active', 'disabled', 'inactive', 'left', 'unknown']),
    avatar: z.string().optional(),
    gender: z.enum(['male', 'female']).optional(),
    email: z.string().optional(),
    mobile: z.string().optional(),
    openUserId: z
      .string()
      .optional()
      .describe('Third-party apps: the open_userid, the same across one service provider’s apps.'),
  })
  .readonly()
  .describe('Employee');

const clientRelayedSchema = z
  .object({
    value: z.string(),
    source: z
      .literal('client')
      .describe('Relayed by the client only: WeCom did not confirm it server to server.'),
  })
  .readonly();

/** `GET /v1/me`: the employee, with what this session disclosed that WeCom's user/get does not give. */
export const meSchema = z
  .object({
    ...employeeSchema.unwrap().shape,
    disclosed: z
      .object({ mobile: clientRelayedSchema.optional(), email: clientRelayedSchema.optional() })
      .readonly()
      .optional()
      .describe(
        "A mobile or email this session decrypted that user/get does not give (apps created after 2022-06-20): the client's word, for display and prefilling, never an identity. Absent in every other session of the employee, and dropped when WeCom reports a change of the employee.",
      ),
  })
  .readonly()
  .describe('EmployeeWithDisclosures');

export const sessionSchema = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().describe('Seconds.'),
    refreshToken: z.string(),
    refreshExpiresIn: z.number().describe('Seconds.'),
    employee: employeeSchema,
  })
  .readonly()
  .describe('Session');

export const loginBodySchema = z
  .object({
    code: z.string().min(1).max(512).describe('The code from wx.qy.login.'),
    corpId: z
      .string()
      .regex(/^w[wx][0-9a-zA-Z]{6,30}$/, 'must be a corp ID')
      .optional()
      .describe(
        'The corp to log in to, for a mini program associated with several corps: the one a corp_mismatch named. The default corp when absent.',
      ),
  })
  .strict();

export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(512) }).strict();

export const decryptBodySchema = z
  .object({
    encryptedData: z.string().min(1).max(65_536),
    iv: z.string().min(1).max(64),
    rawData: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        'From wx.qy.getEnterpriseUserInfo, with `signature`: checked against this session when sent.',
      ),
    signature: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('sha1(rawData + session_key), as WeCom gives it.'),
  })
  .strict()
  .refine((body) => (body.rawData === undefined) === (body.signature === undefined), {
    message: 'rawData and signature go together',
    path: ['signature'],
  });

const watermarkSchema = z.object({ appid: z.string(), timestamp: z.number() }).readonly();
const sourceSchema = z
  .enum(['wecom', 'client'])
  .describe(
    "`wecom`: user/get gives the same value. `client`: only the client relayed it (the client's word).",
  );

/** The answer of `POST /v1/me/decrypt`. */
export const decryptAnswerSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('mobile'),
      mobile: z.string(),
      source: sourceSchema,
      watermark: watermarkSchema,
    }),
    z.object({
      kind: z.literal('email'),
      email: z.string(),
      source: sourceSchema,
      watermark: watermarkSchema,
    }),
    z.object({
      kind: z.literal('enterprise_user_info'),
      corpid: z.string().describe("Always the session's corp."),
      userid: z.string().describe("Always the session's userid."),
      name: z.string().optional(),
      gender: z.union([z.literal(0), z.literal(1), z.literal(2)]),
      source: z.literal('client').describe("name and gender are the client's word."),
      watermark: watermarkSchema,
    }),
  ])
  .describe('DecryptedData');

export const bearerSecurity = [{ bearerAuth: [] }];

/** The statuses an error answer can have: those of the error catalog. */
export const errorStatuses = [400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503] as const;

/** One of {@link errorStatuses}. */
export type ErrorStatus = (typeof errorStatuses)[number];

/**
 * The error answers of an operation, each the {@link errorBodySchema} envelope: list exactly the statuses the
 * operation can answer, so that the document promises no more and no fewer than the code does. 500 (a bug) is
 * added to every operation; a route with a body adds 400, 413 and 415, which Fastify answers before the handler.
 *
 * @example
 * response: { 200: meSchema, ...errorResponses(401, 503) }
 */
export function errorResponses<const S extends ErrorStatus = never>(
  ...statuses: S[]
): Record<S | 500, typeof errorBodySchema> {
  return Object.fromEntries([...statuses, 500].map((status) => [status, errorBodySchema])) as Record<
    S | 500,
    typeof errorBodySchema
  >;
}

/** The error statuses of any request body: not JSON or invalid (400), too large (413), not JSON at all (415). */
export const bodyErrorStatuses = [400, 413, 415] as const;

/** An empty answer (204): documented without content (`type: 'null'`); nothing is serialized for it. */
export const noContentSchema = z.null().describe('No content.');

/** `GET /healthz`. */
export const healthSchema = z.object({ status: z.literal('ok') }).describe('Health');

const tokenStateSchema = z.object({
  fresh: z.boolean(),
  refreshing: z.boolean(),
  consecutiveFailures: z.number(),
});

/** `GET /readyz`: 200 when ready, 503 with the same body when not. */
export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    store: z.object({ kind: z.string(), status: z.enum(['ok', 'unavailable']) }),
    revocations: z.enum(['in_sync', 'resyncing']),
    wecomAccessToken: tokenStateSchema
      .optional()
      .describe('Self-built apps: the default corp’s WeCom access token (never the token).'),
    corps: z
      .record(z.string(), tokenStateSchema)
      .optional()
      .describe('Self-built apps: each served corp’s WeCom access token state.'),
    suite: z
      .object({
        suiteId: z.string(),
        ticket: z
          .enum(['fresh', 'expired', 'missing', 'unknown'])
          .describe('The newest suite_ticket: missing until WeCom pushed one to the instruction callback.'),
        ticketAgeSeconds: z.number().optional(),
        suiteAccessToken: tokenStateSchema,
        installedCorps: z.number(),
        installsInSync: z.boolean(),
      })
      .optional()
      .describe('Third-party apps: the suite_ticket, the suite_access_token state and the installs.'),
  })
  .describe('Readiness');

/** `GET /.well-known/jwks.json`: the public keys (RFC 7517) the access tokens are signed with. */
export const jwksSchema = z
  .object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })) })
  .describe('JWKS');

/** A plain-text answer (metrics, callback acknowledgements). */
export const plainTextSchema = z.string();
