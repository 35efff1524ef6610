import { isIP } from 'node:net';
import { z } from 'zod';
import { SandboxError } from './errors.js';

// userid rule from the user/create doc: 1–64 bytes of letters, digits and "_-@.", starting with a letter or digit.
const userIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$/, 'must be a WeCom userid');
const departmentIdSchema = z
  .number()
  .int()
  .min(1)
  .max(2 ** 32 - 1);
const orderSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);

const attrSchema = z.looseObject({ type: z.number().int(), name: z.string() });

/** A member, with the field names and shapes of `user/get` (wecom-api.md §5.1). */
export const userSchema = z.object({
  userid: userIdSchema,
  name: z.string().min(1),
  department: z.array(departmentIdSchema).min(1),
  order: z.array(orderSchema).optional(),
  position: z.string().default(''),
  mobile: z.string().default(''),
  gender: z.enum(['0', '1', '2']).default('0'),
  email: z.string().default(''),
  biz_mail: z.string().default(''),
  is_leader_in_dept: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
  direct_leader: z.array(userIdSchema).max(5).default([]),
  avatar: z.string().default(''),
  thumb_avatar: z.string().default(''),
  telephone: z.string().default(''),
  alias: z.string().default(''),
  address: z.string().default(''),
  main_department: departmentIdSchema.optional(),
  extattr: z.object({ attrs: z.array(attrSchema) }).default({ attrs: [] }),
  status: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(5)]),
  qr_code: z.string().default(''),
  external_position: z.string().default(''),
  external_profile: z
    .looseObject({
      external_corp_name: z.string().default(''),
      wechat_channels: z.looseObject({ nickname: z.string(), status: z.number().int() }).optional(),
      external_attr: z.array(attrSchema).default([]),
    })
    .default({ external_corp_name: '', external_attr: [] }),
});

/** A department, with the field names of `department/get` (wecom-api.md §6.3). The root has id 1, parentid 0. */
export const departmentSchema = z.object({
  id: departmentIdSchema,
  name: z.string().min(1),
  name_en: z.string().default(''),
  parentid: z.number().int().min(0),
  order: orderSchema.default(0),
  department_leader: z.array(userIdSchema).default([]),
});

/** A self-built app (agent) of a corp. */
export const appSchema = z.object({
  agentId: z.number().int().positive(),
  name: z.string().min(1),
  secret: z.string().min(1).max(128),
  /** The mini program this app is associated with, or `null` for an app without one. */
  miniProgramAppId: z.string().min(1).nullable().default(null),
  /** Apps created after 2022-06-20 no longer get avatar, gender, mobile, email, biz_mail, qr_code, address. */
  createdAfter20220620: z.boolean().default(false),
  /** 企业可信IP; empty = not checked. */
  trustedIps: z
    .array(z.string().refine((ip) => isIP(ip) !== 0, 'must be an IPv4 or IPv6 address'))
    .default([]),
  visibleRange: z
    .object({
      userIds: z.array(userIdSchema).default([]),
      departmentIds: z.array(departmentIdSchema).default([]),
    })
    .default({ userIds: [], departmentIds: [] }),
  callback: z
    .object({
      url: z.url(),
      token: z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits'),
      encodingAESKey: z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be 43 letters or digits'),
    })
    .optional(),
});

export const corpSchema = z.object({
  corpId: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be letters and digits'),
  name: z.string().min(1),
  apps: z.array(appSchema).default([]),
  departments: z.array(departmentSchema).min(1),
  users: z.array(userSchema).default([]),
});

export const miniProgramSchema = z.object({
  appId: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be letters and digits'),
  name: z.string().min(1),
});

/**
 * The zod schema of a sandbox directory fixture: corps with their apps, departments and members, and the
 * mini programs the apps are associated with. Cross-references (ids that must exist, duplicates) are checked too.
 *
 * @example
 * ```ts
 * const result = directorySchema.safeParse(JSON.parse(text));
 * ```
 */
