import { encodeSuiteId } from './suite-id-encoding.js';

/**
 * Where every record of the Redis store lives. One layout, decided here only, in two spellings:
 *
 * - **standalone** (one Redis, or a Sentinel-managed primary): the names earlier releases wrote, so that an
 *   upgrade finds every session, token and install where it left them.
 * - **clustered** (Redis Cluster): the same names with a hash tag (`{…}`), so that the keys one Lua script or one
 *   multi-key command touches share a slot. A session's hash and its rotation repeat are tagged with the session
 *   id (load spreads over every slot, as ids are random); an access token's record and its refresh lock with the
 *   token's key; one suite's ticket, installs and corp index with the suite; the signing keys, and the event inbox,
 *   each with a tag of their own (they are few and read together). The keys looked up alone (a refresh hash, an
 *   employee's or a corp's session index, a cache entry, a login retry) need no tag: each hashes by its own name.
 *
 * Key layout under the prefix p:
 *
 * | key                             | what                                                                          |
 * |---------------------------------|-------------------------------------------------------------------------------|
 * | `s:<id>`                        | a session (hash)                                                              |
 * | `rr:<id>`                       | the repeat of a session's latest rotation (hash: replacedHash, answer, until) |
 * | `sh:<id>`                       | an earlier release's set of a session's refresh hashes (only deleted now)     |
 * | `rh:<hash>`                     | the session id of a current or earlier refresh hash                           |
 * | `u:<corp>:<user>`, `cs:<corp>`  | session ids of one employee; of one corp (not yet revoked)                    |
 * | `sexp`                          | session ids by expiresAt                                                      |
 * | `rev`, `revexp`                 | revocations, "<expiresAt>:<id>", by revokedAt; the same by expiresAt          |
 * | `at:<key>`, `atlock:<key>`      | an access-token record (hash) and its refresh lock                            |
 * | `c:<key>`, `lr:<key>`           | a cache value (JSON); a login retry (a claim, or a sealed answer)             |
 * | `sk`, `sk:retired`, `sk:active` | signing keys, their retirement times, the active kid                          |
 * | `ib:<id>`, `ibpending`          | an inbox event (JSON); pending event ids by receivedAt                        |
 * | `events`                        | the security event log (a stream)                                             |
 * | `suite:<suite>:ticket`          | a suite's newest ticket                                                       |
 * | `…:corp:<corpId>`, `…:corps`    | a suite's install in a corp or its tombstone; the installed corpids           |
 *
 * Channels: `changes` (an access-token key changed), `revocations` ("<revokedAt>:<expiresAt>:<id>"),
 * `suite-installs` ("<kind>:<at>:<encoded suite>:<corpId>"). Classic pub/sub, also on a Cluster: every instance
 * needs every message, and a classic PUBLISH reaches a subscriber on any node.
 */
export interface RedisKeyspace {
  /** Whether the names carry hash tags (Redis Cluster). */
  readonly clustered: boolean;
  session(id: string): string;
  rotationRepeat(id: string): string;
  legacyRefreshHashes(id: string): string;
  refreshHash(hash: string): string;
  employeeSessions(corpId: string, userId: string): string;
  corpSessions(corpId: string): string;
  readonly sessionExpiry: string;
  readonly revocations: string;
  readonly revocationExpiry: string;
  accessToken(key: string): string;
  accessTokenLock(key: string): string;
  cache(key: string): string;
  loginRetry(key: string): string;
  readonly signingKeys: string;
  readonly retiredSigningKeys: string;
  readonly activeSigningKey: string;
  inboxEvent(id: string): string;
  readonly inboxPending: string;
  readonly securityEvents: string;
  suiteTicket(suiteId: string): string;
  suiteInstall(suiteId: string, corpId: string): string;
  suiteCorps(suiteId: string): string;
  readonly changesChannel: string;
  readonly revocationsChannel: string;
  readonly installsChannel: string;
}

/**
 * The keyspace under `prefix`, tagged for Redis Cluster when `clustered`. A clustered prefix may not hold `{` or
 * `}`: Redis takes the first `{…}` of a name as its tag, so a brace in the prefix would put every key in one slot.
 */
export function redisKeyspace(prefix: string, clustered: boolean): RedisKeyspace {
  if (clustered && /[{}]/.test(prefix)) {
    throw new TypeError('createRedisStore: a Redis Cluster keyPrefix may not contain { or }');
  }
  // A brace inside a tagged value would end the tag early, so it is escaped (with `%`, to keep it one-to-one); the
  // `#` keeps a tag from being empty, which Redis would ignore.
  const tag = clustered
    ? (value: string): string =>
        `{#${value.replace(/[%{}]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)}}`
    : (value: string): string => value;
  const suite = (suiteId: string): string => `${prefix}suite:${tag(encodeSuiteId(suiteId))}:`;
  // The singletons read together get one tag each in a cluster; standalone they keep their earlier names.
  const signing = clustered ? `${prefix}{sk}` : `${prefix}sk`;
  const inbox = clustered ? `${prefix}{ib}` : `${prefix}ib`;
  return {
    clustered,
    session: (id) => `${prefix}s:${tag(id)}`,
    rotationRepeat: (id) => `${prefix}rr:${tag(id)}`,
    legacyRefreshHashes: (id) => `${prefix}sh:${tag(id)}`,
    refreshHash: (hash) => `${prefix}rh:${hash}`,
    employeeSessions: (corpId, userId) =>
      `${prefix}u:${encodeURIComponent(corpId)}:${encodeURIComponent(userId)}`,
    corpSessions: (corpId) => `${prefix}cs:${corpId}`,
    sessionExpiry: `${prefix}sexp`,
    // Recorded and pruned together (one script), so one slot on a Cluster.
    revocations: clustered ? `${prefix}{rev}` : `${prefix}rev`,
    revocationExpiry: clustered ? `${prefix}{rev}:exp` : `${prefix}revexp`,
    accessToken: (key) => `${prefix}at:${tag(key)}`,
    accessTokenLock: (key) => `${prefix}atlock:${tag(key)}`,
    cache: (key) => `${prefix}c:${key}`,
    loginRetry: (key) => `${prefix}lr:${key}`,
    signingKeys: signing,
    retiredSigningKeys: `${signing}:retired`,
    activeSigningKey: `${signing}:active`,
    inboxEvent: (id) => `${inbox}:${id}`,
    inboxPending: clustered ? `${prefix}{ib}pending` : `${prefix}ibpending`,
    securityEvents: `${prefix}events`,
    suiteTicket: (suiteId) => `${suite(suiteId)}ticket`,
    suiteInstall: (suiteId, corpId) => `${suite(suiteId)}corp:${corpId}`,
    suiteCorps: (suiteId) => `${suite(suiteId)}corps`,
    changesChannel: `${prefix}changes`,
    revocationsChannel: `${prefix}revocations`,
    installsChannel: `${prefix}suite-installs`,
  };
}
