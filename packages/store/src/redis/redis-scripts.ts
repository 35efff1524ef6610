import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when the server does not know it yet (after a restart
 * or a SCRIPT FLUSH). Every script takes the key prefix as ARGV[1] and derives its keys from it, because several
 * keys (a session found through its refresh hash) are only known inside the script; this needs a standalone Redis
 * or a primary, not Redis Cluster.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 0, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#source, 0, ...args);
    }
  }
}

// Key layout under the prefix p (every script and the adapter agree on it):
//   at:<key>        access-token record (hash)           atlock:<key>   refresh lock holder
//   s:<id>          session (hash)                       rh:<hash>      session id of a current or earlier hash
//   u:<corp>:<user> session ids of one employee          cs:<corp>      session ids of one corp (not yet revoked)
//   sexp            session ids by expiresAt             rev            revocations, "<expiresAt>:<id>" by revokedAt
//   c:<key>         cache value (JSON)                   sk / sk:retired / sk:active   signing keys
//   ib:<id>         inbox event (JSON)                   ibpending      pending event ids by receivedAt
//   rr:<id>         repeat of a session's latest rotation (hash: replacedHash, answer, until)
//   lr:<key>        login retry: a claim (holder) or a sealed answer (hash)
//   events          the security event log (a stream: at, type, and c u s r ip why when known)
// Under a suite's own prefix sp = p..'suite:'..encodeSuiteId(suiteId)..':' (two suites never share a key):
//   sp..'ticket'           the newest suite_ticket (hash)
//   sp..'corp:'..<corpId>  an install (hash), or the tombstone its uninstall left (hash with uninstalledAt; a TTL)
//   sp..'corps'            installed corpids, a sorted set with every score 0: ZRANGEBYLEX pages it in byte order
// Channels: p..'changes' (access-token key changed), p..'revocations' ("<revokedAt>:<expiresAt>:<id>"),
//   p..'suite-installs' ("<kind>:<at>:<encodeSuiteId(suiteId)>:<corpId>").

/** Lengthens a key's TTL to at least `ttl`; never shortens it, so the longest-lived member keeps a set alive. */
const EXTEND_TTL = `
local function extend_ttl(key, ttl)
  if redis.call('PTTL', key) < tonumber(ttl) then redis.call('PEXPIRE', key, ttl) end
end
`;

/** Marks a session revoked, records the revocation and announces it. */
const REVOKE = `
local function revoke(p, id, reason, at)
  local skey = p .. 's:' .. id
  local expires = redis.call('HGET', skey, 'expiresAt')
  redis.call('HSET', skey, 'revokedAt', at, 'revokeReason', reason)
  redis.call('ZADD', p .. 'rev', at, expires .. ':' .. id)
  redis.call('PUBLISH', p .. 'revocations', at .. ':' .. expires .. ':' .. id)
end
`;

/** ARGV: p, key, token, expiresAt, obtainedAt, ttl. Returns the stored record as a flattened hash. */
export const PUT_IF_NEWER = new LuaScript(`
local p, key, obtained, ttl = ARGV[1], ARGV[2], tonumber(ARGV[5]), ARGV[6]
local rkey = p .. 'at:' .. key
local current = redis.call('HGET', rkey, 'obtainedAt')
if current and tonumber(current) > obtained then return redis.call('HGETALL', rkey) end
redis.call('DEL', rkey)
redis.call('HSET', rkey, 'token', ARGV[3], 'expiresAt', ARGV[4], 'obtainedAt', ARGV[5])
redis.call('PEXPIRE', rkey, ttl)
redis.call('PUBLISH', p .. 'changes', key)
return redis.call('HGETALL', rkey)
`);

/** ARGV: p, key, token. Returns 1 when it deleted the record. */
export const DELETE_IF_TOKEN = new LuaScript(`
local p, key, token = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', p .. 'at:' .. key, 'token') ~= token then return 0 end
redis.call('DEL', p .. 'at:' .. key)
redis.call('PUBLISH', p .. 'changes', key)
return 1
`);

/** ARGV: p, key, holder. Deletes the lock only while `holder` still has it; wakes waiters either way. */
export const RELEASE_LOCK = new LuaScript(`
local p, key, holder = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', p .. 'atlock:' .. key) == holder then redis.call('DEL', p .. 'atlock:' .. key) end
redis.call('PUBLISH', p .. 'changes', key)
return 1
`);

