import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EmployeeDirectory } from '../employees/employee-directory.js';
import type { SessionService } from '../sessions/session-service.js';
import { toGatewayError } from '../sessions/wecom-failure.js';
import { accessTokenOf, requireAccessToken } from './access-token.js';
import { bearerSecurity, decryptBodySchema, employeeSchema, errorResponses } from './schemas.js';

export interface MeRoutesOptions {
  /** Read per request: the session service exists once the store has been reached. */
  readonly sessions: () => SessionService;
  readonly directory: EmployeeDirectory;
}

/** `GET /v1/me` and `POST /v1/me/decrypt`: the logged-in employee and the data they disclose. */
export const meRoutes: FastifyPluginAsyncZod<MeRoutesOptions> = async (app, { sessions, directory }) => {
  const preHandler = requireAccessToken(sessions);
  app.get(
    '/v1/me',
    {
      schema: {
        tags: ['employee'],
        summary: 'The logged-in employee',
        description:
          'From the profile cache, else WeCom user/get; includes a mobile or email the employee disclosed.',
        security: bearerSecurity,
        response: { 200: employeeSchema, ...errorResponses },
      },
      preHandler,
    },
    async (request) => {
      const claims = accessTokenOf(request);
      return directory.get(claims.corpId, claims.userId).catch((error: unknown) => {
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
          "Decrypts with this session's WeCom session_key, which never leaves the server, and checks watermark.appid.",
        security: bearerSecurity,
        body: decryptBodySchema,
        response: { 200: z.record(z.string(), z.unknown()), ...errorResponses },
      },
      preHandler,
    },
    async (request, reply) => {
      const data = await sessions().decrypt(accessTokenOf(request), request.body);
      return reply.header('cache-control', 'no-store').send(data);
    },
  );
};
