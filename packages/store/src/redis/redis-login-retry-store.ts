import { assertPositiveMs } from '../input-validation.js';
import type { LoginRetryStore } from '../ports.js';
import type { RedisStoreContext } from './redis-context.js';
import { LuaScript } from './redis-scripts.js';

/**
 * KEYS: the retry key. ARGV: holder, ttl. Returns { 'answered', answer } (and deletes it), { 'pending' } or
 * { 'claimed' }.
 */
const CLAIM_LOGIN_RETRY = new LuaScript(`
local k = KEYS[1]
local answer = redis.call('HGET', k, 'answer')
if answer then
  redis.call('DEL', k)
  return { 'answered', answer }
end
if redis.call('EXISTS', k) == 1 then return { 'pending' } end
redis.call('HSET', k, 'holder', ARGV[1])
redis.call('PEXPIRE', k, ARGV[2])
return { 'claimed' }
`);

/**
 * KEYS: the retry key. ARGV: holder, answer, ttl. Returns 1 when the holder still had the claim and the answer replaced
 * it.
 */
const FULFIL_LOGIN_RETRY = new LuaScript(`
local k = KEYS[1]
if redis.call('HGET', k, 'holder') ~= ARGV[1] then return 0 end
redis.call('DEL', k)
redis.call('HSET', k, 'answer', ARGV[2])
redis.call('PEXPIRE', k, ARGV[3])
return 1
`);

/** KEYS: the retry key. ARGV: holder. Deletes the claim only while the holder still has it. */
const RELEASE_LOGIN_RETRY = new LuaScript(`
local k = KEYS[1]
if redis.call('HGET', k, 'holder') == ARGV[1] then redis.call('DEL', k) end
return 1
`);

/** The login-retry port of the Redis store: `lr:<key>` hashes, expired by Redis (`PX`); each call one script. */
export function createRedisLoginRetryStore({ keys, run }: RedisStoreContext): LoginRetryStore {
  return {
    async claim(key, holder, ttlMs) {
      assertPositiveMs('loginRetries.claim: ttlMs', ttlMs);
      const reply = await run((redis) =>
        CLAIM_LOGIN_RETRY.run(redis, [keys.loginRetry(key)], [holder, Math.ceil(ttlMs)]),
      );
      const [state, answer] = Array.isArray(reply) ? reply.map(String) : [];
      if (state === 'answered' && answer !== undefined) return { state, answer };
      return state === 'pending' ? { state } : { state: 'claimed' };
    },
    async fulfil(key, holder, answer, ttlMs) {
      assertPositiveMs('loginRetries.fulfil: ttlMs', ttlMs);
      const reply = await run((redis) =>
        FULFIL_LOGIN_RETRY.run(redis, [keys.loginRetry(key)], [holder, answer, Math.ceil(ttlMs)]),
      );
      return Number(reply) === 1;
    },
    async release(key, holder) {
      await run((redis) => RELEASE_LOGIN_RETRY.run(redis, [keys.loginRetry(key)], [holder]));
    },
  };
}
