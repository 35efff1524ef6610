import { type DirectoryFixture, type DirectoryFixtureInput, parseDirectory } from './directory-schema.js';

/** Corp id of the bundled demo company. */
export const DEMO_CORP_ID = 'wwdemo0000000001';
/** Appid of the demo mini program. */
export const DEMO_MINI_PROGRAM_APP_ID = 'wxdemo0000000001';
/** The demo app associated with the mini program (visible range: the whole corp). */
export const DEMO_APP = { agentId: 1000002, secret: 'demo-secret-change-me' } as const;
/** A second corp whose members are not associated with the demo mini program. */
export const OTHER_CORP_ID = 'wwother000000002';
/**
 * A subsidiary of the demo company, whose own app is associated with the same mini program (WeCom's multi-corp
 * association). Some of its userids are also userids of the demo corp, held by other people: a userid is unique only
 * inside its corp.
 */
export const SUBSIDIARY_CORP_ID = 'wwsub00000000003';
/** The subsidiary's app associated with the demo mini program, with a secret of its own. */
export const SUBSIDIARY_APP = { agentId: 1000002, secret: 'sub-secret-change-me' } as const;

type Row = readonly [
  userid: string,
  name: string,
  gender: '1' | '2',
  departments: number[],
  position: string,
];

const ACTIVE = 1 as const;
const departments = [
  { id: 1, name: '演示科技有限公司', name_en: 'Demo Tech', parentid: 0, order: 100000000 },
  { id: 2, name: '研发中心', name_en: 'R&D', parentid: 1, order: 99999000 },
  { id: 3, name: '前端组', name_en: 'Frontend', parentid: 2, order: 99998000 },
  { id: 4, name: '后端组', name_en: 'Backend', parentid: 2, order: 99997000 },
  { id: 5, name: '产品部', name_en: 'Product', parentid: 1, order: 99996000 },
  { id: 6, name: '市场部', name_en: 'Marketing', parentid: 1, order: 99995000 },
  { id: 7, name: '人力资源部', name_en: 'HR', parentid: 1, order: 99994000 },
  { id: 8, name: '财务部', name_en: 'Finance', parentid: 1, order: 99993000 },
];
const leaders: Record<number, string> = {
  1: 'wangzong',
  2: 'lisi',
  3: 'zhouba',
  4: 'lisi',
  5: 'chenjing',
  6: 'yangfan',
  7: 'zhaomin',
  8: 'huangli',
};

const rows: readonly Row[] = [
  ['wangzong', '王建国', '1', [1], '总经理'],
  ['zhangsan', '张三', '1', [4], '后端工程师'],
  ['lisi', '李四', '1', [2, 4], '研发总监'],
  ['wangwu', '王五', '1', [3], '前端工程师'],
  ['zhaoliu', '赵六', '1', [5], '产品经理'],
  ['sunqi', '孙七', '2', [6], '市场专员'],
  ['zhouba', '周八', '1', [3], '前端组长'],
  ['wujiu', '吴九', '2', [4], '测试工程师'],
  ['zhengshi', '郑十', '1', [7], '人事专员'],
  ['chenjing', '陈静', '2', [5], '产品总监'],
  ['liuyang', '刘洋', '1', [4], '运维工程师'],
  ['yangfan', '杨帆', '1', [6], '市场总监'],
  ['huangli', '黄丽', '2', [8], '财务经理'],
  ['zhaomin', '赵敏', '2', [7], '人力资源总监'],
  ['xuqiang', '徐强', '1', [4], '高级后端工程师'],
  ['sunli', '孙丽', '2', [3], 'UI 设计师'],
  ['maxiaoming', '马小明', '1', [3], '前端工程师'],
  ['guojing', '郭靖', '1', [6], '渠道经理'],
  ['huangrong', '黄蓉', '2', [5], '产品经理'],
  ['linfeng', '林峰', '1', [4], '数据工程师'],
  ['hemei', '何梅', '2', [8], '会计'],
  ['gaoyuan', '高远', '1', [2], '架构师'],
  ['luoyi', '罗毅', '1', [4], '安全工程师'],
  ['liangqian', '梁倩', '2', [5], '交互设计师'],
  ['songjie', '宋杰', '1', [6], '销售经理'],
  ['tangning', '唐宁', '2', [7], '招聘专员'],
  ['hanmeimei', '韩梅梅', '2', [3, 5], '前端工程师'],
  ['lilei', '李雷', '1', [4], '后端工程师'],
  ['fengwei', '冯伟', '1', [8], '出纳'],
  ['david.smith', 'David Smith', '1', [2], 'Technical Consultant'],
  ['emily.chen', 'Emily Chen', '2', [6], 'Overseas Marketing Manager'],
  ['tom.lee', 'Tom Lee', '1', [4], 'Site Reliability Engineer'],
];
// wangwu is disabled, zhaoliu has not activated, sunqi has left: the three non-active statuses of user/get.
const statusOf: Record<string, 2 | 4 | 5> = { wangwu: 2, zhaoliu: 4, sunqi: 5 };

function leaderOf(userid: string, departmentId: number): string | undefined {
  let id: number | undefined = departmentId;
  while (id !== undefined && id !== 0) {
    const leader = leaders[id];
    if (leader !== undefined && leader !== userid) return leader;
    id = departments.find((d) => d.id === id)?.parentid;
  }
  return undefined;
}

