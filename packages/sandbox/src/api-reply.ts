import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppFixture, CorpFixture } from './directory-schema.js';
import { errmsgText, formatErrmsg, makeHintId } from './errmsg.js';
import { callerIp, queryValue, requestMeta } from './request-meta.js';
import type { SandboxState } from './sandbox-state.js';
import type { TokenRecord } from './token-registry.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const JSON_WARNING = 'Warning: wrong json format. ';

export interface ErrorOptions {
  /** Overrides the standard text of the errcode. */
  text?: string | undefined;
  /** The POST body was not valid JSON: the errmsg gets WeCom's warning prefix. */
  malformedJson?: boolean;
  /** HTTP status; WeCom itself always answers 200. */
  httpStatus?: number;
  /** Extra keys some errors carry (e.g. empty result arrays). */
  payload?: Record<string, unknown>;
}

/** Answers a WeCom business error: HTTP 200, JSON, errmsg in the configured style. */
export function sendError(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
  errcode: number,
  options: ErrorOptions = {},
): FastifyReply {
  const text = `${options.malformedJson === true ? JSON_WARNING : ''}${options.text ?? errmsgText(errcode)}`;
  const errmsg = formatErrmsg(errcode, text, {
    style: state.options.errmsgStyle,
    hintId: makeHintId(state.clock.nowSeconds(), (n) => state.random.digits(n)),
    callerIp: callerIp(request),
  });
  requestMeta(request).errcode = errcode;
  return reply
    .code(options.httpStatus ?? 200)
    .header('content-type', JSON_TYPE)
    .send({ errcode, errmsg, ...options.payload });
}

/** Answers a WeCom success: `{errcode: 0, errmsg: "ok", ...body}`. */
export function sendOk(
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown>,
): FastifyReply {
  requestMeta(request).errcode = 0;
  return reply
    .code(200)
    .header('content-type', JSON_TYPE)
    .send({ errcode: 0, errmsg: 'ok', ...body });
}

/** Whether the IP passes an app's 企业可信IP list (an empty list is not checked). */
export function isTrustedIp(app: AppFixture, ip: string): boolean {
  return app.trustedIps.length === 0 || app.trustedIps.includes(ip);
}

/**
 * The admission checks every call pays before its own logic: the per-IP rate limit, then (once the corp is known)
 * the app's trusted IPs, the per-corp rate limit and the per-corp concurrency limit. Returns false after answering.
 */
export function admitCorpCall(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
  api: string,
  corp: CorpFixture,
  app: AppFixture,
  malformedJson = false,
): boolean {
  requestMeta(request).corpId = corp.corpId;
  if (!isTrustedIp(app, callerIp(request))) {
    sendError(state, request, reply, 60020, { malformedJson });
    return false;
  }
  if (!state.limiter.allowCorp(corp.corpId, api)) {
    sendError(state, request, reply, 45009, { malformedJson });
    return false;
  }
  if (!state.limiter.acquire(corp.corpId, api)) {
    sendError(state, request, reply, 45033, { malformedJson });
    return false;
  }
  requestMeta(request).inFlight = { corpId: corp.corpId, api };
  // 'close' also fires when the client gives up on a delayed answer, which onResponse does not see.
  reply.raw.once('close', () => releaseSlot(state, request));
  return true;
}

/** Gives back the concurrency slot taken by {@link admitCorpCall}; safe to call more than once. */
export function releaseSlot(state: SandboxState, request: FastifyRequest): void {
  const meta = requestMeta(request);
  if (meta.inFlight === undefined) return;
  state.limiter.release(meta.inFlight.corpId, meta.inFlight.api);
  delete meta.inFlight;
}

export interface TokenContext {
  corp: CorpFixture;
  app: AppFixture;
  /** Set for a third-party app's corp token: the provider whose open_userids the corp's members get. */
  thirdParty?: { readonly suiteId: string; readonly providerCorpId: string };
}

/** The app a corp token acts as: a corp app, or a suite's agent while the corp has the suite installed. */
function appOfToken(state: SandboxState, corp: CorpFixture, record: TokenRecord): AppFixture | undefined {
  if (record.suiteId === undefined) return state.directory.app(corp, record.agentId);
  const entry = state.suites.get(record.suiteId);
  const install = entry === undefined ? undefined : state.suites.activeInstall(entry, corp.corpId);
  return entry === undefined || install === undefined
    ? undefined
    : state.suites.agentApp(entry, corp, install);
}

/**
 * Authorises a call that carries `access_token`: 41001 missing, 40014 invalid/revoked, 42001 expired, 48004 a suite's
 * corp token after the corp uninstalled the suite, then admission.
 */
export function authorizeTokenCall(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
  api: string,
  malformedJson = false,
): TokenContext | undefined {
  if (!state.limiter.allowIp(callerIp(request), api)) {
    sendError(state, request, reply, 45009, { malformedJson });
    return undefined;
  }
  const token = queryValue(request, 'access_token');
  if (token === undefined || token === '') {
    sendError(state, request, reply, 41001, { malformedJson });
    return undefined;
  }
  const found = state.tokens.lookup(token);
  // An expired token still names its corp: the trace shows whose token met 42001 (or 48004).
  if (found.status === 'expired' || found.status === 'deauthorized') {
    requestMeta(request).corpId = found.record.corpId;
  }
  if (found.status !== 'valid') {
    // A suite's corp token after the corp cancelled the authorisation: "授权关系无效".
    const errcode = found.status === 'expired' ? 42001 : found.status === 'deauthorized' ? 48004 : 40014;
    sendError(state, request, reply, errcode, { malformedJson });
    return undefined;
  }
  const corp = state.directory.corp(found.record.corpId);
  const app = corp === undefined ? undefined : appOfToken(state, corp, found.record);
  if (corp === undefined || app === undefined) {
    sendError(state, request, reply, 40014, { malformedJson });
    return undefined;
  }
  if (!admitCorpCall(state, request, reply, api, corp, app, malformedJson)) return undefined;
  const suite = found.record.suiteId === undefined ? undefined : state.suites.get(found.record.suiteId);
  return suite === undefined
    ? { corp, app }
    : {
        corp,
        app,
        thirdParty: { suiteId: suite.config.suiteId, providerCorpId: suite.config.providerCorpId },
      };
}

/** The JSON body of a POST API: `{}` when empty, `malformed` when it is not a UTF-8 JSON object. */
export function readApiBody(request: FastifyRequest): { body: Record<string, unknown>; malformed: boolean } {
  const raw: unknown = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { body: {}, malformed: false };
  try {
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return { body: parsed as Record<string, unknown>, malformed: false };
    }
  } catch {
    // falls through: WeCom answers with a warning prefix instead of failing the request
  }
  return { body: {}, malformed: true };
}
