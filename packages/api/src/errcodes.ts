/**
 * The WeCom errcodes a client can meet on the mini-program login path and around it, for a corp's own app and for a
 * third-party suite, with what the caller must do.
 * Meanings follow the official global errcode page (path/90313); hints say what to fix. Never branch on `errmsg`:
 * WeCom changes its wording, so everything here is keyed by the number alone.
 */

/** What a caller must do about an errcode. */
export type ErrcodeClass =
  /** The access_token is bad or old: refresh it once and replay. */
  | 'token'
  /** WeCom is busy: retry with bounded backoff. */
  | 'retryable'
  /** Frequency or concurrency limit: back off for the window, never retry hot. */
  | 'rate_limit'
  /** Caused by the end user's input (a bad code, an unknown userid): tell them, don't retry. */
  | 'client'
  /** A setting of this deployment or of the WeCom admin console is wrong: an operator must fix it. */
  | 'config'
  /**
   * A corp's authorisation of a third-party suite is gone (it uninstalled the app, or its permanent code was reset):
   * mark the corp uninstalled; it must install the app again.
   */
  | 'authorization';

/** One row of the errcode table: what an errcode means and what to do about it. */
export interface ErrcodeInfo {
  /** WeCom's number. */
  readonly errcode: number;
  /** The official meaning, in English. */
  readonly meaning: string;
  /** What a caller must do about it. */
  readonly class: ErrcodeClass;
  /** What to check or change, written for the person who can fix it. */
  readonly hint: string;
}

