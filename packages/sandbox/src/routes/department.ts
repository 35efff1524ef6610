import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorizeTokenCall, sendError, sendOk, type TokenContext } from '../api-reply.js';
import type { DepartmentFixture } from '../directory-schema.js';
import { queryValue } from '../request-meta.js';
import type { SandboxState } from '../sandbox-state.js';

function departmentBody(dept: DepartmentFixture): Record<string, unknown> {
  return {
    id: dept.id,
    name: dept.name,
    name_en: dept.name_en,
    department_leader: dept.department_leader,
    parentid: dept.parentid,
    order: dept.order,
  };
}

type Selection = { departments: DepartmentFixture[] } | { errcode: number };

/** The visible departments under `id` (recursive), or all visible ones when `id` is absent. */
function select(
  state: SandboxState,
  context: TokenContext,
  rawId: string | undefined,
  required: boolean,
): Selection {
  const visible = state.directory.visibleDepartments(context.corp, context.app);
  if (rawId === undefined || rawId === '') {
    if (required) return { errcode: 40058 };
    return { departments: context.corp.departments.filter((d) => visible.has(d.id)) };
  }
  if (!/^\d{1,10}$/.test(rawId)) return { errcode: 40058 };
  const id = Number(rawId);
  const root = state.directory.department(context.corp, id);
  if (root === undefined) return { errcode: 60003 };
  if (!visible.has(id)) return { errcode: 60011 };
  const subtree = state.directory.subtree(context.corp, id);
  return { departments: context.corp.departments.filter((d) => subtree.has(d.id) && visible.has(d.id)) };
}

function route(
  app: FastifyInstance,
  state: SandboxState,
  api: string,
  answer: (request: FastifyRequest, reply: FastifyReply, departments: DepartmentFixture[]) => FastifyReply,
  required = false,
): void {
  app.route({
    method: ['GET', 'POST'],
    url: api,
    handler: (request, reply) => {
      const context = authorizeTokenCall(state, request, reply, api);
      if (context === undefined) return reply;
      const selection = select(state, context, queryValue(request, 'id'), required);
      if ('errcode' in selection) return sendError(state, request, reply, selection.errcode);
      return answer(request, reply, selection.departments);
    },
  });
}

/** `department/list`, `department/simplelist`, `department/get` (wecom-api.md §6.1–6.3). */
export function registerDepartmentRoutes(app: FastifyInstance, state: SandboxState): void {
  route(app, state, '/cgi-bin/department/list', (request, reply, departments) =>
    sendOk(request, reply, { department: departments.map(departmentBody) }),
  );
  route(app, state, '/cgi-bin/department/simplelist', (request, reply, departments) =>
    sendOk(request, reply, {
      department_id: departments.map((d) => ({ id: d.id, parentid: d.parentid, order: d.order })),
    }),
  );
  route(
    app,
    state,
    '/cgi-bin/department/get',
    (request, reply, departments) => {
      // The selection is the whole visible subtree; only the requested department is answered.
      const id = Number(queryValue(request, 'id'));
      const dept = departments.find((d) => d.id === id);
      return sendOk(request, reply, { department: dept === undefined ? {} : departmentBody(dept) });
    },
    true,
  );
}
