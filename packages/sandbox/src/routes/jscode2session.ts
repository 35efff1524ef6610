import type { FastifyInstance } from 'fastify';
import { authorizeTokenCall, sendError, sendOk } from '../api-reply.js';
import { queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

const API = '/cgi-bin/miniprogram/jscode2session';

/** `GET /cgi-bin/miniprogram/jscode2session?access_token=…&js_code=…&grant_type=authorization_code` (§3). */
export function registerJscode2sessionRoute(app: FastifyInstance, state: SandboxState): void {
  app.route({
    method: ['GET', 'POST'],
    url: API,
    handler: (request, reply) => {
      const context = authorizeTokenCall(state, request, reply, API);
      if (context === undefined) return reply;
      const miniProgramAppId = context.app.miniProgramAppId;
      // "access_token对应的应用类型不匹配，比如小程序登入流程，使用了是非小程序应用的access_token"
      if (miniProgramAppId === null) return sendError(state, request, reply, 40014);
      const code = queryValue(request, 'js_code');
      if (code === undefined || code === '') return sendError(state, request, reply, 41008);
      const binding = state.codes.peek(code);
      if (binding === undefined) return sendError(state, request, reply, 40029);
      if (binding.miniProgramAppId !== miniProgramAppId) return sendError(state, request, reply, 48002);
      state.codes.consume(code);

      const userCorp = state.directory.corp(binding.corpId);
      const user = userCorp === undefined ? undefined : state.directory.user(userCorp, binding.userid);
      if (userCorp === undefined || user === undefined) return sendError(state, request, reply, 40029);
      const sessionKey = state.random.bytes(16).toString('base64');
      state.sessions.remember(userCorp.corpId, user.userid, miniProgramAppId, sessionKey);
      // Outsiders (another corp, or a corp not associated with the mini program) get an encrypted userid.
      const outsider =
        userCorp.corpId !== context.corp.corpId || !state.directory.isAssociated(userCorp, miniProgramAppId);
      const userid = outsider
        ? state.encryptedUserId(userCorp.corpId, user.userid, miniProgramAppId)
        : user.userid;
      return sendOk(request, reply, {
        corpid: userCorp.corpId,
        userid,
        session_key: sessionKey,
        deviceid: '',
      });
    },
  });
}
