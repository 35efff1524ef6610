import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { releaseSlot, sendError } from './api-reply.js';
import { maskQuery } from './call-log.js';
import { initRequestMeta, requestMeta, requestPath } from './request-meta.js';
import { registerAppConfigurationRoutes } from './routes/app-configuration.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerAvatarRoute } from './routes/avatars.js';
import { registerControlRoutes } from './routes/control.js';
import { registerDepartmentRoutes } from './routes/department.js';
import { registerGettokenRoute } from './routes/gettoken.js';
import { registerJscode2sessionRoute } from './routes/jscode2session.js';
import { registerSimulatorRoutes } from './routes/simulator.js';
import { registerSuiteControlRoutes } from './routes/suite-control.js';
import { registerSuiteServiceRoutes } from './routes/suite-service.js';
import { registerUserRoutes } from './routes/user.js';
import { SandboxControl } from './sandbox-control.js';
import { resolveSandboxOptions, type SandboxAppOptions } from './sandbox-options.js';
import { SandboxState } from './sandbox-state.js';

const API_PREFIX = '/cgi-bin/';

/** The sandbox's Fastify instance, decorated with its in-process control handle. */
export type SandboxFastifyInstance = FastifyInstance & { readonly sandboxControl: SandboxControl };

function isApiCall(request: FastifyRequest): boolean {
  return requestPath(request).startsWith(API_PREFIX);
}

/** Applies the first matching fault; returns true when it answered (or dropped) the call itself. */
async function injectFault(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const fault = state.faults.take(requestPath(request));
  if (fault === undefined) return false;
  const answers =
    fault.drop === true ||
    fault.malformed === true ||
    fault.errcode !== undefined ||
    fault.httpStatus !== undefined;
  if (!answers) {
    // Delay only: the call runs normally and its answer is held back in onSend, still holding its concurrency slot.
    requestMeta(request).delayMs = fault.delayMs ?? 0;
    return false;
  }
  if (fault.delayMs !== undefined && fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.drop === true) {
    recordCall(state, request, 0);
    reply.hijack();
    request.raw.socket.destroy();
    return true;
  }
  if (fault.malformed === true) {
    // A truncated answer, as from a proxy that cut the connection short.
    reply
      .code(fault.httpStatus ?? 200)
      .header('content-type', 'application/json; charset=utf-8')
      .send('{"errcode":0,"errmsg":"o');
    return true;
  }
  if (fault.errcode !== undefined) {
    sendError(state, request, reply, fault.errcode, {
      text: fault.errmsg,
      ...(fault.httpStatus === undefined ? {} : { httpStatus: fault.httpStatus }),
    });
    return true;
  }
  const status = fault.httpStatus ?? 502;
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .send(
      `<html><head><title>${status}</title></head><body><center><h1>${status}</h1></center></body></html>`,
    );
  return true;
}

function recordCall(state: SandboxState, request: FastifyRequest, httpStatus: number): void {
  const meta = requestMeta(request);
  state.calls.record({
    at: meta.at,
    method: request.method,
    path: requestPath(request),
    errcode: httpStatus === 0 ? null : meta.errcode,
    httpStatus,
    durationMs: Math.round((performance.now() - meta.startedAt) * 100) / 100,
    corpId: meta.corpId,
    query: maskQuery(request.query),
  });
}

/**
 * Builds the sandbox as a Fastify instance (not listening), for `inject()` tests or to mount elsewhere.
 * Throws `TypeError` on bad options and {@link SandboxError} `invalid_fixture` on a bad directory.
 *
 * @example
 * ```ts
 * const app = buildSandboxApp({ seed: 1 });
 * const { code } = app.sandboxControl.login({ userid: 'zhangsan' });
 * const res = await app.inject({ url: '/cgi-bin/gettoken?corpid=wwdemo0000000001&corpsecret=demo-secret-change-me' });
 * ```
 */
export function buildSandboxApp(options: SandboxAppOptions = {}): SandboxFastifyInstance {
  const resolved = resolveSandboxOptions(options);
  const state = new SandboxState(resolved);
  const control = new SandboxControl(state);
  const { logger } = options;
  const app = Fastify({
    ...(typeof logger === 'object' ? { loggerInstance: logger } : { logger: logger === true }),
    // Request lines would carry access_token and corpsecret in the URL; the onResponse hook logs a masked copy.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 500 },
    // A sandbox must stop promptly even while delayed answers or abandoned keep-alive sockets are pending.
    forceCloseConnections: true,
    bodyLimit: 1024 * 1024,
  });

  // Bodies stay raw: WeCom answers bad JSON with an errcode, not a 400, and the control API has its own checks.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  app.addHook('onRequest', async (request, reply) => {
    initRequestMeta(request, new Date(state.clock.nowMs()).toISOString());
    if (isApiCall(request) && (await injectFault(state, request, reply))) return reply;
    return undefined;
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    const { delayMs } = requestMeta(request);
    if (delayMs > 0) await sleep(delayMs);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    releaseSlot(state, request);
    const meta = requestMeta(request);
    if (!isApiCall(request)) return;
    recordCall(state, request, reply.statusCode);
    request.log.info(
      {
        method: request.method,
        path: requestPath(request),
        query: maskQuery(request.query),
        statusCode: reply.statusCode,
        errcode: meta.errcode,
      },
      'api call',
    );
  });

  app.setNotFoundHandler((request, reply) => {
    const { unknownApi } = resolved;
    if (isApiCall(request) && unknownApi !== 'not-found') {
      return sendError(state, request, reply, unknownApi.errcode, { text: unknownApi.errmsg });
    }
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${requestPath(request)}` });
  });
  app.setErrorHandler((error: { statusCode?: number; code?: string; message?: string }, request, reply) => {
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: error }, 'sandbox failure');
    return reply.code(status).send({
      error: status === 500 ? 'internal_error' : (error.code ?? 'bad_request').toLowerCase(),
      message:
        status === 500 ? 'the sandbox failed to handle this request' : (error.message ?? 'bad request'),
    });
  });

  registerGettokenRoute(app, state);
  registerJscode2sessionRoute(app, state);
  registerUserRoutes(app, state);
  registerDepartmentRoutes(app, state);
  registerAuthRoutes(app, state);
  registerSuiteServiceRoutes(app, state);
  registerControlRoutes(app, control);
  registerSuiteControlRoutes(app, control, state);
  registerAppConfigurationRoutes(app, state);
  registerAvatarRoute(app, state);
  registerSimulatorRoutes(app, options.simulator);
  app.decorate('sandboxControl', control);
  return app as unknown as SandboxFastifyInstance;
}
