/** Real-HTTP helpers for the suite tests: WeCom calls and control calls against a listening sandbox. */
import { demoSuite, type Sandbox } from '../src/index.js';

export const SUITE_ID: string = demoSuite.suiteId;

/** A WeCom answer: errcode may be absent (get_suite_token and get_corp_token successes). */
export interface WecomAnswer {
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** The live errmsg shape: `<text>, hint: [<25 digits>], from ip: <ip>, more info at …?e=<errcode>`. */
export function liveErrmsg(text: string, errcode: number): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^${escaped}, hint: \\[\\d{25}\\], from ip: 127\\.0\\.0\\.1, more info at https://open\\.work\\.weixin\\.qq\\.com/devtool/query\\?e=${errcode}$`,
  );
}

export class SuiteClient {
  constructor(private readonly sandbox: Sandbox) {}

  async wecom(
    path: string,
    body?: unknown,
    method = body === undefined ? 'GET' : 'POST',
  ): Promise<WecomAnswer> {
    const response = await fetch(`${this.sandbox.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
    });
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
    if (response.headers.get('content-type') !== 'application/json; charset=utf-8') {
      throw new Error(`${path}: content-type ${response.headers.get('content-type') ?? ''}`);
    }
    return (await response.json()) as WecomAnswer;
  }

  async control<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.sandbox.url}/__sandbox${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  /** A fresh ticket from the control API (the console's 刷新ticket). */
  async ticket(suiteId = SUITE_ID): Promise<string> {
    const { status, body } = await this.control<{ ticket: string }>('POST', `/suites/${suiteId}/ticket`);
    if (status !== 200) throw new Error(`ticket: HTTP ${status}`);
    return body.ticket;
  }

  async suiteToken(suite: { suiteId: string; suiteSecret: string } = demoSuite): Promise<string> {
    const answer = await this.wecom('/cgi-bin/service/get_suite_token', {
      suite_id: suite.suiteId,
      suite_secret: suite.suiteSecret,
      suite_ticket: await this.ticket(suite.suiteId),
    });
    if (typeof answer.suite_access_token !== 'string')
      throw new Error(`get_suite_token: ${JSON.stringify(answer)}`);
    return answer.suite_access_token;
  }

  /** The permanent code in force for a corp, from the installs listing. */
  async permanentCode(corpid: string, suiteId = SUITE_ID): Promise<string | null> {
    const { body } = await this.control<{ installs: { corpid: string; permanent_code: string | null }[] }>(
      'GET',
      `/suites/${suiteId}/installs?status=all&limit=10000`,
    );
    return body.installs.find((install) => install.corpid === corpid)?.permanent_code ?? null;
  }

  async corpToken(suiteToken: string, corpid: string, permanentCode: string): Promise<WecomAnswer> {
    return this.wecom(`/cgi-bin/service/get_corp_token?suite_access_token=${suiteToken}`, {
      auth_corpid: corpid,
      permanent_code: permanentCode,
    });
  }

  async login(
    userid: string,
    corpid: string,
    extra: Record<string, string> = { suiteId: SUITE_ID },
  ): Promise<string> {
    const { status, body } = await this.control<{ code: string }>('POST', '/login', {
      userid,
      corpid,
      ...extra,
    });
    if (status !== 200) throw new Error(`login: HTTP ${status} ${JSON.stringify(body)}`);
    return body.code;
  }

  jscode2session(suiteToken: string, code: string): Promise<WecomAnswer> {
    return this.wecom(
      `/cgi-bin/service/miniprogram/jscode2session?suite_access_token=${suiteToken}&js_code=${code}&grant_type=authorization_code`,
    );
  }
}