/**
 * ARGV: p, id, userKey, corpId, userId, refreshTokenHash, sessionKeyCiphertext, createdAt, refreshedAt, expiresAt,
 * ttl, revokedAt ('' when active), revokeReason, userAgent ('' when unknown), clientIp ('' when unknown). Returns
 * 'ok', 'id_taken' or 'hash_taken'.
 */
export const CREATE_SESSION = new LuaScript(`${EXTEND_TTL}
local p, id, user_key, hash, expires, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[6], ARGV[10], ARGV[11]
local skey = p .. 's:' .. id
if redis.call('EXISTS', skey) == 1 then return 'id_taken' end
if redis.call('EXISTS', p .. 'rh:' .. hash) == 1 then return 'hash_taken' end
redis.call('HSET', skey, 'id', id, 'corpId', ARGV[4], 'userId', ARGV[5], 'refreshTokenHash', hash,
  'sessionKeyCiphertext', ARGV[7], 'createdAt', ARGV[8], 'refreshedAt', ARGV[9], 'expiresAt', expires,
  'userKey', user_key)
if ARGV[12] ~= '' then redis.call('HSET', skey, 'revokedAt', ARGV[12], 'revokeReason', ARGV[13]) end
if ARGV[14] and ARGV[14] ~= '' then redis.call('HSET', skey, 'userAgent', ARGV[14]) end
if ARGV[15] and ARGV[15] ~= '' then redis.call('HSET', skey, 'clientIp', ARGV[15]) end
redis.call('PEXPIRE', skey, ttl)
redis.call('SET', p .. 'rh:' .. hash, id, 'PX', ttl)
redis.call('SADD', user_key, id)
extend_ttl(user_key, ttl)
local corp_key = p .. 'cs:' .. ARGV[4]
redis.call('SADD', corp_key, id)
extend_ttl(corp_key, ttl)
redis.call('ZADD', p .. 'sexp', expires, id)
return 'ok'
`);

/**
 * ARGV: p, presentedHash, nextHash, refreshedAt, expiresAt, now, ttl, repeatAnswer ('' for none), repeatUntil,
 * repeatTtl. Returns { outcome, ...flattened session hash }; outcome is unknown, revoked, expired, repeated (with the
 * kept answer as the field repeatAnswer), reused, rotated or hash_taken. One script, so of concurrent rotations with
 * one hash exactly one sees it as current.
 */
export const ROTATE_SESSION = new LuaScript(`${EXTEND_TTL}${REVOKE}
local p, presented, next_hash, refreshed, expires, now, ttl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local repeat_answer, repeat_until, repeat_ttl = ARGV[8], ARGV[9], ARGV[10]
local id = redis.call('GET', p .. 'rh:' .. presented)
if not id then return { 'unknown' } end
local skey = p .. 's:' .. id
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
local rkey = p .. 'rr:' .. id
if s.refreshTokenHash ~= presented then
  -- The token the latest rotation replaced, again within that rotation's window: its answer, and no verdict.
  local kept = redis.call('HMGET', rkey, 'replacedHash', 'answer', 'until')
  if kept[1] == presented and kept[2] and tonumber(kept[3]) > tonumber(now) then
    local reply = answer('repeated')
    table.insert(reply, 'repeatAnswer')
    table.insert(reply, kept[2])
    return reply
  end
  revoke(p, id, 'refresh_token_reuse', now)
  return answer('reused')
end
if redis.call('EXISTS', p .. 'rh:' .. next_hash) == 1 then return { 'hash_taken' } end
redis.call('DEL', rkey)
if repeat_answer ~= '' then
  redis.call('HSET', rkey, 'replacedHash', presented, 'answer', repeat_answer, 'until', repeat_until)
  redis.call('PEXPIRE', rkey, repeat_ttl)
end
redis.call('HSET', skey, 'refreshTokenHash', next_hash, 'refreshedAt', refreshed, 'expiresAt', expires)
redis.call('PEXPIRE', skey, ttl)
redis.call('SET', p .. 'rh:' .. next_hash, id, 'PX', ttl)
-- The presented hash is left as it is: its key lives until the expiry its token was issued with, so its reuse is
-- recognised for as long as that token could have been used, and a rotation costs the same after the thousandth
-- refresh as after the first (renewing every earlier hash made it grow with the session's history).
if s.userKey then extend_ttl(s.userKey, ttl) end
-- SADD also indexes a session created by a release that kept no per-corp index.
local corp_key = p .. 'cs:' .. s.corpId
redis.call('SADD', corp_key, id)
extend_ttl(corp_key, ttl)
redis.call('ZADD', p .. 'sexp', expires, id)
return answer('rotated')
`);

