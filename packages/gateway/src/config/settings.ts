/**
 * Every setting of the gateway, declared once: its environment variable, how it is parsed, its default and what
 * it means. The loader, the validation messages and the README's configuration table are all derived from this list,
 * so they cannot drift apart.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { defaultDatabasePath } from './database-path.js';

export interface Setting<T> {
  /** The environment variable (also the key in a `--config` JSON file). */
  readonly env: string;
  readonly schema: z.ZodType<T>;
  /** Shown in the table; `undefined` means "no default". */
  readonly defaultText: string | undefined;
  readonly description: string;
  /** Never printed, logged or echoed in a validation message. */
  readonly secret?: boolean;
}

/**
 * A whole number in `[min, max]`, from a JSON number or an environment string. Every way of missing it (not a
 * number, a fraction, out of range) gets the one message, which says what is expected: zod's own messages ("expected
 * number, received NaN") speak of its types, not of the setting.
 */
const wholeNumber = (min: number, max: number, message: string) =>
  z.union([z.number(), z.string()], { error: message }).transform((value, context) => {
    const number = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isInteger(number) && number >= min && number <= max) return number;
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
const seconds = (min: number, max: number) =>
  wholeNumber(min, max, `must be a whole number of seconds ${min}–${max}`);
const booleanWords = ['true', 'false', '1', '0', 'yes', 'no'] as const;
const bool = z
  .union([z.boolean(), z.enum(booleanWords)])
  .transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');
// 0 asks the system for a free port (tests, several instances on one host).
const port = wholeNumber(0, 65_535, 'must be a port number 1–65535, or 0 for a free one');
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((value) =>
    (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/** Comma-separated `host:port` (an IPv6 host in brackets), as Sentinels and Cluster nodes are named. */
const hostPorts = list.transform((items, context) => {
  const nodes: { host: string; port: number }[] = [];
  for (const item of items) {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(item);
    const port = Number(match?.[3]);
    const host = match?.[1] ?? match?.[2];
    if (host === undefined || !(port >= 1 && port <= 65_535)) {
      context.addIssue({
        code: 'custom',
        message: 'must be comma-separated host:port, such as 10.0.0.1:26379',
      });
      return z.NEVER;
    }
    nodes.push({ host, port });
  }
  if (nodes.length === 0) {
    context.addIssue({ code: 'custom', message: 'must name at least one host:port' });
    return z.NEVER;
  }
  return nodes;
});

/** An IPv4 or IPv6 address, optionally with a CIDR prefix length. */
function isAddressOrCidr(text: string): boolean {
  const [address = '', prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may set `X-Forwarded-For`, in the forms Fastify's `trustProxy` takes: all or none, a number of proxy
 * hops in front of the gateway, or the proxies' addresses. A gateway that clients can also reach directly must name
 * its proxies (or count them), or a client could pick its own rate-limit key with a forged header.
 */
const trustedProxies = z
  .union([z.boolean(), z.number(), z.array(z.string()), z.string()])
  .transform((value, context): boolean | number | string[] => {
    const message =
      'must be true, false, a number of proxy hops, or comma-separated proxy addresses/CIDRs such as 10.0.0.0/8';
    if (typeof value === 'boolean') return value;
    // Digits are a hop count (`1`: the one proxy in front; `0`: none, as `false`), before the boolean words, so
    // that `1` trusts exactly one proxy rather than every peer.
    if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
      const hops = Number(value);
      if (hops === 0) return false;
      if (Number.isInteger(hops) && hops <= 100) return hops;
      context.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    if (
      typeof value === 'string' &&
      (booleanWords as readonly string[]).includes(value.trim().toLowerCase())
    ) {
      return bool.parse(value.trim().toLowerCase());
    }
    const addresses = (Array.isArray(value) ? value : value.split(','))
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    if (addresses.length > 0 && addresses.every(isAddressOrCidr)) return addresses;
    context.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
/**
 * Admin bearer tokens, comma-separated. Each is long enough that guessing is hopeless (24 characters of a base64
 * alphabet: 144 bits) and is made of characters that survive a header and a shell; none is ever echoed.
 */
const adminTokens = z.union([z.array(z.string()), z.string()]).transform((value, context): string[] => {
  const tokens = (Array.isArray(value) ? value : value.split(','))
    .map((token) => token.trim())
    .filter((token) => token.length > 0);
  if (tokens.length > 0 && tokens.every((token) => /^[A-Za-z0-9\-._~+/=]{24,512}$/.test(token)))
    return tokens;
  context.addIssue({
    code: 'custom',
    message:
      'must be one or more tokens of at least 24 characters (letters, digits, -._~+/=), comma-separated',
  });
  return z.NEVER;
});
function setting<T>(definition: Setting<T>): Setting<T> {
  return definition;
}

export const settings = {
  corpId: setting({
    env: 'WECOM_CORP_ID',
    schema: z
      .string()
      .regex(/^w[wx][0-9a-zA-Z]{6,30}$/, 'must be a corp ID such as ww0123456789abcdef')
      .optional(),
    defaultText: undefined,
    description:
      'Corp ID (My Company > Company Information, starts with `ww`). Unset together with the secret: sandbox mode.',
  }),
  secret: setting({
    env: 'WECOM_SECRET',
    schema: z.string().min(1, 'must not be empty').optional(),
    defaultText: undefined,
    description: 'Secret of the WeCom app the mini program is associated with.',
    secret: true,
  }),
  secretFallbacks: setting({
    env: 'WECOM_SECRET_FALLBACKS',
    schema: list.default([]),
    defaultText: '(none)',
    description:
      'Previous secrets of the app, comma-separated, newest first. While `WECOM_AUTH_DATA_KEY` is unset the data key is derived from the secret: keep the old secret here after changing it, so that what it sealed (signing keys, sessions) is still read and resealed. In `WECOM_CORPS`: `previousSecrets` of each corp.',
    secret: true,
  }),
  secretFile: setting({
    env: 'WECOM_SECRET_FILE',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description: 'A file holding the secret (Docker/Kubernetes secrets); used when `WECOM_SECRET` is unset.',
  }),
  corps: setting({
    env: 'WECOM_CORPS',
    schema: z.union([z.string().min(1), z.array(z.unknown())]).optional(),
    defaultText: undefined,
    description:
      'Several corps whose apps are associated with the one mini program (a group): a JSON array of `{ corpId, secret | secretFile, previousSecrets?, callbackToken?, callbackAesKey? }`, the default corp first (`corps` in a `--config` file). Instead of `WECOM_CORP_ID` and its secret; see "Several corps".',
    secret: true,
  }),
  suiteId: setting({
    env: 'WECOM_SUITE_ID',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9]{6,40}$/, 'must be the SuiteID of the third-party app, such as ww0123456789abcdef')
      .optional(),
    defaultText: undefined,
    description:
      'Third-party (suite) app: its SuiteID (service provider console > the app > details). With the suite secret, token and key it runs the gateway as that app; see "Third-party (suite) apps".',
  }),
  suiteSecret: setting({
    env: 'WECOM_SUITE_SECRET',
    schema: z.string().min(1, 'must not be empty').optional(),
    defaultText: undefined,
    description: 'Third-party app: its Secret (SuiteSecret).',
    secret: true,
  }),
  suiteSecretFile: setting({
    env: 'WECOM_SUITE_SECRET_FILE',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description: 'A file holding the suite secret; used when `WECOM_SUITE_SECRET` is unset.',
  }),
  suiteToken: setting({
    env: 'WECOM_SUITE_TOKEN',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1-32 letters or digits')
      .optional(),
    defaultText: undefined,
    description:
      'Third-party app: the Token of its instruction callback (指令回调), which WeCom signs `/v1/suite/callback` with.',
    secret: true,
  }),
  suiteAesKey: setting({
    env: 'WECOM_SUITE_AES_KEY',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}$/, 'must be the 43-character EncodingAESKey')
      .optional(),
    defaultText: undefined,
    description: 'Third-party app: the EncodingAESKey of its instruction callback.',
    secret: true,
  }),
  miniProgramAppId: setting({
    env: 'WECOM_MINIPROGRAM_APPID',
    schema: z
      .string()
      .regex(/^wx[0-9a-zA-Z]{6,30}$/, 'must be a mini program appid such as wx0123456789abcdef')
      .optional(),
    defaultText: undefined,
    description:
      'The mini program appid; `watermark.appid` of decrypted data must equal it. Required with credentials.',
  }),
  apiBase: setting({
    env: 'WECOM_API_BASE',
    schema: z.url('must be an absolute http(s) URL').default('https://qyapi.weixin.qq.com'),
    defaultText: 'https://qyapi.weixin.qq.com',
    description: 'Base URL of the WeCom API (a proxy, or the sandbox).',
  }),
  wecomTimeoutMs: setting({
    env: 'WECOM_TIMEOUT_MS',
    schema: wholeNumber(100, 60_000, 'must be a whole number of milliseconds 100–60000').default(5_000),
    defaultText: '5000',
    description: 'Deadline of one call to WeCom, in milliseconds.',
  }),
  dbPath: setting({
    env: 'WECOM_AUTH_DB',
    schema: z.string().min(1).default(defaultDatabasePath),
    defaultText: defaultDatabasePath,
    description:
      'The SQLite file of the embedded default store (ignored when Redis is configured). Its directory must exist and be writable, except the default `./data`, which is created; `wecom-auth` checks it at start and says what is wrong.',
  }),
  redisUrl: setting({
    env: 'REDIS_URL',
    schema: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    defaultText: undefined,
    description:
      'Use Redis instead of SQLite, for several gateway instances sharing one token and session space. For Redis Sentinel or Redis Cluster set `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES` instead.',
    secret: true,
  }),
  redisSentinels: setting({
    env: 'REDIS_SENTINELS',
    schema: hostPorts.optional(),
    defaultText: undefined,
    description:
      'Redis Sentinel instead of one Redis: comma-separated `host:port` of the Sentinels. The primary they name is used, and found again after a failover.',
  }),
  redisSentinelName: setting({
    env: 'REDIS_SENTINEL_NAME',
    schema: z.string().min(1).default('mymaster'),
    defaultText: 'mymaster',
    description: 'With `REDIS_SENTINELS`: the name the Sentinels monitor the primary by.',
  }),
  redisSentinelPassword: setting({
    env: 'REDIS_SENTINEL_PASSWORD',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description: "With `REDIS_SENTINELS`: the Sentinels' own password, when they have one.",
    secret: true,
  }),
  redisClusterNodes: setting({
    env: 'REDIS_CLUSTER_NODES',
    schema: hostPorts.optional(),
    defaultText: undefined,
    description:
      'Redis Cluster instead of one Redis: comma-separated `host:port` of some of its nodes (the rest are learnt from them).',
  }),
  redisUsername: setting({
    env: 'REDIS_USERNAME',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description:
      'With `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`: the ACL user of the Redis servers (with `REDIS_URL`, the URL holds it).',
  }),
  redisPassword: setting({
    env: 'REDIS_PASSWORD',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description:
      'With `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`: the password of the Redis servers (with `REDIS_URL`, the URL holds it).',
    secret: true,
  }),
  redisTls: setting({
    env: 'REDIS_TLS',
    schema: bool.default(false),
    defaultText: 'false',
    description:
      'With `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`: connect to the Redis servers over TLS (with `REDIS_URL`, use `rediss://`).',
  }),
  redisWaitReplicas: setting({
    env: 'REDIS_WAIT_REPLICAS',
    schema: wholeNumber(0, 5, 'must be a whole number 0–5').default(0),
    defaultText: '0',
    description:
      'Confirm each write that must survive a failover (a session, a rotation, a revocation, a callback event, an install) on this many replicas with `WAIT` before answering; 0 does not wait. See docs/deployment.md, "Redis in production".',
  }),
  redisWaitTimeoutMs: setting({
    env: 'REDIS_WAIT_TIMEOUT_MS',
    schema: wholeNumber(10, 1_000, 'must be a whole number of milliseconds 10–1000').default(250),
    defaultText: '250',
    description:
      'With `REDIS_WAIT_REPLICAS`: how long a write waits for its replicas; fewer in time answer 503 `store_unavailable` rather than acknowledge a write a failover could lose.',
  }),
  dataKey: setting({
    env: 'WECOM_AUTH_DATA_KEY',
    schema: z
      .string()
      .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
      .optional(),
    defaultText: 'derived from the secret',
    description:
      'Key (32 bytes, base64) that encrypts session_keys and signing keys at rest. Derived from the secret when unset (a secret change then needs `WECOM_SECRET_FALLBACKS`). A new key needs the old one in `WECOM_AUTH_DATA_KEY_FALLBACKS`; the data key derived from each configured secret is always a fallback, so setting this key later loses nothing.',
    secret: true,
  }),
  dataKeyFallbacks: setting({
    env: 'WECOM_AUTH_DATA_KEY_FALLBACKS',
    schema: list
      .refine(
        (keys) => keys.every((key) => Buffer.from(key, 'base64').length === 32),
        'must be comma-separated keys of 32 bytes, base64-encoded',
      )
      .default([]),
    defaultText: '(none)',
    description:
      'Previous data keys, comma-separated, newest first: what they sealed is still read, and resealed under `WECOM_AUTH_DATA_KEY` in the background (or at once by `wecom-auth rotate-data-key`). Remove one once `wecom-auth doctor` reports nothing sealed under it; see docs/operations.md.',
    secret: true,
  }),
  host: setting({
    env: 'HOST',
    schema: z.string().min(1).default('127.0.0.1'),
    defaultText: '127.0.0.1',
    description: 'Interface the gateway listens on (`0.0.0.0` for all).',
  }),
  port: setting({
    env: 'PORT',
    schema: port.default(8080),
    defaultText: '8080',
    description: 'Port of the gateway.',
  }),
  sandboxApp: setting({
    env: 'SANDBOX_APP',
    schema: z.enum(['self-built', 'suite'], { error: 'must be self-built or suite' }).default('self-built'),
    defaultText: 'self-built',
    description:
      "Sandbox mode: run as the demo corps' self-built apps, or as the demo third-party (suite) app installed by them.",
  }),
  sandboxHost: setting({
    env: 'SANDBOX_HOST',
    schema: z.string().min(1).default('127.0.0.1'),
    defaultText: '127.0.0.1',
    description:
      'Interface of the sandbox in sandbox mode. Its control API mints a login code for any employee: keep it on the loopback unless the network is yours alone.',
  }),
  sandboxPort: setting({
    env: 'SANDBOX_PORT',
    schema: port.default(9000),
    defaultText: '9000',
    description: 'Port of the sandbox in sandbox mode.',
  }),
  issuer: setting({
    env: 'JWT_ISSUER',
    schema: z.string().min(1).default('wecom-auth'),
    defaultText: 'wecom-auth',
    description: '`iss` of the access tokens.',
  }),
  audience: setting({
    env: 'JWT_AUDIENCE',
    schema: z.string().min(1).default('wecom-auth'),
    defaultText: 'wecom-auth',
    description: '`aud` of the access tokens.',
  }),
  accessTokenTtl: setting({
    env: 'ACCESS_TOKEN_TTL',
    schema: seconds(60, 86_400).default(900),
    defaultText: '900',
    description: 'Lifetime of an access token, in seconds.',
  }),
  refreshTokenTtl: setting({
    env: 'REFRESH_TOKEN_TTL',
    schema: seconds(300, 365 * 86_400).default(30 * 86_400),
    defaultText: '2592000',
    description: 'Lifetime of a refresh token (and of an idle session), in seconds; each refresh renews it.',
  }),
  loginRetryWindow: setting({
    env: 'LOGIN_RETRY_WINDOW_SECONDS',
    schema: seconds(0, 300).default(60),
    defaultText: '60',
    description:
      'How long the answer of a login is kept, sealed, for a retry of the same request (same code, same client address and User-Agent), in seconds: a phone that lost the answer on a bad network gets the same session once more, instead of `401 code_invalid` for a code WeCom takes once. At most a code\'s 5-minute life; 0 keeps nothing. See docs/security-model.md, "Retries".',
  }),
  refreshReuseInterval: setting({
    env: 'REFRESH_REUSE_INTERVAL_SECONDS',
    schema: seconds(0, 60).default(30),
    defaultText: '30',
    description:
      'For how long after a refresh a repeat of the refresh token it replaced is given the same new pair instead of revoking the session (two tabs refreshing at once, a retry after a lost answer), in seconds; a reuse after it still revokes the session. 0: every reuse revokes at once. See docs/security-model.md, "Retries".',
  }),
  profileCacheTtl: setting({
    env: 'PROFILE_CACHE_TTL',
    schema: seconds(0, 86_400).default(600),
    defaultText: '600',
    description: 'How long an employee profile from `user/get` is reused, in seconds.',
  }),
  decryptMaxAge: setting({
    env: 'DECRYPT_MAX_AGE_SECONDS',
    schema: seconds(30, 3_600).default(300),
    defaultText: '300',
    description:
      'Data sent to `POST /v1/me/decrypt` whose watermark is older than this is refused (`watermark_expired`), in seconds: getMobile/getEmail data is sent the moment the employee agrees.',
  }),
  decryptMaxFutureSkew: setting({
    env: 'DECRYPT_MAX_FUTURE_SKEW_SECONDS',
    schema: seconds(0, 600).default(60),
    defaultText: '60',
    description:
      "How far a decrypted watermark may be ahead of the gateway's clock, in seconds; a later one is refused, so that a future date cannot stretch `DECRYPT_MAX_AGE_SECONDS`.",
  }),
  loginRateLimit: setting({
    env: 'LOGIN_RATE_LIMIT',
    schema: wholeNumber(1, 1_000_000, 'must be a whole number of logins per minute 1–1000000').default(600),
    defaultText: '600',
    description:
      'Logins per minute from one IP. Offices share one egress IP and log in around 9 am: keep it in the hundreds.',
  }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    schema: trustedProxies.default(false),
    defaultText: 'false',
    description:
      'Whom to believe about the client address in `X-Forwarded-For`, so limits see client IPs behind nginx or a load balancer: `true` (any peer: only when the gateway is reachable through the proxy alone), a number of proxy hops in front of the gateway (`1`: one nginx), or comma-separated proxy addresses/CIDRs (`10.0.0.0/8,127.0.0.1`). `false`: the peer address.',
  }),
  loginCorpBudgetPerMinute: setting({
    env: 'LOGIN_CORP_BUDGET_PER_MINUTE',
    schema: wholeNumber(1, 10_000_000, 'must be a whole number of logins per minute 1–10000000').default(
      6_000,
    ),
    defaultText: '6000',
    description:
      'Logins per minute one corp may send to WeCom, counted across all instances (in Redis when there is one). WeCom blocks a corp\'s `jscode2session` for the rest of the minute past 10,000 a minute (`45009`); past this budget the gateway answers `429 login_budget_exhausted` instead, keeping a fifth of it for addresses that logged in successfully before. See "Operating it".',
  }),
  loginCorpBudgetPerHour: setting({
    env: 'LOGIN_CORP_BUDGET_PER_HOUR',
    schema: wholeNumber(1, 100_000_000, 'must be a whole number of logins per hour 1–100000000').default(
      100_000,
    ),
    defaultText: '100000',
    description:
      'Logins per hour one corp may send to WeCom. WeCom blocks the corp for an hour past 150,000 an hour; the same 429 and the same reserve apply.',
  }),
  headersTimeoutMs: setting({
    env: 'HEADERS_TIMEOUT_MS',
    schema: wholeNumber(500, 120_000, 'must be a whole number of milliseconds 500–120000').default(10_000),
    defaultText: '10000',
    description:
      'A request whose headers have not all arrived this long after it began is answered `408 request_timeout` and its connection closed, in milliseconds.',
  }),
  requestTimeoutMs: setting({
    env: 'REQUEST_TIMEOUT_MS',
    schema: wholeNumber(1_000, 300_000, 'must be a whole number of milliseconds 1000–300000').default(15_000),
    defaultText: '15000',
    description:
      'A request (headers and body) not wholly received this long after it began is answered `408 request_timeout` and its connection closed, in milliseconds. At least `HEADERS_TIMEOUT_MS`.',
  }),
  maxConnections: setting({
    env: 'MAX_CONNECTIONS',
    schema: wholeNumber(1, 1_000_000, 'must be a whole number of connections 1–1000000').default(5_000),
    defaultText: '5000',
    description:
      'Open connections each listener accepts; further ones are closed at once. Keep it under the process file limit (`ulimit -n`).',
  }),
  corsOrigins: setting({
    env: 'CORS_ORIGINS',
    schema: list.default([]),
    defaultText: '(none)',
    description: 'Comma-separated origins allowed by CORS; CORS is off when empty.',
  }),
  callbackToken: setting({
    env: 'WECOM_CALLBACK_TOKEN',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1-32 letters or digits (the callback Token)')
      .optional(),
    defaultText: undefined,
    description:
      "Token of the app's callback (Receive Messages > API settings). With `WECOM_CALLBACK_AES_KEY` it enables `/v1/callback`, so leavers lose access at once.",
    secret: true,
  }),
  callbackAesKey: setting({
    env: 'WECOM_CALLBACK_AES_KEY',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}$/, 'must be the 43-character EncodingAESKey')
      .optional(),
    defaultText: undefined,
    description: "EncodingAESKey of the app's callback; required together with `WECOM_CALLBACK_TOKEN`.",
    secret: true,
  }),
  callbackMaxAge: setting({
    env: 'CALLBACK_MAX_AGE_SECONDS',
    schema: seconds(0, 86_400).default(300),
    defaultText: '300',
    description:
      'Callbacks whose signed timestamp is older than this are refused (replay protection), in seconds; 0 disables.',
  }),
  adminHost: setting({
    env: 'ADMIN_HOST',
    schema: z.string().min(1).default('127.0.0.1'),
    defaultText: '127.0.0.1',
    description:
      'Interface of the admin listener (sessions, security events). Keep it off the public network: the loopback, or an interface only operators reach.',
  }),
  adminPort: setting({
    env: 'ADMIN_PORT',
    schema: port.default(8081),
    defaultText: '8081',
    description: 'Port of the admin listener. It starts only when an admin token is configured.',
  }),
  adminToken: setting({
    env: 'WECOM_AUTH_ADMIN_TOKEN',
    schema: adminTokens.optional(),
    defaultText: undefined,
    description:
      'Bearer token(s) of the admin API, comma-separated so that a new one can be added before the old one is removed; each at least 24 characters (`openssl rand -base64 32`). Without one the admin listener does not start (sandbox mode generates one and prints it).',
    secret: true,
  }),
  adminTokenFile: setting({
    env: 'WECOM_AUTH_ADMIN_TOKEN_FILE',
    schema: z.string().min(1).optional(),
    defaultText: undefined,
    description:
      'A file holding the admin token(s), comma- or newline-separated; used when `WECOM_AUTH_ADMIN_TOKEN` is unset.',
  }),
  operationsListener: setting({
    env: 'OPERATIONS_LISTENER',
    schema: z.enum(['public', 'admin'], { error: 'must be public or admin' }).default('public'),
    defaultText: 'public',
    description:
      '`admin` moves `/readyz`, `/metrics` and `/openapi.json` off the public port to the admin listener, behind its token, and serves no `/docs` page (a browser cannot send the token); `/healthz` and the JWKS stay public. Needs an admin token.',
  }),
  eventRetentionDays: setting({
    env: 'EVENT_RETENTION_DAYS',
    schema: wholeNumber(0, 3_650, 'must be a whole number of days 0–3650').default(90),
    defaultText: '90',
    description:
      'How long the security event log keeps an event, in days; 0 turns the log off (the per-type counters in `/metrics` stay).',
  }),
  eventLogMaxEntries: setting({
    env: 'EVENT_LOG_MAX_ENTRIES',
    schema: wholeNumber(1_000, 100_000_000, 'must be a whole number 1000–100000000').default(1_000_000),
    defaultText: '1000000',
    description:
      'The most events the log keeps, the newest (about 200 bytes each); a flood of refused logins cannot grow it past this.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    defaultText: 'info',
    description: 'pino log level.',
  }),
} as const;

export type Settings = typeof settings;
export type SettingValues = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

/** The README's configuration table, generated from {@link settings}. */
export function renderSettingsTable(): string {
  const rows = Object.values(settings).map(
    (s) =>
      `| \`${s.env}\` | ${s.defaultText === undefined ? '—' : `\`${s.defaultText}\``} | ${s.description}${s.secret ? ' Secret: never logged.' : ''} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
