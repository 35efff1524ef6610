import type {
  AppFixture,
  CorpFixture,
  DepartmentFixture,
  DirectoryFixture,
  UserFixture,
} from './directory-schema.js';

/** Read-only lookups over a validated directory: corps, apps by secret, users (case-insensitive), visibility. */
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
}
