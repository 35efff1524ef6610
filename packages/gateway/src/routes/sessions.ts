import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { LoginGuard } from '../edge/login-guard.js';
import { clientContextOf } from '../security-events/client-context.js';
import type { SessionService } from '../sessions/session-service.js';
import { accessTokenOf, requireAccessToken } from './access-token.js';
import {
  bearerSecurity,
  bodyErrorStatuses,
  errorResponses,
  loginBodySchema,
  noContentSchema,
  refreshBodySchema,
  sessionSchema,
} from './schemas.js';

export interface SessionRoutesOptions {
  /** Read per request: the session service exists once the store has been reached. */
  readonly sessions: () => SessionService;
  /** Logins per minute from one client address. */
  readonly loginRateLimit: number;
  /** What a login passes before it may spend a WeCom call (the code's shape, its corp's WeCom budget). */
  readonly guard: LoginGuard;
}

/** `POST /v1/sessions` (login), `POST /v1/sessions/refresh` and `DELETE /v1/sessions/current` (logout). */
export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (
  app,
  { sessions, loginRateLimit, guard },
) => {
  app.post(
    '/v1/sessions',
    {
      config: { rateLimit: { max: loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['sessions'],
        summary: 'Log in with a wx.qy.login code',
        description:
          'Exchanges the code with WeCom (with the token of `corpId`, or of the default corp), checks the user is an active employee of that corp and opens a session. When the user belongs to another corp this gateway serves, the answer is 409 corp_mismatch naming it: call wx.qy.login again and send the new code with that corpId. A code works once; a duplicate submission while the first is in flight shares its result, and a retry of the same request from the same client (address and User-Agent) within LOGIN_RETRY_WINDOW_SECONDS of a successful login is given the same session once more.',
        body: loginBodySchema,
        response: {
          201: sessionSchema,
          ...errorResponses(...bodyErrorStatuses, 401, 403, 409, 429, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const client = clientContextOf(request);
      await guard.admit(request.body, client);
      const session = await sessions().login({ ...request.body, client });
      guard.succeeded(session.employee.corpId, client);
      return reply.code(201).header('cache-control', 'no-store').send(session);
    },
  );

  app.post(
    '/v1/sessions/refresh',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Rotate the refresh token',
        description:
          "Returns a new access token and refresh token. Presenting an already-rotated refresh token revokes the whole session, except a repeat of the token the latest refresh replaced within REFRESH_REUSE_INTERVAL_SECONDS (two tabs at once, a retry after a lost answer), which is given that refresh's answer again.",
        body: refreshBodySchema,
        response: {
          200: sessionSchema,
          ...errorResponses(...bodyErrorStatuses, 401, 403, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const session = await sessions().refresh(request.body.refreshToken, clientContextOf(request));
      return reply.header('cache-control', 'no-store').send(session);
    },
  );

  app.delete(
    '/v1/sessions/current',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Log out',
        description:
          'Revokes the session: its access token stops verifying at once, here and on every instance.',
        security: bearerSecurity,
        // A DELETE may carry a body (wx.request sends an empty JSON one): a malformed one is refused.
        response: { 204: noContentSchema, ...errorResponses(...bodyErrorStatuses, 401, 503) },
      },
      preHandler: requireAccessToken(sessions),
    },
    async (request, reply) => {
      await sessions().revoke(accessTokenOf(request).sessionId, 'logout', clientContextOf(request));
      // The documented 204 body is null; Fastify sends a 204 without one.
      return reply.code(204).send(null);
    },
  );
};
