import type { SecurityEventLog, SessionRecord, StoredSecurityEvent } from '@wecom-auth/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { GatewayError } from '../gateway-error.js';
import { errorResponses, noContentSchema } from '../routes/schemas.js';
import { clientContextOf } from '../security-events/client-context.js';
import type { SecurityEventType } from '../security-events/security-event.js';
import { toGatewayError } from '../sessions/wecom-failure.js';
import {
  employeePathSchema,
  employeeSessionsSchema,
  eventQuerySchema,
  revokedSessionsSchema,
  securityEventPageSchema,
  sessionPathSchema,
} from './admin-schemas.js';
import type { SessionAdministration } from './session-administration.js';

/**
 * What the admin operations use.
 *
 * @example
 * await app.register(adminRoutes, { administration, events: store.events });
 */
export interface AdminRoutesOptions {
  readonly administration: SessionAdministration;
  readonly events: SecurityEventLog;
}

const adminSecurity = [{ adminToken: [] }];

function iso(at: number): string {
  return new Date(at).toISOString();
}

function toAdminSession(record: SessionRecord) {
  return {
    id: record.id,
    createdAt: iso(record.createdAt),
    refreshedAt: iso(record.refreshedAt),
    expiresAt: iso(record.expiresAt),
    ...(record.userAgent === undefined ? {} : { userAgent: record.userAgent }),
    ...(record.clientIp === undefined ? {} : { clientIp: record.clientIp }),
  };
}

function toAdminEvent({ at, type, ...rest }: StoredSecurityEvent) {
  return { ...rest, at: iso(at), type: type as SecurityEventType };
}

/** Store failures are 503 `store_unavailable`, as on the public port. */
function storeFailure(error: unknown): never {
  throw toGatewayError(error);
}

/**
 * The admin API's operations: one employee's live sessions (list, end all), one session (end), and the security
 * event log. Registered on the admin listener only, behind its token.
 *
 * @example
 * await adminApp.register(adminRoutes, { administration, events: store.events });
 */
export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (
  app,
  { administration, events },
) => {
  app.get(
    '/admin/v1/corps/:corpId/employees/:userid/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: "One employee's live sessions",
        description:
          'Every session of the employee that is neither revoked nor expired: when it began, was last refreshed and ends, and the client of the login that created it.',
        security: adminSecurity,
        params: employeePathSchema,
        response: { 200: employeeSessionsSchema, ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { corpId, userid } = request.params;
      const sessions = await administration.list(corpId, userid).catch(storeFailure);
      return { corpId, userId: userid, sessions: sessions.map(toAdminSession) };
    },
  );

  app.delete(
    '/admin/v1/corps/:corpId/employees/:userid/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: "End all of one employee's sessions",
        description:
          'What a leaver gets: every access token of these sessions is refused within a second on every instance, their refresh tokens are refused, and the mini program logs in again (or fails cleanly if the employee may not). One session.revoked event (reason admin) per session.',
        security: adminSecurity,
        params: employeePathSchema,
        response: { 200: revokedSessionsSchema, ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { corpId, userid } = request.params;
      const sessionIds = await administration
        .revokeAll(corpId, userid, clientContextOf(request))
        .catch(storeFailure);
      return { revoked: sessionIds.length, sessionIds };
    },
  );

  app.delete(
    '/admin/v1/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'End one session',
        description:
          'As ending all of an employee’s sessions, for one. 404 when no live session has this id.',
        security: adminSecurity,
        params: sessionPathSchema,
        response: { 204: noContentSchema, ...errorResponses(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const revoked = await administration
        .revokeOne(request.params.id, clientContextOf(request))
        .catch(storeFailure);
      if (!revoked) throw new GatewayError('session_not_found', 'No live session has this id.');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/v1/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The security event log',
        description:
          'Newest first, filtered by corp, employee, type and time, one page at a time: follow nextCursor until it is absent. Events carry no token, secret, code or session_key.',
        security: adminSecurity,
        querystring: eventQuerySchema,
        response: { 200: securityEventPageSchema, ...errorResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { corpId, userid, type, since, cursor, limit } = request.query;
      const page = await events
        .list({
          limit,
          ...(corpId === undefined ? {} : { corpId }),
          ...(userid === undefined ? {} : { userId: userid }),
          ...(type === undefined ? {} : { type }),
          ...(since === undefined ? {} : { since }),
          ...(cursor === undefined ? {} : { cursor }),
        })
        .catch(storeFailure);
      return {
        events: page.events.map(toAdminEvent),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
  );
};
