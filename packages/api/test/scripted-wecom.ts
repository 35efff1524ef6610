/**
 * A scripted stand-in for the HTTP transport, for unit tests of the token logic where every interleaving must be
 * controlled. Tests of behaviour on the wire use the sandbox over real HTTP instead.
 */
import type { Transport, TransportRequest, TransportResponse } from '@wecom-auth/api';

export type Responder = (request: TransportRequest) => TransportResponse | Promise<TransportResponse>;

export function json(body: unknown): TransportResponse {
  return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

/** One request as the scripted WeCom saw it. */
export interface SeenRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query: Record<string, string>;
  /** The parsed JSON body of a POST. */
  readonly body: unknown;
}

/** A corp that installed the scripted suite. Its corp ID is encrypted, as third parties see it: mixed case. */
export interface ScriptedInstall {
  readonly corpId: string;
  readonly corpName: string;
  readonly permanentCode: string;
  /** The auth code of its install (single use). */
  readonly authCode: string;
}

/**
 * The suite a scripted WeCom knows: `service/get_suite_token` answers only these credentials (and tickets the test
 * adds to `suite.validTickets`), and two corps have installed it.
 */
export const scriptedSuite = {
  suiteId: 'wwsuite000000001',
  suiteSecret: 'demo-suite-secret-change-me',
  suiteTicket: 'demo-suite-ticket-0001',
  corps: [
    {
      corpId: 'wpAbCdEf0000000000000000000001',
      corpName: '甲公司',
      permanentCode: 'demo-permanent-code-a-change-me',
      authCode: 'demo-auth-code-a-0000000000000000000000000000000000000000000000000000000001',
    },
    {
      corpId: 'wpGhIjKl0000000000000000000002',
      corpName: '乙公司',
      permanentCode: 'demo-permanent-code-b-change-me',
      authCode: 'demo-auth-code-b-0000000000000000000000000000000000000000000000000000000002',
    },
  ] as readonly ScriptedInstall[],
  openUserId: 'woOpenUser000000000000000000001',
} as const;

/** The install a scripted test uses most: the first corp. */
export const scriptedInstall = scriptedSuite.corps[0] as ScriptedInstall;

/** The third-party state of a scripted WeCom, for tests to change. */
export interface ScriptedSuiteState {
  /** Tickets `get_suite_token` accepts; starts with {@link scriptedSuite}'s. */
  readonly validTickets: Set<string>;
  /** Corps whose authorisation is cancelled: `get_corp_token` and `get_auth_info` answer 48004. */
  readonly cancelled: Set<string>;
  /** The corp token `get_corp_token` handed out last for `corpId`. */
  latestCorpToken(corpId: string): string;
}

export interface ScriptedWecom {
  readonly transport: Transport;
  /** Every request seen, in order, with its method, path, query and body. */
  readonly requests: SeenRequest[];
  count(path: string): number;
  /** Overrides the next answers to `path`, in order; after them the default handler answers again. */
  queue(path: string, ...responders: Responder[]): void;
}

/**
 * A WeCom that hands out `token-1`, `token-2`, … from `gettoken` and accepts only the latest one as `access_token`.
 * It also plays a third-party suite: `service/get_suite_token` (a POST with the {@link scriptedSuite} credentials in
 * its JSON body, answered without errcode as WeCom may) hands out `suite-token-1`, …, and the suite's
 * `service/miniprogram/jscode2session` accepts only the latest one as `suite_access_token` (42009 otherwise), as do
 * the install APIs (`get_corp_token`, `get_permanent_code` and its `v2`, `get_auth_info`, `get_pre_auth_code`,
 * `set_session_info`). `get_corp_token` hands out `corp-token-<corpId>-1`, … per installed corp; `user/get` with the
 * newest of those answers the member as a third party sees it (no name).
 */
