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
  .describe('Error');

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

export const errorResponses = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  409: errorBodySchema,
  429: errorBodySchema,
  502: errorBodySchema,
  503: errorBodySchema,
};