const demoUsers = rows.map(([userid, name, gender, department, position], index) => {
  const main = department[0] ?? 1;
  const leader = leaderOf(userid, main);
  const serial = String(index + 1).padStart(4, '0');
  return {
    userid,
    name,
    department,
    order: department.map(() => 0),
    position,
    mobile: `1380000${serial}`,
    gender,
    email: `${userid}@demo.example`,
    biz_mail: `${userid}@demo.wecom.work`,
    is_leader_in_dept: department.map((id) => (leaders[id] === userid ? (1 as const) : (0 as const))),
    direct_leader: leader === undefined ? [] : [leader],
    // Relative URLs are served by the sandbox itself (GET /avatars/<userid>.svg) and made absolute in user/get.
    avatar: `/avatars/${userid}.svg`,
    thumb_avatar: `/avatars/${userid}.svg?size=100`,
    telephone: `021-5555${serial}`,
    alias: userid.includes('.') ? name : '',
    address: '上海市浦东新区演示路 1 号',
    main_department: main,
    extattr: { attrs: [{ type: 0, name: '工号', text: { value: `DEMO${serial}` } }] },
    status: statusOf[userid] ?? ACTIVE,
    qr_code: `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=demo${serial}`,
    external_position: position,
    external_profile: { external_corp_name: '演示科技', external_attr: [] },
  };
});

const demoInput: DirectoryFixtureInput = {
  miniPrograms: [{ appId: DEMO_MINI_PROGRAM_APP_ID, name: '演示员工助手' }],
  corps: [
    {
      corpId: DEMO_CORP_ID,
      name: '演示科技有限公司',
      apps: [
        {
          agentId: DEMO_APP.agentId,
          name: '员工助手',
          secret: DEMO_APP.secret,
          miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
          visibleRange: { departmentIds: [1] },
        },
        {
          agentId: 1000003,
          name: '公司公告',
          secret: 'demo-nomp-secret',
          visibleRange: { departmentIds: [1] },
        },
        {
          agentId: 1000004,
          name: '员工助手（2022 年后创建）',
          secret: 'demo-private-secret',
          miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
          createdAfter20220620: true,
          visibleRange: { departmentIds: [1] },
        },
        {
          agentId: 1000005,
          name: '财务报销',
          secret: 'demo-finance-secret',
          visibleRange: { departmentIds: [8], userIds: ['lisi'] },
        },
      ],
      departments: departments.map((d) => ({ ...d, department_leader: [leaders[d.id] ?? 'wangzong'] })),
      users: demoUsers,
    },
    {
      corpId: OTHER_CORP_ID,
      name: '协作伙伴有限公司',
      apps: [
        { agentId: 1000002, name: '协作助手', secret: 'other-secret', visibleRange: { departmentIds: [1] } },
      ],
      departments: [
        { id: 1, name: '协作伙伴有限公司', name_en: 'Partner Co', parentid: 0, order: 100000000 },
        { id: 2, name: '交付部', name_en: 'Delivery', parentid: 1, order: 99999000 },
      ],
      users: [
        { userid: 'qianduoduo', name: '钱多多', department: [1], position: '总经理', gender: '2', status: 1 },
        { userid: 'zhoujie', name: '周杰', department: [2], position: '交付经理', gender: '1', status: 1 },
        { userid: 'wuyue', name: '吴越', department: [2], position: '实施顾问', gender: '1', status: 1 },
      ],
    },
    {
      corpId: SUBSIDIARY_CORP_ID,
      name: '演示科技（深圳）有限公司',
      apps: [
        {
          agentId: SUBSIDIARY_APP.agentId,
          name: '员工助手',
          secret: SUBSIDIARY_APP.secret,
          miniProgramAppId: DEMO_MINI_PROGRAM_APP_ID,
          visibleRange: { departmentIds: [1] },
        },
      ],
      departments: [
        {
          id: 1,
          name: '演示科技（深圳）有限公司',
          name_en: 'Demo Tech Shenzhen',
          parentid: 0,
          order: 100000000,
        },
        { id: 2, name: '深圳研发部', name_en: 'Shenzhen R&D', parentid: 1, order: 99999000 },
      ],
      // zhangsan and lisi are also userids of the demo corp, held there by other people.
      users: [
        {
          userid: 'zhangsan',
          name: '张珊',
          department: [2],
          position: '嵌入式工程师',
          gender: '2',
          status: 1,
        },
        { userid: 'lisi', name: '李思远', department: [1], position: '分公司总经理', gender: '1', status: 1 },
        { userid: 'chenhao', name: '陈浩', department: [2], position: '硬件工程师', gender: '1', status: 1 },
        { userid: 'linxiao', name: '林晓', department: [2], position: '测试工程师', gender: '2', status: 1 },
      ],
    },
  ],
};

/**
 * The bundled demo directory: 演示科技有限公司 (`wwdemo0000000001`) with 32 members in 8 departments, the mini
 * program `wxdemo0000000001`, its app 1000002 (`demo-secret-change-me`), an app without a mini program (1000003,
 * `demo-nomp-secret`), a post-2022-06-20 app (1000004, `demo-private-secret`), a narrowly visible app (1000005),
 * a second corp `wwother000000002` (`other-secret`) not associated with the mini program, and a subsidiary
 * `wwsub00000000003` (`sub-secret-change-me`) whose app 1000002 is associated with the same mini program and whose
 * `zhangsan` and `lisi` are other people than the demo corp's.
 *
 * @example
 * ```ts
 * const sandbox = await createSandbox({ fixture: demoDirectory });
 * ```
 */
export const demoDirectory: DirectoryFixture = parseDirectory(demoInput, 'demo directory');
