import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection.js';

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not know it yet (after a restart,
 * a failover to a replica that never ran it, or a SCRIPT FLUSH). Every script names each key it touches in KEYS, and
 * the keys of one call share a slot (see `redis-keyspace.ts`), so the same scripts run on one Redis and on a
 * Cluster, where the client routes a call by its first key.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[] = [],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

/** Lengthens a key's TTL to at least `ttl`; never shortens it, so the longest-lived member keeps a set alive. */
const EXTEND_TTL = `
local function extend_ttl(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
`;

// Access tokens. KEYS: the record (or the lock) of one token key; a change is announced on the changes channel.

/** KEYS: record. ARGV: channel, key, token, expiresAt, obtainedAt, ttl. Returns the stored record, flattened. */
export const PUT_IF_NEWER = new LuaScript(`
local rkey, channel, key, obtained, ttl = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[5]), ARGV[6]
local current = redis.call('HGET', rkey, 'obtainedAt')
if current and tonumber(current) > obtained then return redis.call('HGETALL', rkey) end
redis.call('DEL', rkey)
redis.call('HSET', rkey, 'token', ARGV[3], 'expiresAt', ARGV[4], 'obtainedAt', ARGV[5])
redis.call('PEXPIRE', rkey, ttl)
redis.call('PUBLISH', channel, key)
return redis.call('HGETALL', rkey)
`);

/** KEYS: record. ARGV: channel, key, token. Returns 1 when it deleted the record. */
export const DELETE_IF_TOKEN = new LuaScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`);

/**
 * KEYS: lock. ARGV: channel, key, holder. Deletes the lock only while `holder` still has it; wakes waiters either way.
 */
export const RELEASE_LOCK = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[3] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`);

// Sessions. A script touches one session's own keys (its hash, its rotation repeat), which share a slot; the
// indexes around them (refresh hashes, employee and corp sets, expiry and revocation sets) are written by the
// adapter beside it, in an order that leaves nothing a client could use if it stops half-way (see
// `redis-session-store.ts`).

/**
 * KEYS: session. ARGV: userKey (the employee index the caller extended), indexedUntil. Records that the session's
 * indexes live at least until `indexedUntil` (never lowering what it recorded before). Does nothing, and returns 0,
 * when the session is gone or has moved to another employee's index meanwhile (a rename): that index was not the one
 * extended. Returns 1 otherwise.
 */
export const MARK_INDEXED = new LuaScript(`
local state = redis.call('HMGET', KEYS[1], 'userKey', 'indexedUntil')
if state[1] ~= ARGV[1] then return 0 end
if state[2] and tonumber(state[2]) >= tonumber(ARGV[2]) then return 1 end
redis.call('HSET', KEYS[1], 'indexedUntil', ARGV[2])
return 1
`);

/** KEYS: an index set. ARGV: member, ttl. Adds the member and lengthens the set's TTL to at least `ttl`. */
export const INDEX_ADD = new LuaScript(`${EXTEND_TTL}
redis.call('SADD', KEYS[1], ARGV[1])
extend_ttl(KEYS[1], ARGV[2])
return 1
`);

/**
 * KEYS: session. ARGV: id, userKey, corpId, userId, refreshTokenHash, sessionKeyCiphertext, createdAt, refreshedAt,
 * expiresAt, ttl, revokedAt ('' when active), revokeReason, userAgent ('' when unknown), clientIp ('' when unknown),
 * indexedUntil (what the caller extends the session's indexes to beside it). Returns 'ok' or 'id_taken'.
 */
export const CREATE_SESSION = new LuaScript(`
local skey = KEYS[1]
if redis.call('EXISTS', skey) == 1 then return 'id_taken' end
redis.call('HSET', skey, 'id', ARGV[1], 'corpId', ARGV[3], 'userId', ARGV[4], 'refreshTokenHash', ARGV[5],
  'sessionKeyCiphertext', ARGV[6], 'createdAt', ARGV[7], 'refreshedAt', ARGV[8], 'expiresAt', ARGV[9],
  'userKey', ARGV[2], 'indexedUntil', ARGV[15])
if ARGV[11] ~= '' then redis.call('HSET', skey, 'revokedAt', ARGV[11], 'revokeReason', ARGV[12]) end
if ARGV[13] ~= '' then redis.call('HSET', skey, 'userAgent', ARGV[13]) end
if ARGV[14] ~= '' then redis.call('HSET', skey, 'clientIp', ARGV[14]) end
redis.call('PEXPIRE', skey, ARGV[10])
return 'ok'
`);

