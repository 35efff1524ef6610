/**
 * The simulator's words, in English and in Chinese: the page follows the browser's language (a `zh` first
 * preference gets Chinese, anything else English). Directory data (names, departments, positions) and the trace's
 * technical terms (API paths, errcodes, error codes) stay as they are.
 */

/** Every text of the page chrome, by what it is for. */
export interface SimulatorText {
  /** The `lang` of the page. */
  readonly lang: string;
  /**
   * Texts of the page skeleton, applied to the elements marked `data-text="<key>"` (and `-aria-label`, `-placeholder`).
   */
  readonly static: Readonly<Record<StaticKey, string>>;
  /** The hint under the gateway's URL: text, the query parameter, text. */
  readonly gatewayHint: readonly [string, string, string];
  readonly statusLabels: Readonly<Record<number, string>>;
  /** The status pill of the card, by the gateway's `status`. */
  readonly statusWords: Readonly<Record<string, string>>;
  readonly nobodyMatches: string;
  readonly directoryEmpty: string;
  openAs(name: string): string;
  people(count: number): string;
  notAssociated(miniProgram: string): string;
  readonly theMiniProgram: string;
  readonly noPosition: string;
  readonly fields: {
    readonly departments: string;
    readonly userid: string;
    readonly corp: string;
    readonly mobile: string;
    readonly expires: string;
  };
  readonly noDepartment: string;
  readonly mobileFromUserGet: string;
  readonly mobileSharedConfirmed: string;
  readonly mobileSharedClient: string;
  readonly mobileNotGiven: string;
  logInAs(name: string, corp: string): string;
  readonly logOutAction: string;
  readonly getMobileAction: string;
  readonly refreshAction: string;
  working(action: string): string;
  loggedIn(name: string, corp: string, steered: boolean): string;
  readonly loggedOut: string;
  readonly decrypted: string;
  readonly refreshed: string;
  readonly expired: string;
  expiredMany(count: number): string;
  readonly busyOn: string;
  readonly busyOff: string;
  readonly slowOn: string;
  readonly slowOff: string;
  appAge(app: string, after: boolean): string;
  readonly appAgeNone: string;
  sandboxSilent(reason: string): string;
  couldNotStart(reason: string): string;
  readonly gatewayReachable: string;
  readonly gatewayUnreachable: string;
  readonly trace: {
    readonly noCalls: string;
    readonly noCallsAnswered: string;
    readonly noCallsUnreachable: string;
    forCorp(corp: string): string;
    withTokenOf(corp: string): string;
    readonly success: string;
    readonly fail: string;
    readonly dropped: string;
    readonly unreachable: string;
    unreachableNote(reason: string): string;
  };
  readonly notes: {
    login(who: string): string;
    mobile(who: string): string;
    email(who: string): string;
    userInfo(who: string): string;
    memberOf(name: string, corp: string): string;
    sentCorpId(corp: string, afterMismatch: boolean): string;
    belongsTo(corp: string): string;
  };
}

/** The keys of {@link SimulatorText.static}. */
export type StaticKey =
  | 'pageTitle'
  | 'eyebrow'
  | 'stageTitle'
  | 'stageText'
  | 'phoneLabel'
  | 'backLabel'
  | 'appTitle'
  | 'pickerTitle'
  | 'companyLabel'
  | 'loadingDirectory'
  | 'searchLabel'
  | 'searchPlaceholder'
  | 'employeesLabel'
  | 'pickEmployee'
  | 'miniProgramLabel'
  | 'getMobile'
  | 'refresh'
  | 'logOut'
  | 'consoleLabel'
  | 'gatewayTitle'
  | 'checking'
  | 'appPanelTitle'
  | 'appAgeTitle'
  | 'appAgeNote'
  | 'troubleTitle'
  | 'busyTitle'
  | 'busyNote'
  | 'slowTitle'
  | 'slowNote'
  | 'expireButton'
  | 'expireNote'
  | 'traceTitle'
  | 'traceClear'
  | 'traceEmpty'
  | 'traceLabel';

