/**
 * zod schemas of the admin API: they validate its requests and describe its OpenAPI document (each route's
 * `schema` takes them, as the public routes take those of routes/schemas.ts).
 */
import { SECURITY_EVENT_PAGE_LIMIT } from '@wecom-auth/store';
import { z } from 'zod';
import { securityEventTypes } from '../security-events/security-event.js';

const isoTime = z.string().describe('ISO 8601 time (UTC).');

/** A corp id or userid in a path: WeCom's identifiers are short; anything longer is refused, not looked up. */
const identifier = z.string().min(1).max(64);

export const employeePathSchema = z.object({ corpId: identifier, userid: identifier }).strict();

export const sessionPathSchema = z.object({ id: z.string().min(1).max(64) }).strict();

/** One live session as an operator sees it: never a token or key, only when and from where. */
export const adminSessionSchema = z
  .object({
    id: z.string().describe('The session id (`sid` of its access tokens).'),
    createdAt: isoTime,
    refreshedAt: isoTime.describe('When its refresh token was last rotated (createdAt at first).'),
    expiresAt: isoTime.describe('When it ends unless refreshed.'),
    userAgent: z.string().optional().describe('The User-Agent of the login that created it.'),
    clientIp: z.string().optional().describe('The client address of that login, as the login limit saw it.'),
  })
  .describe('AdminSession');

export const employeeSessionsSchema = z
  .object({
    corpId: z.string(),
    userId: z.string(),
    sessions: z.array(adminSessionSchema).describe('Every live session, oldest first.'),
  })
  .describe('EmployeeSessions');

export const revokedSessionsSchema = z
  .object({
    revoked: z.number().describe('How many live sessions were ended.'),
    sessionIds: z.array(z.string()),
  })
  .describe('RevokedSessions');

export const securityEventSchema = z
  .object({
    id: z.string().describe('Opaque, unique; a cursor.'),
    at: isoTime,
    type: z.enum(securityEventTypes),
    corpId: z.string().optional(),
    userId: z.string().optional(),
    sessionId: z.string().optional(),
    requestId: z.string().optional(),
    clientIp: z.string().optional(),
    reason: z
      .string()
      .optional()
      .describe(
        'login.refused: the error code; session.revoked: logout, leaver, disabled, rename, admin, reuse, uninstall; decrypt.refused, callback.refused: the error code; admin.denied: missing_token or wrong_token.',
      ),
  })
  .describe('SecurityEvent');

export const securityEventPageSchema = z
  .object({
    events: z.array(securityEventSchema).describe('Newest first.'),
    nextCursor: z
      .string()
      .optional()
      .describe(
        'Pass as `cursor` for older events; absent at the end. A filtered page may be short and still have one.',
      ),
  })
  .describe('SecurityEventPage');

/** `since`: an ISO time or epoch milliseconds. */
const sinceSchema = z
  .string()
  .max(40)
  .transform((value, context) => {
    const at = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
    if (Number.isFinite(at)) return at;
    context.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  });

export const eventQuerySchema = z
  .object({
    corpId: identifier.optional(),
    userid: identifier.optional(),
    type: z.enum(securityEventTypes).optional(),
    since: sinceSchema
      .optional()
      .describe('Only events at or after this time: ISO 8601, or epoch milliseconds.'),
    cursor: z.string().min(1).max(64).optional().describe('The `nextCursor` of the previous page.'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(SECURITY_EVENT_PAGE_LIMIT)
      .default(100)
      .describe(`Events per page, 1–${SECURITY_EVENT_PAGE_LIMIT}.`),
  })
  .strict();
