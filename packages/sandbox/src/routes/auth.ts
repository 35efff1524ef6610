import type { FastifyInstance } from 'fastify';
import { authorizeTokenCall, sendError, sendOk } from '../api-reply.js';
import { queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

const API = '/cgi-bin/auth/getuserinfo';

/**
 * `GET /cgi-bin/auth/getuserinfo?access_token=…&code=…` (wecom-api.md §5.4): members of the token's corp get
 * `userid`; anyone else gets `openid` and `external_userid`. No `user_ticket`: sandbox codes are `snsapi_base`.
 */
export function registerAuthRoutes(app: FastifyInstance, state: SandboxState): void {
  app.route({
    method: ['GET', 'POST'],
    url: API,
    handler: (request, reply) => {
      const context = authorizeTokenCall(state, request, reply, API);
      if (context === undefined) return reply;
      const code = queryValue(request, 'code');
      if (code === undefined || code === '') return sendError(state, request, reply, 41008);
      const binding = state.oauthCodes.peek(code);
      if (binding === undefined) return sendError(state, request, reply, 40029);
      state.oauthCodes.consume(code);
      if (binding.corpId === context.corp.corpId) return sendOk(request, reply, { userid: binding.userid });
      return sendOk(request, reply, {
        openid: state.openId(binding.corpId, binding.userid),
        external_userid: state.externalUserId(binding.corpId, binding.userid, context.corp.corpId),
      });
    },
  });
}