const english: SimulatorText = {
  lang: 'en',
  static: {
    pageTitle: 'WeCom Auth · Phone simulator',
    eyebrow: 'WeCom Auth sandbox',
    stageTitle: 'Phone simulator',
    stageText:
      'Pick a company and an employee, open the mini program, and watch the login gateway talk to the WeCom sandbox. Every employee has a phone of their own.',
    phoneLabel: 'Simulated phone',
    backLabel: 'Log out and pick another employee',
    appTitle: 'Employee assistant',
    pickerTitle: 'Who is holding the phone?',
    companyLabel: 'Company',
    loadingDirectory: 'Loading the directory…',
    searchLabel: 'Search employees by name or department',
    searchPlaceholder: 'Search by name or department',
    employeesLabel: 'Employees',
    pickEmployee: 'Pick an employee',
    miniProgramLabel: 'Mini program',
    getMobile: 'Get mobile',
    refresh: 'Refresh',
    logOut: 'Log out',
    consoleLabel: 'Sandbox console',
    gatewayTitle: 'Gateway',
    checking: 'Checking…',
    appPanelTitle: 'The WeCom app',
    appAgeTitle: 'Created after 2022-06-20',
    appAgeNote: 'user/get then gives no mobile, email or avatar: the employee shares them',
    troubleTitle: 'Simulate trouble',
    busyTitle: 'WeCom busy',
    busyNote: 'jscode2session answers -1 twice at the next logins',
    slowTitle: 'Slow network',
    slowNote: 'every WeCom answer arrives 800 ms late: open the mini program to see it',
    expireButton: 'Expire the access_token now',
    expireNote: 'Then open the mini program: its login meets 42001 and the gateway renews the token.',
    traceTitle: 'Trace',
    traceClear: 'Clear',
    traceEmpty:
      "Each action appears here: the mini program's wx calls, the gateway's answers, and under each answer the calls to qyapi.weixin.qq.com it cost.",
    traceLabel: 'Trace by action',
  },
  gatewayHint: ['Another gateway: add ', '?gateway=http://host:port', ' to this page’s address.'],
  statusLabels: { 2: 'Disabled', 4: 'Not activated', 5: 'Left' },
  statusWords: {
    active: 'active',
    disabled: 'disabled',
    inactive: 'not activated',
    left: 'left',
    unknown: 'unknown',
  },
  nobodyMatches: 'Nobody matches that search.',
  directoryEmpty: 'The directory is empty.',
  openAs: (name) => `Open the mini program as ${name}`,
  people: (count) => `${count} ${count === 1 ? 'person' : 'people'}`,
  notAssociated: (miniProgram) => ` · not associated with ${miniProgram}: logins are refused`,
  theMiniProgram: 'the mini program',
  noPosition: 'No position on file',
  fields: {
    departments: 'Departments',
    userid: 'userid',
    corp: 'Corp',
    mobile: 'Mobile',
    expires: 'Token valid until',
  },
  noDepartment: 'None the app can see',
  mobileFromUserGet: 'from user/get: the app was created before 2022-06-20',
  mobileSharedConfirmed: 'shared by the employee; user/get says the same',
  mobileSharedClient: 'shared by the employee: the client’s word, user/get gives none',
  mobileNotGiven:
    'Not in user/get: apps created after 2022-06-20 get no mobile. Get mobile asks the employee to share it.',
  logInAs: (name, corp) => `Log in as ${name} · ${corp}`,
  logOutAction: 'Log out',
  getMobileAction: 'Get mobile',
  refreshAction: 'Refresh',
  working: (action) => `${action}…`,
  loggedIn: (name, corp, steered) =>
    steered
      ? `Logged in as ${name} of ${corp}: the gateway named the corp, so the SDK logged in again there and remembers it on this phone.`
      : `Logged in as ${name} of ${corp}.`,
  loggedOut: 'Logged out: the session is revoked on the gateway.',
  decrypted: 'The gateway decrypted the mobile number.',
  refreshed: 'Profile refreshed from the gateway.',
  expired:
    'The gateway’s access_token expired. Open the mini program (a login): the trace shows jscode2session meet 42001 and the gateway renew the token.',
  expiredMany: (count) =>
    `${count} access_tokens expired. Open the mini program: the trace shows 42001 and the renewal.`,
  busyOn: 'WeCom busy: each login now meets -1 twice; the gateway retries.',
  busyOff: 'WeCom is answering normally again.',
  slowOn:
    'Slow network: WeCom answers 800 ms late. Open the mini program or get the mobile: each WeCom call in the trace takes 800 ms more.',
  slowOff: 'The network is fast again.',
  appAge: (app, after) =>
    after
      ? `${app} now counts as created after 2022-06-20: user/get gives no mobile, email or avatar. The gateway may serve a profile it read before for a few minutes (PROFILE_CACHE_TTL): open the mini program as someone not opened yet to see it now.`
      : `${app} now counts as created before 2022-06-20: user/get gives the mobile again (after PROFILE_CACHE_TTL for profiles the gateway read meanwhile).`,
  appAgeNone: 'This company has no app associated with the mini program.',
  sandboxSilent: (reason) => `The sandbox did not answer: ${reason}`,
  couldNotStart: (reason) => `The simulator could not start: ${reason}`,
  gatewayReachable: 'Reachable.',
  gatewayUnreachable:
    'Not reachable: start it (npm start runs both), or allow this page’s origin in its CORS_ORIGINS.',
  trace: {
    noCalls: 'No WeCom calls.',
    noCallsAnswered: 'No WeCom calls: the gateway answered from its own state.',
    noCallsUnreachable: 'No WeCom calls: the gateway could not be reached.',
    forCorp: (corp) => `for ${corp}`,
    withTokenOf: (corp) => `with the token of ${corp}`,
    success: 'success',
    fail: 'fail',
    dropped: 'dropped',
    unreachable: 'unreachable',
    unreachableNote: (reason) =>
      `No answer (${reason}): the gateway is down, the address is wrong, or CORS_ORIGINS does not allow this page.`,
  },
  notes: {
    login: (who) => `A login code for ${who}.`,
    mobile: (who) => `The mobile of ${who}, sealed with the latest login's session_key.`,
    email: (who) => `The email of ${who}, sealed with the latest login's session_key.`,
    userInfo: (who) => `The user info of ${who}, sealed with the latest login's session_key.`,
    memberOf: (name, corp) => `${name} of ${corp}`,
    sentCorpId: (corp, afterMismatch) =>
      `Sent corpId ${corp}: ${afterMismatch ? 'the corp the gateway named' : 'the corp this phone remembers'}.`,
    belongsTo: (corp) => `The employee belongs to ${corp}: a new code is needed for that corp.`,
  },
};

