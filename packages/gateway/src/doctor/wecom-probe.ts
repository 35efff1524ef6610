/**
 * WeCom as the doctor calls it: one plain HTTP request per call, no token cache, no retry, no replay, so that each
 * answer is exactly what WeCom said to this host. Credentials travel in the query string as WeCom requires and are
 * never part of what a call reports.
 */

/** One WeCom answer: its errcode, its errmsg and the rest of the body. */
export interface WecomAnswer {
  readonly errcode: number;
  readonly errmsg: string;
  readonly body: Readonly<Record<string, unknown>>;
  /** The answer's `Date` header, epoch ms, when it had one. */
  readonly date: number | undefined;
}

/** WeCom could not be asked: the connection failed, timed out, or the answer was not WeCom's JSON. */
export class WecomProbeError extends Error {
  override readonly name = 'WecomProbeError';
}

/** The IP WeCom says the call came from, from an errmsg's `from ip: …`. */
export function egressIpOf(errmsg: string): string | undefined {
  return /from ip: ([0-9a-fA-F.:]+)/.exec(errmsg)?.[1];
}

/** Why a fetch failed, in the words of its cause (`ENOTFOUND`, `ECONNREFUSED`, a certificate error…). */
export function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  if (typeof cause?.code === 'string') {
    return `${cause.code}${typeof cause.message === 'string' ? `: ${cause.message}` : ''}`;
  }
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Plain calls to the WeCom API at `apiBase`.
 *
 * @example
 * const probe = new WecomProbe('https://qyapi.weixin.qq.com', 5000);
 * const answer = await probe.gettoken(corpId, secret); // answer.errcode 40001: a wrong secret
 */
export class WecomProbe {
  constructor(
    readonly apiBase: string,
    private readonly timeoutMs: number,
  ) {}

  /** GET `path` with `query`; rejects with `WecomProbeError` when no WeCom answer came back. */
  call(path: string, query: Readonly<Record<string, string>> = {}): Promise<WecomAnswer> {
    return this.#request(path, query, undefined);
  }

  /**
   * POST `body` as JSON to `path` with `query`, as the provider APIs (`service/get_suite_token`,
   * `service/get_corp_token`) take their parameters; rejects with `WecomProbeError` when no WeCom answer came back.
   */
  post(
    path: string,
    query: Readonly<Record<string, string>>,
    body: Readonly<Record<string, unknown>>,
  ): Promise<WecomAnswer> {
    return this.#request(path, query, body);
  }

  async #request(
    path: string,
    query: Readonly<Record<string, string>>,
    json: Readonly<Record<string, unknown>> | undefined,
  ): Promise<WecomAnswer> {
    const url = new URL(path, `${this.apiBase.replace(/\/+$/, '')}/`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    let response: Response;
    try {
      response = await fetch(url, {
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(json === undefined
          ? {}
          : {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(json),
            }),
      });
    } catch (error) {
      throw new WecomProbeError(`${url.host} did not answer (${describeFetchFailure(error)})`, {
        cause: error,
      });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new WecomProbeError(
        `${url.host} answered HTTP ${response.status} without WeCom's JSON: is WECOM_API_BASE a WeCom API (or a proxy of it)?`,
      );
    }
    const record = body as Record<string, unknown>;
    const dateHeader = response.headers.get('date');
    const date = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
    return {
      // Some successful answers carry no errcode at all (wecom-api.md §1.2).
      errcode: typeof record.errcode === 'number' ? record.errcode : 0,
      errmsg: typeof record.errmsg === 'string' ? record.errmsg : '',
      body: record,
      date: Number.isNaN(date) ? undefined : date,
    };
  }

  gettoken(corpId: string, secret: string): Promise<WecomAnswer> {
    return this.call('/cgi-bin/gettoken', { corpid: corpId, corpsecret: secret });
  }

  jscode2session(accessToken: string, code: string): Promise<WecomAnswer> {
    return this.call('/cgi-bin/miniprogram/jscode2session', {
      access_token: accessToken,
      js_code: code,
      grant_type: 'authorization_code',
    });
  }

  departmentSimplelist(accessToken: string): Promise<WecomAnswer> {
    return this.call('/cgi-bin/department/simplelist', { access_token: accessToken });
  }

  userGet(accessToken: string, userId: string): Promise<WecomAnswer> {
    return this.call('/cgi-bin/user/get', { access_token: accessToken, userid: userId });
  }

  /** A third-party app's token: `suite_id`, `suite_secret` and a `suite_ticket` WeCom pushed, in a POST body. */
  getSuiteToken(suiteId: string, suiteSecret: string, suiteTicket: string): Promise<WecomAnswer> {
    return this.post(
      '/cgi-bin/service/get_suite_token',
      {},
      { suite_id: suiteId, suite_secret: suiteSecret, suite_ticket: suiteTicket },
    );
  }

  /** A third-party app's mini-program login: the code's corp and user, with the suite's token. */
  suiteJscode2session(suiteAccessToken: string, code: string): Promise<WecomAnswer> {
    return this.call('/cgi-bin/service/miniprogram/jscode2session', {
      suite_access_token: suiteAccessToken,
      js_code: code,
      grant_type: 'authorization_code',
    });
  }

  /** An installed corp's access token, from its permanent code, with the suite's token. */
  getCorpToken(suiteAccessToken: string, corpId: string, permanentCode: string): Promise<WecomAnswer> {
    return this.post(
      '/cgi-bin/service/get_corp_token',
      { suite_access_token: suiteAccessToken },
      { auth_corpid: corpId, permanent_code: permanentCode },
    );
  }
}