/**
 * KEYS: session, its rotation repeat. ARGV: presentedHash, nextHash, refreshedAt, expiresAt, now, ttl, repeatAnswer
 * ('' for none), repeatUntil, repeatTtl. Returns { outcome, ...flattened session hash }; outcome is unknown,
 * revoked, expired, repeated (with the kept answer as the field repeatAnswer), reused (the session is revoked now:
 * the caller announces it) or rotated. One script, so of concurrent rotations with one hash exactly one sees it as
 * current.
 */
export const ROTATE_SESSION = new LuaScript(`
local skey, rkey = KEYS[1], KEYS[2]
local presented, next_hash, refreshed, expires, now, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local repeat_answer, repeat_until, repeat_ttl = ARGV[7], ARGV[8], ARGV[9]
local fields = redis.call('HGETALL', skey)
if #fields == 0 then return { 'unknown' } end
local s = {}
for i = 1, #fields, 2 do s[fields[i]] = fields[i + 1] end
local function answer(outcome)
  local reply = redis.call('HGETALL', skey)
  table.insert(reply, 1, outcome)
  return reply
end
if s.revokedAt then return answer('revoked') end
if tonumber(s.expiresAt) <= tonumber(now) then return answer('expired') end
if s.refreshTokenHash ~= presented then
  -- The token the latest rotation replaced, again within that rotation's window: its answer, and no verdict.
  local kept = redis.call('HMGET', rkey, 'replacedHash', 'answer', 'until')
  if kept[1] == presented and kept[2] and tonumber(kept[3]) > tonumber(now) then
    local reply = answer('repeated')
    table.insert(reply, 'repeatAnswer')
    table.insert(reply, kept[2])
    return reply
  end
  redis.call('HSET', skey, 'revokedAt', now, 'revokeReason', 'refresh_token_reuse')
  return answer('reused')
end
redis.call('DEL', rkey)
if repeat_answer ~= '' then
  redis.call('HSET', rkey, 'replacedHash', presented, 'answer', repeat_answer, 'until', repeat_until)
  redis.call('PEXPIRE', rkey, repeat_ttl)
end
redis.call('HSET', skey, 'refreshTokenHash', next_hash, 'refreshedAt', refreshed, 'expiresAt', expires)
redis.call('PEXPIRE', skey, ttl)
return answer('rotated')
`);

/**
 * KEYS: session. ARGV: reason, at, owner field ('' for none: any owner), owner value, now ('' to revoke an expired
 * session too), createdBefore ('' for no bound). Returns { 'revoked', expiresAt } (the caller announces it), or
 * { 'gone' } (no such session), { 'foreign' } (the owner field holds another value: the index entry is stale) or
 * { 'skipped' } (revoked before, expired, or created at or after the bound). A session from a release that kept no
 * userKey counts as the index's own.
 */
export const REVOKE_SESSION = new LuaScript(`
local skey, reason, at, field, owner, now, before = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local state = redis.call('HMGET', skey, 'expiresAt', 'revokedAt', 'createdAt')
if not state[1] then return { 'gone' } end
if field ~= '' then
  local stored = redis.call('HGET', skey, field)
  if stored and stored ~= owner then return { 'foreign' } end
end
if state[2] then return { 'skipped' } end
if now ~= '' and tonumber(state[1]) <= tonumber(now) then return { 'skipped' } end
if before ~= '' and not (state[3] and tonumber(state[3]) < tonumber(before)) then return { 'skipped' } end
redis.call('HSET', skey, 'revokedAt', at, 'revokeReason', reason)
return { 'revoked', state[1] }
`);

/**
 * KEYS: the revocations by revokedAt, the same by expiresAt. ARGV: channel, revokedAt, expiresAt, id. Records a
 * revocation and announces it.
 */