const table: readonly ErrcodeInfo[] = [
  {
    errcode: -1,
    meaning: 'System busy',
    class: 'retryable',
    hint: 'WeCom is temporarily unavailable; retry with backoff, at most 3 times.',
  },
  {
    errcode: 6000,
    meaning: 'Data version conflict',
    class: 'retryable',
    hint: 'Several callers changed the same data at once; retry a little later.',
  },
  {
    errcode: 40001,
    meaning: 'Invalid secret',
    class: 'config',
    hint: 'The corpsecret does not match the corpid, was reset in the WeCom admin console, or the app is disabled. Use the secret of the WeCom app the mini program is associated with (admin console: App Management > the app > Secret).',
  },
  {
    errcode: 40003,
    meaning: 'Invalid userid',
    class: 'client',
    hint: 'The userid is malformed, not in the directory, has left, or is an encrypted id used where a plain one is expected.',
  },
  {
    errcode: 40013,
    meaning: 'Invalid corpid',
    class: 'config',
    hint: 'Use the corp ID shown in the WeCom admin console under My Company > Company Information (it starts with "ww"), not the mini program appid.',
  },
  {
    errcode: 40014,
    meaning: 'Invalid access_token',
    class: 'token',
    hint: 'The access_token expired early or is malformed; it is refreshed once automatically. If it persists on jscode2session, the token comes from an app that is not the one associated with this mini program.',
  },
  {
    errcode: 40029,
    meaning: 'Invalid code',
    class: 'client',
    hint: 'A login code is single-use and lives 5 minutes: the mini program must call wx.qy.login again. Was wx.login used instead of wx.qy.login, or was the same code sent twice (double tap, retry, two servers)?',
  },
  {
    errcode: 40031,
    meaning: 'Invalid userid list',
    class: 'client',
    hint: 'Every userid in the list must be a valid member id.',
  },
  {
    errcode: 40058,
    meaning: 'Invalid parameter',
    class: 'client',
    hint: 'The JSON body is invalid, too long or misses a required field, or a POST API was called with GET.',
  },
  {
    errcode: 40063,
    meaning: 'Empty parameter',
    class: 'client',
    hint: 'A required parameter is empty.',
  },
  {
    errcode: 40078,
    meaning: 'Invalid auth_code',
    class: 'client',
    hint: 'The temporary auth code of an install is single-use and lives 10 minutes. If the create_auth (or reset_permanent_code) event was delivered twice, the first exchange already holds the permanent code; otherwise the corp must install the app again.',
  },
  {
    errcode: 40080,
    meaning: 'Invalid suite_secret',
    class: 'config',
    hint: 'The suite secret does not match the suite ID, or was reset: use the secret shown for this app in the WeCom provider console (App Management > the app > Secret).',
  },
  {
    errcode: 40082,
    meaning: 'Invalid suite_access_token',
    class: 'token',
    hint: 'The suite_access_token expired early or is malformed; it is refreshed once automatically. If it persists, the token belongs to another suite.',
  },
  {
    errcode: 40083,
    meaning: 'Invalid suite_id',
    class: 'config',
    hint: 'Use the suite ID shown for this app in the WeCom provider console (it starts with "ww", "wx" or "dk"). WeCom also answers this when get_suite_token is called with GET: its parameters travel in a JSON body, by POST.',
  },
  {
    errcode: 40084,
    meaning: 'Invalid permanent_code',
    class: 'authorization',
    hint: 'The permanent code of this corp is no longer valid: the corp uninstalled the app, or its permanent code was reset (the reset_permanent_code event carries the auth code to exchange for the new one). Unless a newer permanent code was stored, mark the corp uninstalled: it must install the app again.',
  },
  {
    errcode: 40085,
    meaning: 'Invalid suite_ticket',
    class: 'config',
    hint: "The suite_ticket is unknown, stale or belongs to another suite. WeCom pushes a new one to the suite's instruction callback URL every 10 minutes and only the newest is valid (for 30 minutes): check that the callback URL set in the WeCom provider console answers and stores every push, and force one with the console's refresh-ticket button.",
  },
  {
    errcode: 40086,
    meaning: 'Invalid third-party app ID',
    class: 'client',
    hint: 'An app ID in the session info of set_session_info is not an app of this suite: leave the list empty to allow every app of the suite.',
  },
  {
    errcode: 40091,
    meaning: 'Secret is invalid',
    class: 'config',
    hint: 'The secret belongs to another corp: use the secret of a WeCom app of the corp whose corp ID is given.',
  },
  {
    errcode: 41001,
    meaning: 'Missing access_token',
    class: 'token',
    hint: 'The access_token must be in the URL query string, not the body.',
  },
  {
    errcode: 41002,
    meaning: 'Missing corpid',
    class: 'config',
    hint: 'The request had no corpid: give the corp ID shown in the WeCom admin console under My Company > Company Information.',
  },
  {
    errcode: 41004,
    meaning: 'Missing secret',
    class: 'config',
    hint: 'The request had no corpsecret: give the secret of the WeCom app the mini program is associated with (admin console: App Management > the app > Secret).',
  },
  {
    errcode: 41009,
    meaning: 'Missing userid',
    class: 'client',
    hint: "The request needs a userid; pass the member's userid.",
  },
  {
    errcode: 41021,
    meaning: 'Missing suite_id',
    class: 'config',
    hint: 'The request had no suite_id: give the suite ID shown for this app in the WeCom provider console.',
  },
  {
    errcode: 41022,
    meaning: 'Missing suite_access_token',
    class: 'token',
    hint: 'The suite_access_token must be in the URL query string, not the body.',
  },
  {
    errcode: 41023,
    meaning: 'Missing suite_ticket',
    class: 'config',
    hint: "The request had no suite_ticket: none has been received at the suite's instruction callback URL yet. Check the callback URL in the WeCom provider console and force a push with the refresh-ticket button.",
  },
  {
    errcode: 41024,
    meaning: 'Missing secret',
    class: 'config',
    hint: 'The request had no secret (suite_secret for get_suite_token): give the secret shown for this app in the WeCom provider console (App Management > the app > Secret).',
  },
  {
    errcode: 41025,
    meaning: 'Missing permanent_code',
    class: 'config',
    hint: 'The request had no permanent_code: give the permanent code stored when the corp installed the app.',
  },
  {
    errcode: 42001,
    meaning: 'access_token expired',
    class: 'token',
    hint: 'The access_token expired; it is refreshed once automatically.',
  },
  {
    errcode: 42007,
    meaning: 'pre_auth_code expired',
    class: 'client',
    hint: 'A pre-auth code lives 20 minutes (its expires_in): get a new one with get_pre_auth_code for each install link.',
  },
  {
    errcode: 42009,
    meaning: 'suite_access_token expired',
    class: 'token',
    hint: 'The suite_access_token expired; it is refreshed once automatically.',
  },
  {
    errcode: 42013,
    meaning: 'Mini program not logged in or login expired',
    class: 'client',
    hint: 'The mini program must log in again with wx.qy.login.',
  },
  {
    errcode: 43004,
    meaning: 'Userid not bound to WeChat',
    class: 'client',
    hint: 'The member has not logged into WeCom with WeChat nor followed the WeChat plugin, so no openid exists.',
  },
  {
    errcode: 45009,
    meaning: 'API frequency limit exceeded',
    class: 'rate_limit',
    hint: 'WeCom blocks the caller for the rest of the window (a minute or an hour). Cache the access_token instead of fetching it per request, and do not retry at once: it extends the block. Many bad-secret calls block the IP for an hour.',
  },
  {
    errcode: 45033,
    meaning: 'API concurrency limit exceeded',
    class: 'rate_limit',
    hint: 'Too many calls to this API are in flight for the corp; lower the concurrency and retry later.',
  },
  {
    errcode: 46004,
    meaning: 'User does not exist',
    class: 'client',
    hint: 'No member matches the given mobile or email.',
  },
  {
    errcode: 48001,
    meaning: 'API not authorised',
    class: 'config',
    hint: 'The app is not authorised for this API.',
  },
  {
    errcode: 48002,
    meaning: 'API forbidden',
    class: 'config',
    hint: "The app's permissions do not cover this API. For jscode2session: the login code comes from a mini program other than the one associated with the WeCom app whose secret is used; check which mini program the app is associated with in the WeCom admin console (App Management > the app).",
  },
  {
    errcode: 48003,
    meaning: 'suite_access_token of another suite',
    class: 'config',
    hint: 'The suite_access_token was not issued to this suite ID: a token store shared by several suites must key tokens by suite ID, and the suite ID and secret must be of the same app.',
  },
  {
    errcode: 48004,
    meaning: 'Authorisation invalid or cancelled',
    class: 'authorization',
    hint: 'The corp has no valid authorisation of this suite: it uninstalled the app, or never installed it. Mark the corp uninstalled; it must install the app again.',
  },
  {
    errcode: 50001,
    meaning: 'redirect_url not a trusted domain',
    class: 'config',
    hint: "Add the redirect domain to the app's trusted domains.",
  },
  {
    errcode: 50002,
    meaning: 'Member outside the permitted range',
    class: 'client',
    hint: "The member is outside the app's visible range.",
  },
  {
    errcode: 50003,
    meaning: 'App disabled',
    class: 'config',
    hint: 'Enable the app in the WeCom admin console (App Management).',
  },
  {
    errcode: 60003,
    meaning: 'Department not found',
    class: 'client',
    hint: 'No department has this id.',
  },
  {
    errcode: 60011,
    meaning: 'No privilege',
    class: 'client',
    hint: "The member or department is outside the app's visible range. Widen the app's visible range in the admin console if this member should use the mini program.",
  },
  {
    errcode: 60020,
    meaning: 'Untrusted caller IP',
    class: 'config',
    hint: "Add this server's egress IP to the trusted IPs of the app associated with the mini program (App Management > the app > Trusted IP; a trusted domain or callback URL must be set first). Changes take about a minute.",
  },
  {
    errcode: 60111,
    meaning: 'Userid not found',
    class: 'client',
    hint: "The userid does not exist, has left, or is outside the app's visible range.",
  },
  {
    errcode: 60123,
    meaning: 'Invalid department id',
    class: 'client',
    hint: 'The department id is invalid.',
  },
  {
    errcode: 81013,
    meaning: 'Users, departments and tags all invalid',
    class: 'client',
    hint: 'None of the given recipients exists or is visible to the app.',
  },
  {
    errcode: 84014,
    meaning: 'User ticket expired',
    class: 'client',
    hint: 'A user_ticket lives 1800 seconds; authenticate again.',
  },
  {
    errcode: 84015,
    meaning: 'User ticket invalid',
    class: 'client',
    hint: 'The user_ticket is invalid; authenticate again.',
  },
  {
    errcode: 301002,
    meaning: 'No permission for this app',
    class: 'config',
    hint: 'The access_token belongs to another app (agent).',
  },
  {
    errcode: 2000002,
    meaning: 'Corp ID not found',
    class: 'client',
    hint: 'No corp has this ID. Third-party apps see encrypted corp IDs, which are case-sensitive: pass the corp ID exactly as the install (auth_corp_info.corpid) gave it.',
  },
];

const byErrcode: ReadonlyMap<number, ErrcodeInfo> = new Map(table.map((info) => [info.errcode, info]));

/** Every errcode this client knows, in table order. */
export const knownErrcodes: readonly ErrcodeInfo[] = table;

/**
 * What an errcode means and what to do about it. Unknown codes are treated as caller errors with a pointer to
 * WeCom's own lookup tool.
 *
 * @example
 * describeErrcode(40029).hint; // "A login code is single-use and lives 5 minutes: …"
 */
export function describeErrcode(errcode: number): ErrcodeInfo {
  return (
    byErrcode.get(errcode) ?? {
      errcode,
      meaning: 'Unknown errcode',
      class: 'client',
      hint: `Look the code up at https://open.work.weixin.qq.com/devtool/query?e=${errcode}.`,
    }
  );
}
