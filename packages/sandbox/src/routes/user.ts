import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorizeTokenCall, readApiBody, sendError, sendOk, type TokenContext } from '../api-reply.js';
import type { UserFixture } from '../directory-schema.js';
import { queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

const LEFT_THE_CORP = 5;
const INACTIVE = 4;
const LIST_ID_MAX = 10_000;

/** Fields that apps created after 2022-06-20 no longer receive (wecom-api.md §5.2); gender becomes "0". */
const SENSITIVE_FIELDS = [
  'avatar',
  'thumb_avatar',
  'mobile',
  'email',
  'biz_mail',
  'qr_code',
  'address',
] as const;

/**
 * What a third-party app never gets from `user/get` (a contact-sync suite's excepted, which the sandbox does not
 * emulate): the name (the mini program shows it with the `open-data` component) and the sensitive fields.
 */
const THIRD_PARTY_WITHHELD = ['name', ...SENSITIVE_FIELDS] as const;

/** Relative avatar URLs in a fixture point at the sandbox itself. */
function absoluteUrl(request: FastifyRequest, url: string): string {
  return url.startsWith('/') ? `${request.protocol}://${request.host}${url}` : url;
}

function userGetBody(
  state: SandboxState,
  request: FastifyRequest,
  context: TokenContext,
  user: UserFixture,
): Record<string, unknown> {
  const { corp, app, thirdParty } = context;
  const visible = state.directory.visibleDepartments(corp, app);
  let indexes = user.department.map((_, i) => i).filter((i) => visible.has(user.department[i] ?? 0));
  // A member visible only by name still shows their departments rather than none.
  if (indexes.length === 0) indexes = user.department.map((_, i) => i);
  const pick = <T>(values: readonly T[] | undefined, fallback: T): T[] =>
    indexes.map((i) => values?.[i] ?? fallback);
  const mainDepartment = user.main_department ?? user.department[0];
  const body: Record<string, unknown> = {
    userid: user.userid,
    name: user.name,
    department: pick(user.department, 0),
    order: pick(user.order, 0),
    position: user.position,
    mobile: user.mobile,
    gender: user.gender,
    email: user.email,
    biz_mail: user.biz_mail,
    is_leader_in_dept: pick(user.is_leader_in_dept, 0),
    direct_leader: user.direct_leader,
    avatar: absoluteUrl(request, user.avatar),
    thumb_avatar: absoluteUrl(request, user.thumb_avatar),
    telephone: user.telephone,
    alias: user.alias,
    address: user.address,
    extattr: user.extattr,
    status: user.status,
    qr_code: user.qr_code,
    external_position: user.external_position,
    external_profile: user.external_profile,
  };
  if (
    mainDepartment !== undefined &&
    (visible.has(mainDepartment) || indexes.length === user.department.length)
  ) {
    body.main_department = mainDepartment;
  }
  if (app.createdAfter20220620) {
    for (const field of SENSITIVE_FIELDS) delete body[field];
    body.gender = '0';
  }
  if (thirdParty !== undefined) {
    for (const field of THIRD_PARTY_WITHHELD) delete body[field];
    body.gender = '0';
    body.open_userid = state.openUserId(thirdParty.providerCorpId, corp.corpId, user.userid);
  }
  return body;
}

/** `user/get`, `user/convert_to_openid`, `user/list_id`, `batch/userid_to_openuserid` (§5.1, §6.4–6.6). */
export function registerUserRoutes(app: FastifyInstance, state: SandboxState): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/cgi-bin/user/get',
    handler: (request, reply) => {
      const context = authorizeTokenCall(state, request, reply, '/cgi-bin/user/get');
      if (context === undefined) return reply;
      const userid = queryValue(request, 'userid');
      if (userid === undefined || userid === '') return sendError(state, request, reply, 41009);
      const user = state.directory.user(context.corp, userid);
      // 60111 also covers members who left the corp ("已退出").
      if (user === undefined || user.status === LEFT_THE_CORP) return sendError(state, request, reply, 60111);
      if (!state.directory.isUserVisible(context.corp, context.app, user)) {
        return sendError(state, request, reply, state.options.invisibleUserErrcode);
      }
      return sendOk(request, reply, userGetBody(state, request, context, user));
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/cgi-bin/user/convert_to_openid',
    handler: (request, reply) => {
      // A GET loses the body, as on the real service.
      const { body, malformed } =
        request.method === 'POST' ? readApiBody(request) : { body: {}, malformed: false };
      const context = authorizeTokenCall(state, request, reply, '/cgi-bin/user/convert_to_openid', malformed);
      if (context === undefined) return reply;
      const userid = body.userid;
      if (typeof userid !== 'string' || userid === '') {
        return sendError(state, request, reply, 41009, { malformedJson: malformed });
      }
      const user = state.directory.user(context.corp, userid);
      if (user === undefined || user.status === LEFT_THE_CORP) {
        return sendError(state, request, reply, 60111, { malformedJson: malformed });
      }
      if (!state.directory.isUserVisible(context.corp, context.app, user)) {
        return sendError(state, request, reply, 60011, { malformedJson: malformed });
      }
      // Members who never activated WeCom are bound to no WeChat account.
      if (user.status === INACTIVE)
        return sendError(state, request, reply, 43004, { malformedJson: malformed });
      return sendOk(request, reply, { openid: state.openId(context.corp.corpId, user.userid) });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/cgi-bin/user/list_id',
    handler: (request, reply) => {
      const { body, malformed } =
        request.method === 'POST' ? readApiBody(request) : { body: {}, malformed: false };
      const context = authorizeTokenCall(state, request, reply, '/cgi-bin/user/list_id', malformed);
      if (context === undefined) return reply;
      const { cursor = '', limit = LIST_ID_MAX } = body;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > LIST_ID_MAX) {
        return sendError(state, request, reply, 40058, { malformedJson: malformed });
      }
      const offset =
        cursor === '' ? 0 : typeof cursor === 'string' ? Number.parseInt(cursor, 36) : Number.NaN;
      if (!Number.isInteger(offset) || offset < 0) {
        return sendError(state, request, reply, 40058, { malformedJson: malformed });
      }
      const visible = state.directory.visibleDepartments(context.corp, context.app);
      const entries = context.corp.users
        .filter((user) => user.status !== LEFT_THE_CORP)
        .filter((user) => state.directory.isUserVisible(context.corp, context.app, user))
        .flatMap((user) => {
          const shown = user.department.filter((id) => visible.has(id));
          return (shown.length > 0 ? shown : user.department).map((department) => ({
            userid: user.userid,
            department,
          }));
        });
      const page = entries.slice(offset, offset + limit);
      const next = offset + limit < entries.length ? (offset + limit).toString(36) : '';
      return sendOk(request, reply, { next_cursor: next, dept_user: page });
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/cgi-bin/batch/userid_to_openuserid',
    handler: (request, reply) => {
      const { malformed } = request.method === 'POST' ? readApiBody(request) : { malformed: false };
      const context = authorizeTokenCall(
        state,
        request,
        reply,
        '/cgi-bin/batch/userid_to_openuserid',
        malformed,
      );
      if (context === undefined) return reply;
      // "仅代开发应用或第三方应用可调用": every app in a sandbox directory is self-built.
      return sendError(state, request, reply, 48002, { malformedJson: malformed });
    },
  });
}
