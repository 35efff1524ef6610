import {
  type AppFixture,
  type CorpFixture,
  type DepartmentFixture,
  type DirectoryFixture,
  departmentSchema,
  describeIssues,
  type UserFixture,
  userSchema,
} from './directory-schema.js';

/**
 * Lookups over a validated directory: corps, apps by secret, users (case-insensitive), visibility; and the edits
 * the control API makes (as the admin console would). Edits throw `TypeError` when the result would be invalid.
 */
export class DirectoryIndex {
  private readonly corps = new Map<string, CorpFixture>();

  constructor(readonly fixture: DirectoryFixture) {
    for (const corp of fixture.corps) this.corps.set(corp.corpId, corp);
  }

  corp(corpId: string): CorpFixture | undefined {
    return this.corps.get(corpId);
  }

  appBySecret(corp: CorpFixture, secret: string): AppFixture | undefined {
    return corp.apps.find((app) => app.secret === secret);
  }

  app(corp: CorpFixture, agentId: number): AppFixture | undefined {
    return corp.apps.find((app) => app.agentId === agentId);
  }

  hasMiniProgram(appId: string): boolean {
    return this.fixture.miniPrograms.some((mp) => mp.appId === appId);
  }

  /** userids are case-insensitive on WeCom. */
  user(corp: CorpFixture, userid: string): UserFixture | undefined {
    const wanted = userid.toLowerCase();
    return corp.users.find((user) => user.userid.toLowerCase() === wanted);
  }

  department(corp: CorpFixture, id: number): DepartmentFixture | undefined {
    return corp.departments.find((dept) => dept.id === id);
  }

  /** Whether any app of the corp is associated with the mini program. */
  isAssociated(corp: CorpFixture, miniProgramAppId: string): boolean {
    return corp.apps.some((app) => app.miniProgramAppId === miniProgramAppId);
  }

  /** The department and all its descendants, in fixture order. */
  subtree(corp: CorpFixture, rootId: number): Set<number> {
    const ids = new Set<number>([rootId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const dept of corp.departments) {
        if (!ids.has(dept.id) && ids.has(dept.parentid)) {
          ids.add(dept.id);
          grew = true;
        }
      }
    }
    return ids;
  }

  /** Departments the app can see: the subtrees of the departments in its visible range. */
  visibleDepartments(corp: CorpFixture, app: AppFixture): Set<number> {
    const ids = new Set<number>();
    for (const root of app.visibleRange.departmentIds) {
      for (const id of this.subtree(corp, root)) ids.add(id);
    }
    return ids;
  }

  isUserVisible(corp: CorpFixture, app: AppFixture, user: UserFixture): boolean {
    const wanted = user.userid.toLowerCase();
    if (app.visibleRange.userIds.some((id) => id.toLowerCase() === wanted)) return true;
    const departments = this.visibleDepartments(corp, app);
    return user.department.some((id) => departments.has(id));
  }

  /** Replaces a member with `next` (validated), renaming every reference when the userid changes. */
  replaceUser(corp: CorpFixture, user: UserFixture, next: unknown): UserFixture {
    const parsed = userSchema.safeParse(next);
    if (!parsed.success) throw new TypeError(describeIssues(parsed.error).join('; '));
    const updated = parsed.data;
    for (const id of updated.department) {
      if (this.department(corp, id) === undefined) throw new TypeError(`department: no department ${id}`);
    }
    if (updated.main_department !== undefined && !updated.department.includes(updated.main_department)) {
      throw new TypeError('main_department: must be one of the departments');
    }
    const renamed = updated.userid.toLowerCase() !== user.userid.toLowerCase();
    if (renamed && this.user(corp, updated.userid) !== undefined) {
      throw new TypeError(`newUserid: ${updated.userid} is taken`);
    }
    const index = corp.users.indexOf(user);
    corp.users[index] = updated;
    if (renamed || updated.userid !== user.userid) this.renameReferences(corp, user.userid, updated.userid);
    return updated;
  }

  /** Adds a member (validated); the userid must be free. */
  addUser(corp: CorpFixture, input: unknown): UserFixture {
    const parsed = userSchema.safeParse(input);
    if (!parsed.success) throw new TypeError(describeIssues(parsed.error).join('; '));
    const user = parsed.data;
    if (this.user(corp, user.userid) !== undefined) throw new TypeError(`userid: ${user.userid} is taken`);
    for (const id of user.department) {
      if (this.department(corp, id) === undefined) throw new TypeError(`department: no department ${id}`);
    }
    corp.users.push(user);
    return user;
  }

  /** Removes a member and every reference to it (leaders, visible ranges). */
  removeUser(corp: CorpFixture, user: UserFixture): void {
    corp.users.splice(corp.users.indexOf(user), 1);
    this.renameReferences(corp, user.userid, undefined);
  }

  addDepartment(corp: CorpFixture, input: unknown): DepartmentFixture {
    const parsed = departmentSchema.safeParse(input);
    if (!parsed.success) throw new TypeError(describeIssues(parsed.error).join('; '));
    const dept = parsed.data;
    if (this.department(corp, dept.id) !== undefined) throw new TypeError(`id: department ${dept.id} exists`);
    if (this.department(corp, dept.parentid) === undefined) {
      throw new TypeError(`parentid: no department ${dept.parentid}`);
    }
    corp.departments.push(dept);
    return dept;
  }

  replaceDepartment(corp: CorpFixture, dept: DepartmentFixture, next: unknown): DepartmentFixture {
    const parsed = departmentSchema.safeParse(next);
    if (!parsed.success) throw new TypeError(describeIssues(parsed.error).join('; '));
    const updated = parsed.data;
    if (updated.parentid !== dept.parentid) {
      if (dept.parentid === 0) throw new TypeError('parentid: the root department cannot move');
      if (this.department(corp, updated.parentid) === undefined) {
        throw new TypeError(`parentid: no department ${updated.parentid}`);
      }
      if (this.subtree(corp, dept.id).has(updated.parentid)) {
        throw new TypeError('parentid: a department cannot move under itself');
      }
    }
    corp.departments[corp.departments.indexOf(dept)] = updated;
    return updated;
  }

  /** Removes an empty leaf department, as WeCom requires (60005 members left, 60006 sub-departments left). */
  removeDepartment(corp: CorpFixture, dept: DepartmentFixture): void {
    if (dept.parentid === 0) throw new TypeError('the root department cannot be deleted');
    if (corp.departments.some((other) => other.parentid === dept.id)) {
      throw new TypeError(`department ${dept.id} still has sub-departments`);
    }
    if (corp.users.some((user) => user.department.includes(dept.id))) {
      throw new TypeError(`department ${dept.id} still has members`);
    }
    corp.departments.splice(corp.departments.indexOf(dept), 1);
    for (const app of corp.apps) {
      app.visibleRange.departmentIds = app.visibleRange.departmentIds.filter((id) => id !== dept.id);
    }
  }

  /** Points every reference to `from` at `to`, or drops it when `to` is undefined. */
  private renameReferences(corp: CorpFixture, from: string, to: string | undefined): void {
    const wanted = from.toLowerCase();
    const swap = (ids: string[]): string[] =>
      ids.flatMap((id) => (id.toLowerCase() === wanted ? (to === undefined ? [] : [to]) : [id]));
    for (const user of corp.users) user.direct_leader = swap(user.direct_leader);
    for (const dept of corp.departments) dept.department_leader = swap(dept.department_leader);
    for (const app of corp.apps) app.visibleRange.userIds = swap(app.visibleRange.userIds);
  }
}
