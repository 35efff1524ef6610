import type { SigningKeyRecord, SigningKeyStore } from '../ports.js';
import { StoreUnavailableError } from '../ports.js';
import type { RedisStoreContext } from './redis-context.js';
import { ENSURE_ACTIVE_KEY, PRUNE_KEYS, REPLACE_KEY_RECORD, ROTATE_KEYS } from './redis-scripts.js';

/**
 * The signing-key port of the Redis store: the records in the hash `sk`, their retirement times in `sk:retired`;
 * activation, rotation and pruning are Lua scripts, so instances starting at once agree on one key.
 */
export function createRedisSigningKeyStore({ keys, run, replicate }: RedisStoreContext): SigningKeyStore {
  const signingKeys = [keys.signingKeys, keys.retiredSigningKeys, keys.activeSigningKey];
  const toJson = (key: SigningKeyRecord): string => {
    const { retiredAt: _retiredAt, ...active } = key;
    return JSON.stringify(active);
  };
  return {
    async list() {
      // One MULTI, so that a concurrent rotation is seen entirely or not at all.
      const replies = await run((redis) =>
        redis.multi().hgetall(keys.signingKeys).hgetall(keys.retiredSigningKeys).exec(),
      );
      const [records, retired] = (replies ?? []).map(([error, fields]) => {
        if (error) throw error;
        return fields as Record<string, string>;
      });
      if (!records || !retired) throw new StoreUnavailableError('Redis aborted the transaction');
      return Object.entries(records)
        .map(([kid, json]): SigningKeyRecord => {
          const record = JSON.parse(json) as SigningKeyRecord;
          const retiredAt = retired[kid];
          return retiredAt === undefined ? record : { ...record, retiredAt: Number(retiredAt) };
        })
        .sort((a, b) => b.createdAt - a.createdAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0));
    },
    async ensureActive(candidate) {
      const json = await run((redis) =>
        ENSURE_ACTIVE_KEY.run(redis, signingKeys, [candidate.kid, toJson(candidate)]),
      );
      await replicate();
      return JSON.parse(String(json)) as SigningKeyRecord;
    },
    async rotate(next, at) {
      await run((redis) => ROTATE_KEYS.run(redis, signingKeys, [next.kid, toJson(next), at]));
      await replicate();
    },
    async prune(before) {
      return Number(await run((redis) => PRUNE_KEYS.run(redis, signingKeys, [before])));
    },
    async replacePrivateJwk(kid, expected, next) {
      const stored = await run((redis) => redis.hget(keys.signingKeys, kid));
      if (stored === null) return false;
      const record = JSON.parse(stored) as SigningKeyRecord;
      if (JSON.stringify(record.privateJwk) !== JSON.stringify(expected)) return false;
      // The script swaps the record only if it is still the text read here: a concurrent change wins.
      const replaced = await run((redis) =>
        REPLACE_KEY_RECORD.run(
          redis,
          [keys.signingKeys],
          [kid, stored, JSON.stringify({ ...record, privateJwk: next })],
        ),
      );
      return replaced === 1;
    },
  };
}