export const ANNOUNCE_REVOCATION = new LuaScript(`
local member = ARGV[3] .. ':' .. ARGV[4]
redis.call('ZADD', KEYS[1], ARGV[2], member)
redis.call('ZADD', KEYS[2], ARGV[3], member)
redis.call('PUBLISH', ARGV[1], ARGV[2] .. ':' .. member)
return 1
`);

/**
 * KEYS: session. ARGV: fromKey, toKey, toUserId, createdBefore ('' for none). Returns { 'moved', pttl }, or
 * { 'gone' } (expired or missing), { 'foreign' } (it belongs to another employee's index now, or names no owner: a
 * session is moved only when it says it is `fromKey`'s, so that a rename never hands someone else's session over) or
 * { 'kept' } (created at or after the bound: it stays with the old userid).
 */
export const MOVE_SESSION_OWNER = new LuaScript(`
local skey, from_key, to_key, to_user, before = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ttl = redis.call('PTTL', skey)
if ttl <= 0 then return { 'gone' } end
local state = redis.call('HMGET', skey, 'userKey', 'createdAt')
if state[1] ~= from_key then return { 'foreign' } end
if before ~= '' and not (state[2] and tonumber(state[2]) < tonumber(before)) then return { 'kept' } end
redis.call('HSET', skey, 'userId', to_user, 'userKey', to_key)
-- The new index is extended to this session's TTL only: its next rotation extends the indexes again.
redis.call('HDEL', skey, 'indexedUntil')
return { 'moved', ttl }
`);

/** KEYS: session. ARGV: sessionKeyCiphertext. Leaves a missing session missing (HSET alone would create a stub). */
export const SET_SESSION_KEY = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'sessionKeyCiphertext', ARGV[1])
return 1
`);

/** KEYS: session. ARGV: expected ciphertext, next ciphertext. Returns 1 when it replaced the session_key. */
export const REPLACE_SESSION_KEY = new LuaScript(`
if redis.call('HGET', KEYS[1], 'sessionKeyCiphertext') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'sessionKeyCiphertext', ARGV[2])
return 1
`);

/**
 * KEYS: session, its rotation repeat, an earlier release's set of its refresh hashes. ARGV: now. A session the expiry
 * index lists as expired: { 'live', expiresAt } when it was renewed since (the index is behind), else it is deleted
 * and the reply is { 'dropped', userKey or '', corpId or '', the earlier release's refresh hashes… }, for the caller
 * to clear the indexes.
 */
export const DROP_EXPIRED_SESSION = new LuaScript(`
local skey, now = KEYS[1], tonumber(ARGV[1])
local state = redis.call('HMGET', skey, 'expiresAt', 'userKey', 'corpId')
if state[1] and tonumber(state[1]) >= now then return { 'live', state[1] } end
local reply = { 'dropped', state[2] or '', state[3] or '' }
for _, hash in ipairs(redis.call('SMEMBERS', KEYS[3])) do table.insert(reply, hash) end
redis.call('DEL', skey, KEYS[2], KEYS[3])
return reply
`);

/**
 * KEYS: the revocations by revokedAt, the same by expiresAt. ARGV: now, limit. Drops up to `limit` revocations of
 * sessions that expired before `now`, found through the expiry index (so a call's cost is its batch, not the set's
 * size). Returns how many it dropped.
 */
export const PRUNE_REVOCATIONS = new LuaScript(`
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #members == 0 then return 0 end
redis.call('ZREM', KEYS[1], unpack(members))
redis.call('ZREM', KEYS[2], unpack(members))
return #members
`);

// Signing keys. KEYS: the records, their retirement times, the active kid (one slot).

/** KEYS: signing keys. ARGV: candidate kid, candidate JSON. Returns the active key's JSON. */
export const ENSURE_ACTIVE_KEY = new LuaScript(`
local records, retired, active_key, kid, json = KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2]
local active = redis.call('GET', active_key)
if active and redis.call('HEXISTS', retired, active) == 0 then
  local record = redis.call('HGET', records, active)
  if record then return record end