const chinese: SimulatorText = {
  lang: 'zh-CN',
  static: {
    pageTitle: 'WeCom Auth · 手机模拟器',
    eyebrow: 'WeCom Auth 沙箱',
    stageTitle: '手机模拟器',
    stageText: '选择企业和员工，打开小程序，看登录网关如何与企业微信沙箱往来。每位员工都有自己的手机。',
    phoneLabel: '模拟手机',
    backLabel: '退出登录，换一位员工',
    appTitle: '员工助手',
    pickerTitle: '谁在用这部手机？',
    companyLabel: '企业',
    loadingDirectory: '正在加载通讯录…',
    searchLabel: '按姓名或部门搜索员工',
    searchPlaceholder: '搜索姓名或部门',
    employeesLabel: '员工',
    pickEmployee: '请选择员工',
    miniProgramLabel: '小程序',
    getMobile: '获取手机号',
    refresh: '刷新',
    logOut: '退出登录',
    consoleLabel: '沙箱控制台',
    gatewayTitle: '登录网关',
    checking: '正在检查…',
    appPanelTitle: '企业微信应用',
    appAgeTitle: '2022-06-20 之后创建',
    appAgeNote: '此时 user/get 不返回手机号、邮箱和头像，需员工授权提供',
    troubleTitle: '模拟故障',
    busyTitle: '企业微信繁忙',
    busyNote: '之后的登录中 jscode2session 两次返回 -1',
    slowTitle: '网络缓慢',
    slowNote: '企业微信的每个应答都晚到 800 毫秒：打开小程序即可看到',
    expireButton: '让 access_token 立即过期',
    expireNote: '然后打开小程序：登录会遇到 42001，网关随即换新令牌。',
    traceTitle: '调用追踪',
    traceClear: '清空',
    traceEmpty:
      '每个操作都会列在这里：小程序的 wx 调用、网关的应答，以及每个应答背后对 qyapi.weixin.qq.com 的调用。',
    traceLabel: '按操作列出的调用追踪',
  },
  gatewayHint: ['使用其他网关：在本页地址后加上 ', '?gateway=http://host:port', '。'],
  statusLabels: { 2: '已停用', 4: '未激活', 5: '已离职' },
  statusWords: { active: '在职', disabled: '已停用', inactive: '未激活', left: '已离职', unknown: '未知' },
  nobodyMatches: '没有匹配的员工。',
  directoryEmpty: '通讯录是空的。',
  openAs: (name) => `以 ${name} 的身份打开小程序`,
  people: (count) => `${count} 人`,
  notAssociated: (miniProgram) => ` · 未关联${miniProgram}：登录会被拒绝`,
  theMiniProgram: '该小程序',
  noPosition: '未填写职务',
  fields: {
    departments: '部门',
    userid: 'userid',
    corp: '企业',
    mobile: '手机号',
    expires: '令牌有效期至',
  },
  noDepartment: '应用可见范围内没有部门',
  mobileFromUserGet: '来自 user/get：应用创建于 2022-06-20 之前',
  mobileSharedConfirmed: '员工授权提供，与 user/get 一致',
  mobileSharedClient: '员工授权提供：仅为客户端所述，user/get 未返回',
  mobileNotGiven: 'user/get 未返回：2022-06-20 之后创建的应用拿不到手机号。点“获取手机号”请员工授权。',
  logInAs: (name, corp) => `以 ${name} 登录 · ${corp}`,
  logOutAction: '退出登录',
  getMobileAction: '获取手机号',
  refreshAction: '刷新',
  working: (action) => `${action}…`,
  loggedIn: (name, corp, steered) =>
    steered
      ? `已以${corp}的 ${name} 登录：网关指明了所属企业，SDK 在该企业重新登录，并在这部手机上记住了它。`
      : `已以${corp}的 ${name} 登录。`,
  loggedOut: '已退出登录：网关上的会话已撤销。',
  decrypted: '网关已解密手机号。',
  refreshed: '已从网关刷新资料。',
  expired:
    '网关的 access_token 已过期。打开小程序（登录）：追踪中可见 jscode2session 遇到 42001，网关随即换新令牌。',
  expiredMany: (count) => `${count} 个 access_token 已过期。打开小程序：追踪中可见 42001 和换新。`,
  busyOn: '企业微信繁忙：每次登录都会两次遇到 -1，网关会重试。',
  busyOff: '企业微信已恢复正常。',
  slowOn:
    '网络缓慢：企业微信晚 800 毫秒应答。打开小程序或获取手机号：追踪中的每次企业微信调用都多用 800 毫秒。',
  slowOff: '网络已恢复。',
  appAge: (app, after) =>
    after
      ? `${app} 现视为 2022-06-20 之后创建：user/get 不再返回手机号、邮箱和头像。网关可能在几分钟内（PROFILE_CACHE_TTL）仍使用之前读到的资料：以尚未打开过的员工身份打开小程序即可立即看到。`
      : `${app} 现视为 2022-06-20 之前创建：user/get 重新返回手机号（网关在此期间读到的资料要等 PROFILE_CACHE_TTL 之后）。`,
  appAgeNone: '该企业没有关联此小程序的应用。',
  sandboxSilent: (reason) => `沙箱没有应答：${reason}`,
  couldNotStart: (reason) => `模拟器无法启动：${reason}`,
  gatewayReachable: '可以连接。',
  gatewayUnreachable:
    '无法连接：请启动网关（npm start 会同时启动两者），或在其 CORS_ORIGINS 中允许本页的来源。',
  trace: {
    noCalls: '没有企业微信调用。',
    noCallsAnswered: '没有企业微信调用：网关凭自身状态应答。',
    noCallsUnreachable: '没有企业微信调用：无法连接网关。',
    forCorp: (corp) => `为 ${corp}`,
    withTokenOf: (corp) => `使用 ${corp} 的令牌`,
    success: '成功',
    fail: '失败',
    dropped: '连接中断',
    unreachable: '无法连接',
    unreachableNote: (reason) => `没有应答（${reason}）：网关未运行、地址有误，或 CORS_ORIGINS 不允许本页。`,
  },
  notes: {
    login: (who) => `为 ${who} 生成登录 code。`,
    mobile: (who) => `${who} 的手机号，用最近一次登录的 session_key 加密。`,
    email: (who) => `${who} 的邮箱，用最近一次登录的 session_key 加密。`,
    userInfo: (who) => `${who} 的用户信息，用最近一次登录的 session_key 加密。`,
    memberOf: (name, corp) => `${corp}的 ${name}`,
    sentCorpId: (corp, afterMismatch) =>
      `发送了 corpId ${corp}：${afterMismatch ? '网关指明的企业' : '这部手机记住的企业'}。`,
    belongsTo: (corp) => `该员工属于 ${corp}：需为该企业取新的 code。`,
  },
};

