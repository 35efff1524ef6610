/** How `errmsg` is written: `live` as the real service does (hint, caller IP, link), `doc` as the docs show. */
export type ErrmsgStyle = 'live' | 'doc';

/** English texts observed on the wire (see wecom-api.md §2.4, §9.1); the unobserved ones are plausible guesses. */
const ERRMSG_TEXT: Readonly<Record<number, string>> = {
  [-1]: 'system busy',
  0: 'ok',
  40001: 'invalid credential',
  40003: 'invalid userid',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40031: 'invalid userid list',
  40058: 'invalid Request Parameter',
  40077: 'invalid pre_auth_code',
  40078: 'invalid auth_code',
  40080: 'invalid suite_secret',
  // Misspelt on the wire: "invalid suite_acccess_token, hint: […]".
  40082: 'invalid suite_acccess_token',
  // Spaces on both sides, as a WeCom engineer quoted it.
  40083: ' invalid SuiteId ',
  40084: 'invalid permanent_code',
  40085: 'invalid suite_ticket',
  40086: 'invalid third-party app id',
  40091: 'secret is invalid',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing code',
  41009: 'missing userid',
  41021: 'suite_id missing',
  41022: 'suite_access_token missing',
  41023: 'suite_ticket missing',
  41025: 'permanent_code missing',
  42001: 'access_token expired',
  42007: 'pre_auth_code expired',
  42009: 'suite_access_token expired',
  43004: 'user not bind weixin or not follow weixin plugin',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  48001: 'api unauthorized',
  48002: 'api forbidden',
  48003: 'suite_access_token not match suiteid',
  48004: 'auth relation invalid',
  60003: 'department not found',
  // The trailing space is on the wire: "…contact/party/agent , hint: […]".
  60011: 'no privilege to access/modify contact/party/agent ',
  60020: 'not allow to access from your ip',
  60111: 'userid not found',
  2000002: 'corpid not found',
};

/** The bare (doc-style) text for an errcode. */
export function errmsgText(errcode: number): string {
  return ERRMSG_TEXT[errcode] ?? 'unknown error';
}

export interface ErrmsgContext {
  style: ErrmsgStyle;
  /** 25-digit hint id; see {@link makeHintId}. */
  hintId: string;
  callerIp: string;
}

/**
 * Formats an error `errmsg`. Live style:
 * `<text>, hint: [<hint>], from ip: <ip>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>`.
 */
export function formatErrmsg(errcode: number, text: string, context: ErrmsgContext): string {
  if (context.style === 'doc' || errcode === 0) return text;
  return (
    `${text}, hint: [${context.hintId}], from ip: ${context.callerIp}, ` +
    `more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`
  );
}

/** The newer hint-id form: 25 digits, the first 10 the Unix seconds of the response. */
export function makeHintId(unixSeconds: number, randomDigits: (count: number) => string): string {
  return `${String(unixSeconds).padStart(10, '0').slice(-10)}${randomDigits(15)}`;
}