end
redis.call('HSET', records, kid, json)
redis.call('HDEL', retired, kid)
redis.call('SET', active_key, kid)
return json
`);

/** KEYS: signing keys. ARGV: next kid, next JSON, at. */
export const ROTATE_KEYS = new LuaScript(`
local records, retired, active_key, kid, json, at = KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3]
for _, existing in ipairs(redis.call('HKEYS', records)) do
  if redis.call('HEXISTS', retired, existing) == 0 then redis.call('HSET', retired, existing, at) end
end
redis.call('HSET', records, kid, json)
redis.call('HDEL', retired, kid)
redis.call('SET', active_key, kid)
return 1
`);

/** KEYS: the records. ARGV: kid, expected JSON, next JSON. Returns 1 when the record was `expected` and is `next`. */
export const REPLACE_KEY_RECORD = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`);

/** KEYS: signing keys. ARGV: before. Returns how many retired keys it removed. */
export const PRUNE_KEYS = new LuaScript(`
local records, retired_key, before = KEYS[1], KEYS[2], tonumber(ARGV[1])
local retired = redis.call('HGETALL', retired_key)
local removed = 0
for i = 1, #retired, 2 do
  if tonumber(retired[i + 1]) < before then
    redis.call('HDEL', records, retired[i])
    redis.call('HDEL', retired_key, retired[i])
    removed = removed + 1
  end
end
return removed
`);

// The event inbox. KEYS: an event, the pending set (one slot).

/** KEYS: event, pending set. ARGV: id, event JSON, receivedAt. Returns 1 when recorded, 0 for a duplicate. */
export const RECORD_EVENT = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[2], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`);

/** KEYS: event, pending set. ARGV: id, retention. An applied event is kept for `retention` ms, for late retries. */
export const MARK_EVENT_APPLIED = new LuaScript(`
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`);

// Suites. KEYS: one suite's keys (one slot).

/**
 * KEYS: ticket. ARGV: suiteId, ticket, timestamp, receivedAt. Returns 'stored', or 'stale' when the stored ticket's
 * timestamp is newer or equal (a replay).
 */
export const OFFER_TICKET = new LuaScript(`
local current = redis.call('HGET', KEYS[1], 'timestamp')
if current and tonumber(current) >= tonumber(ARGV[3]) then return 'stale' end
redis.call('HSET', KEYS[1], 'suiteId', ARGV[1], 'ticket', ARGV[2], 'timestamp', ARGV[3], 'receivedAt', ARGV[4])
return 'stored'
`);

/**
 * KEYS: the corp's install, the suite's corp index. ARGV: channel, suiteId, corpId, corpName,
 * permanentCodeCiphertext, authInfo, installedAt, updatedAt, eventTimestamp, message tail ("<at>:<suite>:<corpId>").
 * Returns 'installed', 'updated' or 'stale' (the corp's install or tombstone has a newer eventTimestamp). An update
 * keeps the stored installedAt.
 */
export const SAVE_INSTALL = new LuaScript(`
local key, corps, channel, corp = KEYS[1], KEYS[2], ARGV[1], ARGV[3]
local state = redis.call('HMGET', key, 'eventTimestamp', 'uninstalledAt', 'installedAt')
local installed_at, kind = ARGV[7], 'installed'
if state[1] then
  if tonumber(state[1]) > tonumber(ARGV[9]) then return 'stale' end
  if not state[2] then installed_at, kind = state[3], 'updated' end
end
-- DEL first: a tombstone's fields and TTL must not outlive it.
redis.call('DEL', key)
redis.call('HSET', key, 'suiteId', ARGV[2], 'corpId', corp, 'corpName', ARGV[4], 'permanentCodeCiphertext', ARGV[5],
  'authInfo', ARGV[6], 'installedAt', installed_at, 'updatedAt', ARGV[8], 'eventTimestamp', ARGV[9])