/**
 * The texts for a browser whose preferred languages are `languages` (`navigator.languages`): Chinese when the first
 * is Chinese, else English.
 *
 * @example
 * ```ts
 * const text = textFor(navigator.languages);
 * ```
 */
export function textFor(languages: readonly string[]): SimulatorText {
  const [first = ''] = languages;
  return first.toLowerCase().startsWith('zh') ? chinese : english;
}

/** The texts of this page. */
export const text: SimulatorText = textFor(
  typeof navigator === 'undefined'
    ? []
    : navigator.languages.length > 0
      ? navigator.languages
      : [navigator.language],
);

/** Puts the page skeleton's texts in the page's language: every `data-text`, `-aria-label` and `-placeholder`. */
export function applyStaticText(root: Document): void {
  root.documentElement.lang = text.lang;
  root.title = text.static.pageTitle;
  const lookup = (key: string | undefined): string | undefined =>
    key !== undefined && key in text.static ? text.static[key as StaticKey] : undefined;
  for (const node of root.querySelectorAll<HTMLElement>('[data-text]')) {
    const value = lookup(node.dataset.text);
    if (value !== undefined) node.textContent = value;
  }
  for (const node of root.querySelectorAll<HTMLElement>('[data-text-aria-label]')) {
    const value = lookup(node.dataset.textAriaLabel);
    if (value !== undefined) node.setAttribute('aria-label', value);
  }
  for (const node of root.querySelectorAll<HTMLInputElement>('[data-text-placeholder]')) {
    const value = lookup(node.dataset.textPlaceholder);
    if (value !== undefined) node.placeholder = value;
  }
}
