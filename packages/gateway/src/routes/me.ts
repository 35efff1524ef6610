import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayServices } from '../services.js';
import { toGatewayError } from '../sessions/wecom-failure.js';
import { bearerSecurity, decryptBodySchema, employeeSchema, errorResponses } from './schemas.js';

export const meRoutes: FastifyPluginAsyncZod<{ services: GatewayServices }> = async (app, { services }) => {
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
    },
    async (request) => {
      const claims = await services.sessions.verify(request.headers.authorization);
      return services.directory.get(claims.corpId, claims.userId).catch((error: unknown) => {
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
    },
    async (request, reply) => {
      const claims = await services.sessions.verify(request.headers.authorization);
      const data = await services.sessions.decrypt(claims, request.body);
      return reply.header('cache-control', 'no-store').send(data);
    },
  );
};