/** ARGV: p, id, reason, at. Returns 1 when it revoked the session. */
export const REVOKE_SESSION = new LuaScript(`${REVOKE}
local p, id, reason, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local skey = p .. 's:' .. id
if redis.call('EXISTS', skey) == 0 or redis.call('HEXISTS', skey, 'revokedAt') == 1 then return 0 end
revoke(p, id, reason, at)
return 1
`);

/** Whether the session hash `skey` was created before `before` ('' for no bound: every session). */
const CREATED_BEFORE = `
local function created_before(skey, before)
  if before == '' then return true end
  local created = redis.call('HGET', skey, 'createdAt')
  return created ~= false and tonumber(created) < tonumber(before)
end
`;

/** ARGV: p, userKey, reason, at, now, createdBefore ('' for none). Returns the ids it revoked. */
export const REVOKE_USER = new LuaScript(`${REVOKE}${CREATED_BEFORE}
local p, user_key, reason, at, now, before = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6]
local revoked = {}
for _, id in ipairs(redis.call('SMEMBERS', user_key)) do
  local skey = p .. 's:' .. id
  local state = redis.call('HMGET', skey, 'expiresAt', 'revokedAt')
  if not state[1] then
    redis.call('SREM', user_key, id)
  elseif not state[2] and tonumber(state[1]) > now and created_before(skey, before) then
    revoke(p, id, reason, at)
    table.insert(revoked, id)
  end
end
return revoked
`);

/**
 * ARGV: p, corpId, reason, at, now. Returns how many sessions it revoked. Every member leaves the corp's index: each
 * is gone, expired, revoked before, or revoked now, and none of these can be revoked (again) later.
 */
export const REVOKE_CORP = new LuaScript(`${REVOKE}
local p, corp, reason, at, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local corp_key = p .. 'cs:' .. corp
local revoked = 0
for _, id in ipairs(redis.call('SMEMBERS', corp_key)) do
  local state = redis.call('HMGET', p .. 's:' .. id, 'expiresAt', 'revokedAt')
  if state[1] and not state[2] and tonumber(state[1]) > now then
    revoke(p, id, reason, at)
    revoked = revoked + 1
  end
end
redis.call('DEL', corp_key)
return revoked
`);

/**
 * ARGV: p, fromKey, toKey, toUserId, createdBefore ('' for none). Returns how many sessions moved; the sessions
 * created later stay with the old userid.
 */
export const RENAME_USER = new LuaScript(`${EXTEND_TTL}${CREATED_BEFORE}
local p, from_key, to_key, to_user, before = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local moved = 0
for _, id in ipairs(redis.call('SMEMBERS', from_key)) do
  local skey = p .. 's:' .. id
  local ttl = redis.call('PTTL', skey)
  if ttl <= 0 then
    redis.call('SREM', from_key, id)
  elseif created_before(skey, before) then
    redis.call('HSET', skey, 'userId', to_user, 'userKey', to_key)
    if from_key ~= to_key then redis.call('SREM', from_key, id) end
    redis.call('SADD', to_key, id)
    extend_ttl(to_key, ttl)
    moved = moved + 1
  end
end
return moved
`);

/** ARGV: p, id, sessionKeyCiphertext. Leaves a missing session missing (HSET alone would create a stub). */
export const SET_SESSION_KEY = new LuaScript(`
local skey = ARGV[1] .. 's:' .. ARGV[2]
if redis.call('EXISTS', skey) == 0 then return 0 end
redis.call('HSET', skey, 'sessionKeyCiphertext', ARGV[3])
return 1
`);

/** ARGV: p, id, expected ciphertext, next ciphertext. Returns 1 when it replaced the session_key, 0 otherwise. */
export const REPLACE_SESSION_KEY = new LuaScript(`
local skey = ARGV[1] .. 's:' .. ARGV[2]
if redis.call('HGET', skey, 'sessionKeyCiphertext') ~= ARGV[3] then return 0 end
redis.call('HSET', skey, 'sessionKeyCiphertext', ARGV[4])
return 1
`);

