import type { FastifyInstance } from 'fastify';
import { admitCorpCall, sendError, sendOk } from '../api-reply.js';
import { callerIp, queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

const API = '/cgi-bin/gettoken';

/** `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` (wecom-api.md §2). */
export function registerGettokenRoute(app: FastifyInstance, state: SandboxState): void {
  app.route({
    method: ['GET', 'POST'],
    url: API,
    handler: (request, reply) => {
      const ip = callerIp(request);
      if (!state.limiter.allowIp(ip, API)) return sendError(state, request, reply, 45009);
      const corpId = queryValue(request, 'corpid');
      const secret = queryValue(request, 'corpsecret');
      if (corpId === undefined || corpId === '') return sendError(state, request, reply, 41002);
      if (secret === undefined || secret === '') return sendError(state, request, reply, 41004);
      // "如果应用的secret错误多次，会导致同一个IP被禁用一小时"
      if (state.limiter.isBadSecretBlocked(ip)) return sendError(state, request, reply, 45009);
      const corp = state.directory.corp(corpId);
      if (corp === undefined) return sendError(state, request, reply, 40013);
      const agent = state.directory.appBySecret(corp, secret);
      if (agent === undefined) {
        state.limiter.recordBadSecret(ip);
        // 40091 is WeCom's answer for a secret that belongs to another corp.
        const foreign = state.directory.fixture.corps.some(
          (other) => other.corpId !== corp.corpId && state.directory.appBySecret(other, secret) !== undefined,
        );
        return sendError(state, request, reply, foreign ? 40091 : 40001);
      }
      if (!admitCorpCall(state, request, reply, API, corp, agent)) return reply;
      const record = state.tokens.issue(corp.corpId, agent.agentId, agent.secret);
      const expiresIn =
        state.options.tokenExpiresIn === 'fixed'
          ? state.options.tokenLifetimeSeconds
          : state.tokens.remainingSeconds(record);
      return sendOk(request, reply, { access_token: record.token, expires_in: expiresIn });
    },
  });
}