redis.call('ZADD', corps, 0, corp)
redis.call('PUBLISH', channel, kind .. ':' .. ARGV[10])
return kind
`);

/**
 * KEYS: the corp's install, the suite's corp index. ARGV: channel, corpId, eventTimestamp, at, tombstone TTL, message
 * tail ("<at>:<suite>:<corpId>"). Returns 'removed', 'absent' or 'stale'. Unless stale, the corp's hash becomes a
 * tombstone (the permanent code goes with the install) that expires after the TTL.
 */
export const REMOVE_INSTALL = new LuaScript(`
local key, corps, channel, corp = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
local state = redis.call('HMGET', key, 'eventTimestamp', 'uninstalledAt')
if state[1] and tonumber(state[1]) > tonumber(ARGV[3]) then return 'stale' end
local outcome = 'absent'
if state[1] and not state[2] then outcome = 'removed' end
redis.call('DEL', key)
redis.call('HSET', key, 'eventTimestamp', ARGV[3], 'uninstalledAt', ARGV[4])
redis.call('PEXPIRE', key, ARGV[5])
redis.call('ZREM', corps, corp)
if outcome == 'removed' then redis.call('PUBLISH', channel, 'uninstalled:' .. ARGV[6]) end
return outcome
`);

/**
 * KEYS: the suite's corp index. ARGV: the prefix of its install keys (`…corp:`), start ('-' for the first page,
 * '(' .. after for the page after a corpid), limit. Returns the installs as flattened hashes, in corpid byte order:
 * one snapshot, in one round trip. The install keys share the index's slot (its tag), so a Cluster serves them too.
 */
export const LIST_INSTALLS = new LuaScript(`
local page = {}
for _, corp in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], '+', 'LIMIT', 0, tonumber(ARGV[3]))) do
  local fields = redis.call('HGETALL', ARGV[1] .. corp)
  if #fields > 0 then table.insert(page, fields) end
end
return page
`);

// The security event log. KEYS: the stream.

/**
 * KEYS: the log. ARGV: cursor ('' for the newest), lowest id to read ('-' for all), limit, scan budget, corpId, userId,
 * type, since ('' for each filter not given). Reads the log newest first from before the cursor, in chunks, and keeps
 * the entries that match, until `limit` matched (one more is looked for, to know whether there are more), the log ends,
 * or `budget` entries were read. Returns { nextCursor ('' at the end), entries as XREVRANGE gives them }.
 */
export const LIST_EVENTS = new LuaScript(`
local key, cursor, low, limit, budget = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local corp, user, kind, since = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local function matches(fields)
  local f = {}
  for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
  if corp ~= '' and f.c ~= corp then return false end
  if user ~= '' and f.u ~= user then return false end
  if kind ~= '' and f.type ~= kind then return false end
  if since ~= '' and tonumber(f.at) < tonumber(since) then return false end
  return true
end
local found = {}
local high = cursor == '' and '+' or '(' .. cursor
local read = 0
while true do
  local chunk = redis.call('XREVRANGE', key, high, low, 'COUNT', 256)
  for _, entry in ipairs(chunk) do
    read = read + 1
    if matches(entry[2]) then
      if #found == limit then return { found[#found][1], found } end
      table.insert(found, entry)
    end
    high = '(' .. entry[1]
    if read >= budget then return { entry[1], found } end
  end
  if #chunk < 256 then return { '', found } end
end
`);

/**
 * KEYS: the log. ARGV: before, budget. Removes the oldest entries of the log whose `at` is before `before`: reads from
 * the oldest until an entry at or after it (or the end), then trims everything older than where it stopped. Reads at
 * most `budget` entries, so one call holds Redis briefly. Returns { removed, done }: done is 0 when the budget ran out
 * first, and the caller calls again.
 */
export const PRUNE_EVENTS = new LuaScript(`
local key, before, budget = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local low = '-'
local read = 0
local function at_of(fields)
  for i = 1, #fields, 2 do
    if fields[i] == 'at' then return tonumber(fields[i + 1]) end
  end
  return 0
end
while read < budget do
  local chunk = redis.call('XRANGE', key, low, '+', 'COUNT', 256)
  if #chunk == 0 then return { redis.call('XTRIM', key, 'MAXLEN', 0), 1 } end
  for _, entry in ipairs(chunk) do
    if at_of(entry[2]) >= before then return { redis.call('XTRIM', key, 'MINID', entry[1]), 1 } end
    read = read + 1
    low = '(' .. entry[1]
  end
end
local following = redis.call('XRANGE', key, low, '+', 'COUNT', 1)
if #following == 0 then return { redis.call('XTRIM', key, 'MAXLEN', 0), 1 } end
return { redis.call('XTRIM', key, 'MINID', following[1][1]), 0 }
`);