/** ARGV: p, now. Drops sessions (with their hashes) that expired before `now`, and expired revocations. */
export const DELETE_EXPIRED = new LuaScript(`
local p, now = ARGV[1], tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', p .. 'sexp', '-inf', '(' .. ARGV[2])
for _, id in ipairs(ids) do
  local skey = p .. 's:' .. id
  local owner = redis.call('HMGET', skey, 'userKey', 'corpId')
  if owner[1] then redis.call('SREM', owner[1], id) end
  if owner[2] then redis.call('SREM', p .. 'cs:' .. owner[2], id) end
  for _, hash in ipairs(redis.call('SMEMBERS', p .. 'sh:' .. id)) do redis.call('DEL', p .. 'rh:' .. hash) end
  redis.call('DEL', p .. 'sh:' .. id, skey, p .. 'rr:' .. id)
  redis.call('ZREM', p .. 'sexp', id)
end
for _, member in ipairs(redis.call('ZRANGE', p .. 'rev', 0, -1)) do
  local expires = tonumber(string.match(member, '^([^:]+):'))
  if expires and expires < now then redis.call('ZREM', p .. 'rev', member) end
end
return #ids
`);

/** ARGV: p, candidate kid, candidate JSON. Returns the active key's JSON. */
export const ENSURE_ACTIVE_KEY = new LuaScript(`
local p, kid, json = ARGV[1], ARGV[2], ARGV[3]
local active = redis.call('GET', p .. 'sk:active')
if active and redis.call('HEXISTS', p .. 'sk:retired', active) == 0 then
  local record = redis.call('HGET', p .. 'sk', active)
  if record then return record end
end
redis.call('HSET', p .. 'sk', kid, json)
redis.call('HDEL', p .. 'sk:retired', kid)
redis.call('SET', p .. 'sk:active', kid)
return json
`);

/** ARGV: p, next kid, next JSON, at. */
export const ROTATE_KEYS = new LuaScript(`
local p, kid, json, at = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
for _, existing in ipairs(redis.call('HKEYS', p .. 'sk')) do
  if redis.call('HEXISTS', p .. 'sk:retired', existing) == 0 then redis.call('HSET', p .. 'sk:retired', existing, at) end
end
redis.call('HSET', p .. 'sk', kid, json)
redis.call('HDEL', p .. 'sk:retired', kid)
redis.call('SET', p .. 'sk:active', kid)
return 1
`);

/** ARGV: p, kid, expected JSON, next JSON. Returns 1 when the record was still `expected` and is now `next`. */
export const REPLACE_KEY_RECORD = new LuaScript(`
local p, kid = ARGV[1], ARGV[2]
if redis.call('HGET', p .. 'sk', kid) ~= ARGV[3] then return 0 end
redis.call('HSET', p .. 'sk', kid, ARGV[4])
return 1
`);

/** ARGV: p, before. Returns how many retired keys it removed. */
export const PRUNE_KEYS = new LuaScript(`
local p, before = ARGV[1], tonumber(ARGV[2])
local retired = redis.call('HGETALL', p .. 'sk:retired')
local removed = 0
for i = 1, #retired, 2 do
  if tonumber(retired[i + 1]) < before then
    redis.call('HDEL', p .. 'sk', retired[i])
    redis.call('HDEL', p .. 'sk:retired', retired[i])
    removed = removed + 1
  end
end
return removed
`);

/** ARGV: p, id, event JSON, receivedAt. Returns 1 when recorded, 0 for a duplicate. */
export const RECORD_EVENT = new LuaScript(`
local p, id = ARGV[1], ARGV[2]
if not redis.call('SET', p .. 'ib:' .. id, ARGV[3], 'NX') then return 0 end
redis.call('ZADD', p .. 'ibpending', ARGV[4], id)
return 1
`);

/** ARGV: p, id, retention. An applied event is kept for `retention` ms only, to recognise late retries. */
export const MARK_EVENT_APPLIED = new LuaScript(`
local p, id = ARGV[1], ARGV[2]
if redis.call('ZREM', p .. 'ibpending', id) == 1 then redis.call('PEXPIRE', p .. 'ib:' .. id, ARGV[3]) end
return 1
`);

/**
 * ARGV: sp, suiteId, ticket, timestamp, receivedAt. Returns 'stored', or 'stale' when the stored ticket's timestamp
 * is newer or equal (a replay).
 */
export const OFFER_TICKET = new LuaScript(`
local key = ARGV[1] .. 'ticket'
local current = redis.call('HGET', key, 'timestamp')
if current and tonumber(current) >= tonumber(ARGV[4]) then return 'stale' end
redis.call('HSET', key, 'suiteId', ARGV[2], 'ticket', ARGV[3], 'timestamp', ARGV[4], 'receivedAt', ARGV[5])
return 'stored'
`);

