import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readApiBody, sendError, sendOk } from '../api-reply.js';
import type { CorpFixture, UserFixture } from '../directory-schema.js';
import { callerIp, queryValue, requestMeta } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';
import { type SuiteEntry, type SuiteInstall, suiteTokenKey } from '../suite-registry.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const LEFT_THE_CORP = 5;

const API = {
  suiteToken: '/cgi-bin/service/get_suite_token',
  preAuthCode: '/cgi-bin/service/get_pre_auth_code',
  sessionInfo: '/cgi-bin/service/set_session_info',
  permanentCode: '/cgi-bin/service/get_permanent_code',
  permanentCodeV2: '/cgi-bin/service/v2/get_permanent_code',
  authInfo: '/cgi-bin/service/get_auth_info',
  corpToken: '/cgi-bin/service/get_corp_token',
  jscode2session: '/cgi-bin/service/miniprogram/jscode2session',
} as const;

interface ApiBody {
  body: Record<string, unknown>;
  malformed: boolean;
}

/** A POST API's JSON body; a GET loses it, as on the real service. */
function apiBody(request: FastifyRequest): ApiBody {
  return request.method === 'POST' ? readApiBody(request) : { body: {}, malformed: false };
}

/** A non-empty string field of the body; anything else counts as missing. */
function stringField(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTrustedForSuite(entry: SuiteEntry, ip: string): boolean {
  const { trustedIps } = entry.config;
  return trustedIps.length === 0 || trustedIps.includes(ip);
}

/**
 * The token answers of get_suite_token and get_corp_token: "因历史原因，该接口在调用失败时才返回errcode", so by
 * default a success has no errcode at all (option `suiteTokenErrcode: 'zero'` adds `errcode: 0, errmsg: "ok"`).
 */
function sendTokenAnswer(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Record<string, unknown>,
): FastifyReply {
  if (state.options.suiteTokenErrcode === 'zero') return sendOk(request, reply, body);
  // The call log counts it as a success even though the answer names no errcode.
  requestMeta(request).errcode = 0;
  return reply.code(200).header('content-type', JSON_TYPE).send(body);
}

function expiresIn(state: SandboxState, remaining: number): number {
  return state.options.tokenExpiresIn === 'fixed' ? state.options.tokenLifetimeSeconds : remaining;
}

/**
 * Authorises a call that carries `suite_access_token`: 41022 missing, 40082 unknown or revoked (errmsg
 * `invalid suite_acccess_token`, sic), 42009 expired, 60020 outside the provider's IP allow-list.
 */
function authorizeSuiteCall(
  state: SandboxState,
  request: FastifyRequest,
  reply: FastifyReply,
  api: string,
  malformedJson = false,
): SuiteEntry | undefined {
  const ip = callerIp(request);
  if (!state.limiter.allowIp(ip, api)) {
    sendError(state, request, reply, 45009, { malformedJson });
    return undefined;
  }
  const token = queryValue(request, 'suite_access_token');
  if (token === undefined || token === '') {
    sendError(state, request, reply, 41022, { malformedJson });
    return undefined;
  }
  const found = state.suites.tokens.lookup(token);
  if (found.status === 'expired') {
    sendError(state, request, reply, 42009, { malformedJson });
    return undefined;
  }
  const entry = found.status === 'valid' ? state.suites.get(found.record.corpId) : undefined;
  if (entry === undefined) {
    sendError(state, request, reply, 40082, { malformedJson });
    return undefined;
  }
  if (!isTrustedForSuite(entry, ip)) {
    sendError(state, request, reply, 60020, { malformedJson });
    return undefined;
  }
  return entry;
}

/** Relative avatar URLs in a fixture point at the sandbox itself. */
function absoluteUrl(request: FastifyRequest, url: string): string {
  return url.startsWith('/') ? `${request.protocol}://${request.host}${url}` : url;
}

function corpScale(members: number): string {
  if (members <= 50) return '1-50人';
  if (members <= 100) return '51-100人';
  if (members <= 500) return '101-500人';
  return '500人以上';
}

function authCorpInfo(corp: CorpFixture): Record<string, unknown> {
  const members = corp.users.filter((user) => user.status !== LEFT_THE_CORP).length;
  return {
    corpid: corp.corpId,
    corp_name: corp.name,
    corp_type: 'verified',
    corp_square_logo_url: '',
    corp_user_max: Math.max(200, members),
    corp_full_name: corp.name,
    verified_end_time: 0,
    subject_type: 1,
    corp_wxqrcode: '',
    corp_scale: corpScale(members),
    corp_industry: '',
    corp_sub_industry: '',
    location: '',
  };
}

function authInfo(state: SandboxState, entry: SuiteEntry, corp: CorpFixture, install: SuiteInstall) {
  const agent = state.suites.agentApp(entry, corp, install);
  return {
    agent: [
      {
        agentid: agent.agentId,
        name: agent.name,
        round_logo_url: '',
        square_logo_url: '',
        auth_mode: 0,
        is_customized_app: false,
        auth_from_thirdapp: false,
        privilege: {
          level: 1,
          allow_party: agent.visibleRange.departmentIds,
          allow_user: agent.visibleRange.userIds,
          allow_tag: [],
          extra_party: [],
          extra_user: [],
          extra_tag: [],
        },
      },
    ],
  };
}

/** The admin who installed the suite: the one named at install, else the corp's first active member. */
function installer(state: SandboxState, corp: CorpFixture, install: SuiteInstall): UserFixture | undefined {
  const named =
    install.installerUserid === undefined ? undefined : state.directory.user(corp, install.installerUserid);
  return named ?? corp.users.find((user) => user.status === 1) ?? corp.users[0];
}

function authUserInfo(
  state: SandboxState,
  request: FastifyRequest,
  entry: SuiteEntry,
  corp: CorpFixture,
  install: SuiteInstall,
): Record<string, unknown> {
  const user = installer(state, corp, install);
  if (user === undefined) return {};
  return {
    userid: user.userid,
    open_userid: state.openUserId(entry.config.providerCorpId, corp.corpId, user.userid),
    name: user.name,
    avatar: absoluteUrl(request, user.avatar),
  };
}

/** The suite's corp token for an install: an ordinary corp access_token that the corp APIs accept. */
function corpToken(state: SandboxState, entry: SuiteEntry, corp: CorpFixture) {
  const record = state.tokens.issue(
    corp.corpId,
    entry.config.agentId,
    suiteTokenKey(entry.config.suiteId),
    entry.config.suiteId,
  );
  return { access_token: record.token, expires_in: expiresIn(state, state.tokens.remainingSeconds(record)) };
}

/** `get_permanent_code` (v1: everything; v2: the short answer). AuthCodes are single use: 40078 otherwise. */
function registerPermanentCodeRoute(app: FastifyInstance, state: SandboxState, version: 1 | 2): void {
  const api = version === 1 ? API.permanentCode : API.permanentCodeV2;
  app.route({
    method: ['GET', 'POST'],
    url: api,
    handler: (request, reply) => {
      const { body, malformed } = apiBody(request);
      const entry = authorizeSuiteCall(state, request, reply, api, malformed);
      if (entry === undefined) return reply;
      // Mirrors of the API name the field tmp_auth_code; both are accepted.
      const code = stringField(body, 'auth_code') ?? stringField(body, 'tmp_auth_code');
      if (code === undefined) return sendError(state, request, reply, 40078, { malformedJson: malformed });
      const exchanged = state.suites.exchangeAuthCode(entry, code);
      if (exchanged.status === 'other_suite') {
        return sendError(state, request, reply, 48003, { malformedJson: malformed });
      }
      const corp = exchanged.status === 'ok' ? state.directory.corp(exchanged.install.corpId) : undefined;
      if (exchanged.status !== 'ok' || corp === undefined) {
        return sendError(state, request, reply, 40078, { malformedJson: malformed });
      }
      const { install } = exchanged;
      requestMeta(request).corpId = corp.corpId;
      const permanentCode = state.suites.permanentCode(entry.config.suiteId, install);
      const userInfo = authUserInfo(state, request, entry, corp, install);
      const stateField = install.state === undefined ? {} : { state: install.state };
      if (version === 2) {
        return sendOk(request, reply, {
          permanent_code: permanentCode,
          auth_corp_info: { corpid: corp.corpId, corp_name: corp.name },
          auth_user_info: userInfo,
          ...stateField,
        });
      }
      return sendOk(request, reply, {
        ...corpToken(state, entry, corp),
        permanent_code: permanentCode,
        auth_corp_info: authCorpInfo(corp),
        auth_info: authInfo(state, entry, corp, install),
        auth_user_info: userInfo,
        ...stateField,
      });
    },
  });
}

type InstallLookup = { corp: CorpFixture; install: SuiteInstall } | { errcode: number };

/**
 * `{auth_corpid, permanent_code}` of get_auth_info and get_corp_token: 41002 / 41025 missing, 2000002 a corp the
 * sandbox does not know, 48003 the permanent code of another suite, 40084 anything else that is not the install's
 * current permanent code (never issued, superseded by a reset, or of a cancelled install).
 */
function lookUpInstall(state: SandboxState, entry: SuiteEntry, body: Record<string, unknown>): InstallLookup {
  const corpId = stringField(body, 'auth_corpid');
  if (corpId === undefined) return { errcode: 41002 };
  const code = stringField(body, 'permanent_code');
  if (code === undefined) return { errcode: 41025 };
  const corp = state.directory.corp(corpId);
  if (corp === undefined) return { errcode: 2000002 };
  const checked = state.suites.checkPermanentCode(entry, corpId, code);
  if (checked.status === 'ok') return { corp, install: checked.install };
  return { errcode: state.suites.permanentCodeOwner(corpId, code) === undefined ? 40084 : 48003 };
}

/**
 * The WeCom provider platform's suite APIs (wecom-suite.md §1, wecom-api.md §4): suite token, pre-auth code and
 * session info, permanent code (v1 and v2), auth info, corp token, and the third-party jscode2session.
 */
export function registerSuiteServiceRoutes(app: FastifyInstance, state: SandboxState): void {
  app.route({
    method: ['GET', 'POST'],
    url: API.suiteToken,
    handler: (request, reply) => {
      if (!state.limiter.allowIp(callerIp(request), API.suiteToken)) {
        return sendError(state, request, reply, 45009);
      }
      // A GET loses the JSON body: WeCom answers " invalid SuiteId ".
      if (request.method !== 'POST') return sendError(state, request, reply, 40083);
      const { body, malformed } = readApiBody(request);
      const fail = (errcode: number) =>
        sendError(state, request, reply, errcode, { malformedJson: malformed });
      const suiteId = stringField(body, 'suite_id');
      if (suiteId === undefined) return fail(41021);
      const entry = state.suites.get(suiteId);
      if (entry === undefined) return fail(40083);
      if (!isTrustedForSuite(entry, callerIp(request))) return fail(60020);
      if (body.suite_secret !== entry.config.suiteSecret) return fail(40080);
      const ticket = stringField(body, 'suite_ticket');
      if (ticket === undefined) return fail(41023);
      if (!state.suites.isTicketValid(entry, ticket)) return fail(40085);
      const record = state.suites.tokens.issue(suiteId, 0, entry.config.suiteSecret);
      return sendTokenAnswer(state, request, reply, {
        suite_access_token: record.token,
        expires_in: expiresIn(state, state.suites.tokens.remainingSeconds(record)),
      });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: API.preAuthCode,
    handler: (request, reply) => {
      const entry = authorizeSuiteCall(state, request, reply, API.preAuthCode);
      if (entry === undefined) return reply;
      const { code, expiresIn: lifetime } = state.suites.issuePreAuthCode(entry);
      return sendOk(request, reply, { pre_auth_code: code, expires_in: lifetime });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: API.sessionInfo,
    handler: (request, reply) => {
      const { body, malformed } = apiBody(request);
      const entry = authorizeSuiteCall(state, request, reply, API.sessionInfo, malformed);
      if (entry === undefined) return reply;
      const fail = (errcode: number) =>
        sendError(state, request, reply, errcode, { malformedJson: malformed });
      const code = stringField(body, 'pre_auth_code');
      if (code === undefined) return fail(40077);
      const found = state.suites.preAuthCode(entry, code);
      if (found.status !== 'ok') return fail(found.status === 'expired' ? 42007 : 40077);
      const info = body.session_info;
      if (typeof info !== 'object' || info === null || Array.isArray(info)) return fail(40058);
      const { auth_type: authType = 0, appid = [] } = info as Record<string, unknown>;
      if (authType !== 0 && authType !== 1) return fail(40058);
      // A suite has one app; its legacy appid is 1 ("旧的多应用套件中的对应应用id").
      if (!Array.isArray(appid) || appid.some((id) => id !== 1)) return fail(40086);
      found.record.authType = authType;
      return sendOk(request, reply, {});
    },
  });

  registerPermanentCodeRoute(app, state, 1);
  registerPermanentCodeRoute(app, state, 2);

  app.route({
    method: ['GET', 'POST'],
    url: API.authInfo,
    handler: (request, reply) => {
      const { body, malformed } = apiBody(request);
      const entry = authorizeSuiteCall(state, request, reply, API.authInfo, malformed);
      if (entry === undefined) return reply;
      const found = lookUpInstall(state, entry, body);
      if ('errcode' in found)
        return sendError(state, request, reply, found.errcode, { malformedJson: malformed });
      requestMeta(request).corpId = found.corp.corpId;
      return sendOk(request, reply, {
        auth_corp_info: authCorpInfo(found.corp),
        auth_info: authInfo(state, entry, found.corp, found.install),
      });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: API.corpToken,
    handler: (request, reply) => {
      const { body, malformed } = apiBody(request);
      const entry = authorizeSuiteCall(state, request, reply, API.corpToken, malformed);
      if (entry === undefined) return reply;
      const found = lookUpInstall(state, entry, body);
      if ('errcode' in found)
        return sendError(state, request, reply, found.errcode, { malformedJson: malformed });
      requestMeta(request).corpId = found.corp.corpId;
      return sendTokenAnswer(state, request, reply, corpToken(state, entry, found.corp));
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: API.jscode2session,
    handler: (request, reply) => {
      const entry = authorizeSuiteCall(state, request, reply, API.jscode2session);
      if (entry === undefined) return reply;
      const code = queryValue(request, 'js_code');
      if (code === undefined || code === '') return sendError(state, request, reply, 41008);
      const binding = state.codes.peek(code);
      // A code of another mini program (a self-built app's) is not this suite's to exchange.
      if (binding === undefined || binding.miniProgramAppId !== entry.config.miniProgramAppId) {
        return sendError(state, request, reply, 40029);
      }
      // wx.qy.login({ suiteId }) named another suite bound to the same mini program.
      if (binding.suiteId !== undefined && binding.suiteId !== entry.config.suiteId) {
        return sendError(state, request, reply, 48003);
      }
      state.codes.consume(code);
      const corp = state.directory.corp(binding.corpId);
      const user = corp === undefined ? undefined : state.directory.user(corp, binding.userid);
      if (corp === undefined || user === undefined) return sendError(state, request, reply, 40029);
      requestMeta(request).corpId = corp.corpId;
      const sessionKey = state.random.bytes(16).toString('base64');
      state.sessions.remember(corp.corpId, user.userid, entry.config.miniProgramAppId, sessionKey);
      // "如果用户所在企业并没有安装此小程序应用，则返回加密的userid".
      const installed = state.suites.activeInstall(entry, corp.corpId) !== undefined;
      return sendOk(request, reply, {
        corpid: corp.corpId,
        userid: installed
          ? user.userid
          : state.encryptedUserId(corp.corpId, user.userid, entry.config.miniProgramAppId),
        session_key: sessionKey,
        open_userid: state.openUserId(entry.config.providerCorpId, corp.corpId, user.userid),
      });
    },
  });
}