export function createScriptedWecom(
  options: { expiresIn?: number } = {},
): ScriptedWecom & { latestToken(): string; latestSuiteToken(): string; suite: ScriptedSuiteState } {
  const requests: SeenRequest[] = [];
  const queues = new Map<string, Responder[]>();
  let issued = 0;
  const latest = (): string => `token-${issued}`;
  let suiteIssued = 0;
  const latestSuite = (): string => `suite-token-${suiteIssued}`;
  const validTickets = new Set<string>([scriptedSuite.suiteTicket]);
  const cancelled = new Set<string>();
  const corpIssued = new Map<string, number>();
  const latestCorp = (corpId: string): string => `corp-token-${corpId}-${corpIssued.get(corpId) ?? 0}`;
  const issueCorpToken = (corpId: string): string => {
    corpIssued.set(corpId, (corpIssued.get(corpId) ?? 0) + 1);
    return latestCorp(corpId);
  };
  const unusedAuthCodes = new Set(scriptedSuite.corps.map((corp) => corp.authCode));
  let preAuthIssued = 0;
  const installOf = (corpId: unknown): ScriptedInstall | undefined =>
    scriptedSuite.corps.find((corp) => corp.corpId === corpId);
  const authCorpInfo = (corp: ScriptedInstall) => ({
    corpid: corp.corpId,
    corp_name: corp.corpName,
    corp_type: 'verified',
    corp_user_max: 50,
    subject_type: 1,
  });
  const authInfo = {
    agent: [
      {
        agentid: 1000012,
        name: '考勤助手',
        auth_mode: 0,
        privilege: { level: 1, allow_party: [1], allow_user: [], allow_tag: [] },
      },
    ],
  };
  /** What a suite-token API answers first: 42009 to any suite token but the newest. */
  const suiteTokenRefusal = (request: TransportRequest): TransportResponse | undefined =>
    request.url.searchParams.get('suite_access_token') === latestSuite()
      ? undefined
      : json({ errcode: 42009, errmsg: 'suite_access_token expired' });
  /** The install an auth code belongs to, spending the code; 40078 for a spent or unknown one. */
  const exchange = (request: TransportRequest): ScriptedInstall | TransportResponse => {
    const code = parseBody(request.body).auth_code;
    const corp = scriptedSuite.corps.find((c) => c.authCode === code);
    if (!corp || !unusedAuthCodes.has(corp.authCode))
      return json({ errcode: 40078, errmsg: 'invalid auth_code' });
    unusedAuthCodes.delete(corp.authCode);
    return corp;
  };

  const defaults: Record<string, Responder> = {
    '/cgi-bin/gettoken': () => {
      issued += 1;
      return json({
        errcode: 0,
        errmsg: 'ok',
        access_token: latest(),
        expires_in: options.expiresIn ?? 7200,
      });
    },
    '/cgi-bin/service/get_suite_token': (request) => {
      const body = parseBody(request.body);
      // What WeCom answers a GET, whose body is dropped, or a wrong suite_id.
      if (request.method !== 'POST' || body.suite_id !== scriptedSuite.suiteId)
        return json({ errcode: 40083, errmsg: 'invalid suite_id' });
      if (body.suite_secret !== scriptedSuite.suiteSecret)
        return json({ errcode: 40080, errmsg: 'invalid suite_secret' });
      if (typeof body.suite_ticket !== 'string' || !validTickets.has(body.suite_ticket))
        return json({ errcode: 40085, errmsg: 'invalid suite_ticket' });
      suiteIssued += 1;
      return json({ suite_access_token: latestSuite(), expires_in: options.expiresIn ?? 7200 });
    },
    '/cgi-bin/service/miniprogram/jscode2session': (request) =>
      suiteTokenRefusal(request) ??
      json({
        errcode: 0,
        errmsg: 'ok',
        corpid: scriptedInstall.corpId,
        userid: 'zhangsan',
        open_userid: scriptedSuite.openUserId,
        session_key: 'scripted-session-key-0000000001',
      }),
    '/cgi-bin/service/get_corp_token': (request) => {
      const refused = suiteTokenRefusal(request);
      if (refused) return refused;
      const body = parseBody(request.body);
      const corp = installOf(body.auth_corpid);
      if (!corp) return json({ errcode: 2000002, errmsg: 'corpid not found' });
      if (cancelled.has(corp.corpId)) return json({ errcode: 48004, errmsg: 'auth relation invalid' });
      if (body.permanent_code !== corp.permanentCode)
        return json({ errcode: 40084, errmsg: 'invalid permanent_code' });
      return json({
        errcode: 0,
        errmsg: 'ok',
        access_token: issueCorpToken(corp.corpId),
        expires_in: options.expiresIn ?? 7200,
      });
    },
    '/cgi-bin/service/get_permanent_code': (request) => {
      const refused = suiteTokenRefusal(request);
      if (refused) return refused;
      const corp = exchange(request);
      if (!('corpId' in corp)) return corp;
      return json({
        errcode: 0,
        errmsg: 'ok',
        access_token: issueCorpToken(corp.corpId),
        expires_in: options.expiresIn ?? 7200,
        permanent_code: corp.permanentCode,
        dealer_corp_info: { corpid: 'wpDealer000000000000000000001', corp_name: '代理商' },
        auth_corp_info: authCorpInfo(corp),
        auth_info: authInfo,
        auth_user_info: { userid: 'admin', open_userid: 'woAdmin0000000000000000000001', name: '管理员' },
        state: 'from-site',
      });
    },
    '/cgi-bin/service/v2/get_permanent_code': (request) => {
      const refused = suiteTokenRefusal(request);
      if (refused) return refused;
      const corp = exchange(request);
      if (!('corpId' in corp)) return corp;
      return json({
        errcode: 0,
        errmsg: 'ok',
        permanent_code: corp.permanentCode,
        auth_corp_info: { corpid: corp.corpId, corp_name: corp.corpName },
        auth_user_info: { userid: 'admin', open_userid: 'woAdmin0000000000000000000001' },
      });
    },
    '/cgi-bin/service/get_auth_info': (request) => {
      const refused = suiteTokenRefusal(request);
      if (refused) return refused;
      const body = parseBody(request.body);
      const corp = installOf(body.auth_corpid);
      if (!corp) return json({ errcode: 2000002, errmsg: 'corpid not found' });
      if (cancelled.has(corp.corpId)) return json({ errcode: 48004, errmsg: 'auth relation invalid' });
      if (body.permanent_code !== corp.permanentCode)
        return json({ errcode: 40084, errmsg: 'invalid permanent_code' });
      return json({ errcode: 0, errmsg: 'ok', auth_corp_info: authCorpInfo(corp), auth_info: authInfo });
    },
    '/cgi-bin/service/get_pre_auth_code': (request) => {
      const refused = suiteTokenRefusal(request);
      if (refused) return refused;
      preAuthIssued += 1;
      return json({
        errcode: 0,
        errmsg: 'ok',
        pre_auth_code: `pre-auth-code-${preAuthIssued}`,
        expires_in: 1200,
      });
    },
    '/cgi-bin/service/set_session_info': (request) =>
      suiteTokenRefusal(request) ?? json({ errcode: 0, errmsg: 'ok' }),
  };

  const transport: Transport = async (request) => {
    const query = Object.fromEntries(request.url.searchParams);
    requests.push({
      method: request.method,
      path: request.apiPath,
      query,
      body: request.body === undefined ? undefined : JSON.parse(request.body),
    });
    const queued = queues.get(request.apiPath)?.shift();
    if (queued) return queued(request);
    const byDefault = defaults[request.apiPath];
    if (byDefault) return byDefault(request);
    // A corp token from get_corp_token: the corp's client of the suite, which sees what a third party sees.
    const corp = scriptedSuite.corps.find((c) => query.access_token === latestCorp(c.corpId));
    if (corp) {
      return json({
        errcode: 0,
        errmsg: 'ok',
        userid: query.userid ?? 'zhangsan',
        open_userid: scriptedSuite.openUserId,
        department: [1],
        main_department: 1,
        status: 1,
      });
    }
    if (query.access_token !== latest()) return json({ errcode: 42001, errmsg: 'access_token expired' });
    return json({ errcode: 0, errmsg: 'ok', userid: query.userid ?? 'zhangsan', name: '张三' });
  };

  return {
    transport,
    requests,
    latestToken: latest,
    latestSuiteToken: latestSuite,
    suite: { validTickets, cancelled, latestCorpToken: latestCorp },
    count: (path) => requests.filter((r) => r.path === path).length,
    queue(path, ...responders) {
      queues.set(path, [...(queues.get(path) ?? []), ...responders]);
    },
  };
}

function parseBody(body: string | undefined): Record<string, unknown> {
  const parsed: unknown = body === undefined ? {} : JSON.parse(body);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/** A promise with its resolver outside, to hold a response until the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