/**
 * ARGV: sp, channel, suiteId, corpId, corpName, permanentCodeCiphertext, authInfo, installedAt, updatedAt,
 * eventTimestamp, message tail ("<at>:<suite>:<corpId>"). Returns 'installed', 'updated' or 'stale' (the corp's
 * install or tombstone has a newer eventTimestamp). An update keeps the stored installedAt.
 */
export const SAVE_INSTALL = new LuaScript(`
local sp, channel, corp = ARGV[1], ARGV[2], ARGV[4]
local key = sp .. 'corp:' .. corp
local state = redis.call('HMGET', key, 'eventTimestamp', 'uninstalledAt', 'installedAt')
local installed_at, kind = ARGV[8], 'installed'
if state[1] then
  if tonumber(state[1]) > tonumber(ARGV[10]) then return 'stale' end
  if not state[2] then installed_at, kind = state[3], 'updated' end
end
-- DEL first: a tombstone's fields and TTL must not outlive it.
redis.call('DEL', key)
redis.call('HSET', key, 'suiteId', ARGV[3], 'corpId', corp, 'corpName', ARGV[5], 'permanentCodeCiphertext', ARGV[6],
  'authInfo', ARGV[7], 'installedAt', installed_at, 'updatedAt', ARGV[9], 'eventTimestamp', ARGV[10])
redis.call('ZADD', sp .. 'corps', 0, corp)
redis.call('PUBLISH', channel, kind .. ':' .. ARGV[11])
return kind
`);

/**
 * ARGV: sp, channel, corpId, eventTimestamp, at, tombstone TTL, message tail ("<at>:<suite>:<corpId>"). Returns
 * 'removed', 'absent' or 'stale'. Unless stale, the corp's hash becomes a tombstone (the permanent code goes with the
 * install) that expires after the TTL.
 */
export const REMOVE_INSTALL = new LuaScript(`
local sp, channel, corp = ARGV[1], ARGV[2], ARGV[3]
local key = sp .. 'corp:' .. corp
local state = redis.call('HMGET', key, 'eventTimestamp', 'uninstalledAt')
if state[1] and tonumber(state[1]) > tonumber(ARGV[4]) then return 'stale' end
local outcome = 'absent'
if state[1] and not state[2] then outcome = 'removed' end
redis.call('DEL', key)
redis.call('HSET', key, 'eventTimestamp', ARGV[4], 'uninstalledAt', ARGV[5])
redis.call('PEXPIRE', key, ARGV[6])
redis.call('ZREM', sp .. 'corps', corp)
if outcome == 'removed' then redis.call('PUBLISH', channel, 'uninstalled:' .. ARGV[7]) end
return outcome
`);

/**
 * ARGV: sp, start ('-' for the first page, '(' .. after for the page after a corpid), limit. Returns the installs
 * as flattened hashes, in corpid byte order: one snapshot, in one round trip.
 */
export const LIST_INSTALLS = new LuaScript(`
local sp = ARGV[1]
local page = {}
for _, corp in ipairs(redis.call('ZRANGEBYLEX', sp .. 'corps', ARGV[2], '+', 'LIMIT', 0, tonumber(ARGV[3]))) do
  local fields = redis.call('HGETALL', sp .. 'corp:' .. corp)
  if #fields > 0 then table.insert(page, fields) end
end
return page
`);

/**
 * ARGV: p, cursor ('' for the newest), lowest id to read ('-' for all), limit, scan budget, corpId, userId, type,
 * since ('' for each filter not given). Reads the log newest first from before the cursor, in chunks, and keeps the
 * entries that match, until `limit` matched (one more is looked for, to know whether there are more), the log ends,
 * or `budget` entries were read. Returns { nextCursor ('' at the end), entries as XREVRANGE gives them }.
 */
export const LIST_EVENTS = new LuaScript(`
local p, cursor, low, limit, budget = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local corp, user, kind, since = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local key = p .. 'events'
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
 * ARGV: p, before, budget. Removes the oldest entries of the log whose `at` is before `before`: reads from the
 * oldest until an entry at or after it (or the end), then trims everything older than where it stopped. Reads at most
 * `budget` entries, so one call holds Redis briefly. Returns { removed, done }: done is 0 when the budget ran out
 * first, and the caller calls again.
 */
export const PRUNE_EVENTS = new LuaScript(`
local p, before, budget = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local key = p .. 'events'
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
