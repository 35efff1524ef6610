import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import { GatewayError } from '../gateway-error.js';
import { clientContextOf } from '../security-events/client-context.js';
import type { SecurityEvents } from '../security-events/security-event.js';
import type { SessionService } from '../sessions/session-service.js';
import { toGatewayError } from '../sessions/wecom-failure.js';
import { accessTokenOf, requireAccessToken } from './access-token.js';
import {
  bearerSecurity,
  bodyErrorStatuses,
  decryptAnswerSchema,
  decryptBodySchema,
  errorResponses,
  meSchema,
} from './schemas.js';

export interface MeRoutesOptions {
  /** Read per request: the session service exists once the store has been reached. */
  readonly sessions: () => SessionService;
  readonly directory: EmployeeDirectory;
  /** Where a refused decryption is reported. */
  readonly events: SecurityEvents;
}

/** `GET /v1/me` and `POST /v1/me/decrypt`: the logged-in employee and the data they disclose. */
export const meRoutes: FastifyPluginAsyncZod<MeRoutesOptions> = async (
  app,
  { sessions, directory, events },
) => {
  const preHandler = requireAccessToken(sessions);
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['employee'],
        summary: 'The logged-in employee',
        description:
          "From the profile cache, else WeCom user/get; `disclosed` holds a mobile or email this session decrypted that user/get does not give, marked as the client's word.",
        security: bearerSecurity,
        response: { 200: meSchema, ...errorResponses(401, 403, 502, 503) },
      },
      preHandler,
    },
    async (request) => {
      const claims = accessTokenOf(request);
      const { corpId, userId, sessionId } = claims;
      return directory.forSession({ corpId, userId, sessionId }).catch((error: unknown) => {
        throw toGatewayError(error);
      });
    },
  );

  app.post(
    '/v1/me/decrypt',
    {
      schema: {
        tags: ['employee'],
        summary: 'Decrypt wx.qy.getMobile / getEmail / getEnterpriseUserInfo data',
        description:
          "Decrypts with this session's WeCom session_key, which never leaves the server; checks the watermark's appid and age, rawData and signature when sent, and compares the data with what WeCom attests: user info must name the session's corp and userid, a mobile or email user/get gives must be that one (else 403 disclosure_mismatch). A value user/get does not give is answered with `source: 'client'` and shown in this session's /v1/me under `disclosed`, never in /v1/verify headers.",
        security: bearerSecurity,
        body: decryptBodySchema,
        response: {
          200: decryptAnswerSchema,
          ...errorResponses(...bodyErrorStatuses, 401, 403, 502, 503),
        },
      },
      preHandler,
    },
    async (request, reply) => {
      const { encryptedData, iv, rawData, signature } = request.body;
      const claims = accessTokenOf(request);
      const data = await sessions()
        .decrypt(claims, { encryptedData, iv, rawData, signature })
        .catch((error: unknown) => {
          // The data's own faults (undecryptable, another mini program, stale, contradicting WeCom), not the store's.
          if (error instanceof GatewayError && error.statusCode < 500) {
            events.record({
              type: 'decrypt.refused',
              corpId: claims.corpId,
              userId: claims.userId,
              sessionId: claims.sessionId,
              reason: error.code,
              client: clientContextOf(request),
            });
          }
          throw error;
        });
      return reply.header('cache-control', 'no-store').send(data);
    },
  );
};