export const directorySchema = z
  .object({
    corps: z.array(corpSchema).min(1),
    miniPrograms: z.array(miniProgramSchema).default([]),
  })
  .superRefine((directory, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const miniProgramIds = new Set<string>();
    directory.miniPrograms.forEach((mp, i) => {
      if (miniProgramIds.has(mp.appId)) issue(['miniPrograms', i, 'appId'], `duplicate appId ${mp.appId}`);
      miniProgramIds.add(mp.appId);
    });
    const corpIds = new Set<string>();
    directory.corps.forEach((corp, c) => {
      const at = (...rest: (string | number)[]): (string | number)[] => ['corps', c, ...rest];
      if (corpIds.has(corp.corpId)) issue(at('corpId'), `duplicate corpId ${corp.corpId}`);
      corpIds.add(corp.corpId);

      const departmentIds = new Set<number>();
      corp.departments.forEach((dept, d) => {
        if (departmentIds.has(dept.id))
          issue(at('departments', d, 'id'), `duplicate department id ${dept.id}`);
        departmentIds.add(dept.id);
      });
      corp.departments.forEach((dept, d) => {
        if (dept.parentid !== 0 && !departmentIds.has(dept.parentid)) {
          issue(at('departments', d, 'parentid'), `unknown parent department ${dept.parentid}`);
        }
      });

      const userIds = new Set<string>();
      corp.users.forEach((user, u) => {
        const key = user.userid.toLowerCase();
        if (userIds.has(key)) issue(at('users', u, 'userid'), `duplicate userid ${user.userid}`);
        userIds.add(key);
      });
      const knownUser = (id: string): boolean => userIds.has(id.toLowerCase());

      corp.departments.forEach((dept, d) => {
        dept.department_leader.forEach((leader, l) => {
          if (!knownUser(leader))
            issue(at('departments', d, 'department_leader', l), `unknown userid ${leader}`);
        });
      });
      corp.users.forEach((user, u) => {
        user.department.forEach((id, i) => {
          if (!departmentIds.has(id)) issue(at('users', u, 'department', i), `unknown department ${id}`);
        });
        for (const field of ['order', 'is_leader_in_dept'] as const) {
          const values = user[field];
          if (values !== undefined && values.length !== user.department.length) {
            issue(
              at('users', u, field),
              `must have as many entries as department (${user.department.length})`,
            );
          }
        }
        if (user.main_department !== undefined && !user.department.includes(user.main_department)) {
          issue(at('users', u, 'main_department'), 'must be one of the departments');
        }
        user.direct_leader.forEach((leader, l) => {
          if (!knownUser(leader)) issue(at('users', u, 'direct_leader', l), `unknown userid ${leader}`);
        });
      });

      const agentIds = new Set<number>();
      const secrets = new Set<string>();
      corp.apps.forEach((app, a) => {
        if (agentIds.has(app.agentId)) issue(at('apps', a, 'agentId'), `duplicate agentId ${app.agentId}`);
        agentIds.add(app.agentId);
        if (secrets.has(app.secret)) issue(at('apps', a, 'secret'), 'duplicate secret');
        secrets.add(app.secret);
        if (app.miniProgramAppId !== null && !miniProgramIds.has(app.miniProgramAppId)) {
          issue(at('apps', a, 'miniProgramAppId'), `unknown mini program ${app.miniProgramAppId}`);
        }
        app.visibleRange.userIds.forEach((id, i) => {
          if (!knownUser(id)) issue(at('apps', a, 'visibleRange', 'userIds', i), `unknown userid ${id}`);
        });
        app.visibleRange.departmentIds.forEach((id, i) => {
          if (!departmentIds.has(id)) {
            issue(at('apps', a, 'visibleRange', 'departmentIds', i), `unknown department ${id}`);
          }
        });
      });
    });
  });

/** A directory fixture as written (defaults optional). */
export type DirectoryFixtureInput = z.input<typeof directorySchema>;
/** A validated directory fixture, defaults filled in. */
export type DirectoryFixture = z.output<typeof directorySchema>;
export type CorpFixture = z.output<typeof corpSchema>;
export type AppFixture = z.output<typeof appSchema>;
export type DepartmentFixture = z.output<typeof departmentSchema>;
export type UserFixture = z.output<typeof userSchema>;
export type MiniProgramFixture = z.output<typeof miniProgramSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}

/** Lists every problem of a zod error as `path: message` lines. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Validates a directory fixture; throws {@link SandboxError} `invalid_fixture` listing every problem with its path.
 *
 * @example
 * ```ts
 * const directory = parseDirectory({
 *   corps: [{ corpId: 'ww1', name: 'Acme', departments: [{ id: 1, name: 'Acme', parentid: 0 }] }],
 * });
 * ```
 */
export function parseDirectory(input: unknown, source = 'fixture'): DirectoryFixture {
  const result = directorySchema.safeParse(input);
  if (result.success) return result.data;
  const lines = describeIssues(result.error);
  throw new SandboxError(
    'invalid_fixture',
    `${source} is not a valid directory (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`,
  );
}
