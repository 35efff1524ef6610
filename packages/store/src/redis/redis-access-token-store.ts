import { randomUUID } from 'node:crypto';
import type { AccessTokenRecord, AccessTokenStore } from '@wecom-auth/api';
import { assertPositiveMs } from '../input-validation.js';
import type { RedisStoreContext } from './redis-context.js';
import { toFields } from './redis-replies.js';
import { DELETE_IF_TOKEN, PUT_IF_NEWER, RELEASE_LOCK } from './redis-scripts.js';
import type { ChangeWaiters } from './redis-subscriber.js';

/**
 * The access-token port of the Redis store: records under `at:<key>`, the refresh lock under `atlock:<key>`
 * (`SET NX PX`), waits woken by the changes channel through the store's one subscriber (`subscribe`).
 */
export function createRedisAccessTokenStore(
  context: RedisStoreContext,
  subscribe: () => Promise<void>,
  waiters: ChangeWaiters,
): AccessTokenStore {
  const { keys, run, now } = context;
  const channel = keys.changesChannel;
  /** Keys whose lock this instance was refused last time it asked (see waitForChange). */
  const contended = new Set<string>();
  const toRecord = (fields: Record<string, string>): AccessTokenRecord | undefined =>
    fields.token === undefined
      ? undefined
      : { token: fields.token, expiresAt: Number(fields.expiresAt), obtainedAt: Number(fields.obtainedAt) };

  return {
    async get(key) {
      const record = toRecord(await run((redis) => redis.hgetall(keys.accessToken(key))));
      // Redis drops the key by its TTL; the check covers the clock the caller injected.
      return record && record.expiresAt > now() ? record : undefined;
    },
    async putIfNewer(key, record) {
      const ttl = Math.max(1, Math.ceil(record.expiresAt - now()));
      const reply = await run((redis) =>
        PUT_IF_NEWER.run(
          redis,
          [keys.accessToken(key)],
          [channel, key, record.token, record.expiresAt, record.obtainedAt, ttl],
        ),
      );
      return toRecord(toFields(reply)) ?? record;
    },
    async deleteIfToken(key, token) {
      return (
        (await run((redis) => DELETE_IF_TOKEN.run(redis, [keys.accessToken(key)], [channel, key, token]))) ===
        1
      );
    },
    async tryLock(key, ttlMs) {
      assertPositiveMs('accessTokens.tryLock: ttlMs', ttlMs);
      const holder = randomUUID();
      const taken = await run((redis) =>
        redis.set(keys.accessTokenLock(key), holder, 'PX', Math.ceil(ttlMs), 'NX'),
      );
      if (taken !== 'OK') {
        contended.add(key);
        return undefined;
      }
      contended.delete(key);
      return {
        async release() {
          await run((redis) => RELEASE_LOCK.run(redis, [keys.accessTokenLock(key)], [channel, key, holder]));
        },
      };
    },
    async waitForChange(key, timeoutMs) {
      await subscribe();
      await new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) {
          set = new Set();
          waiters.set(key, set);
        }
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const current = waiters.get(key);
          current?.delete(done);
          if (current?.size === 0) waiters.delete(key);
          resolve();
        }, timeoutMs);
        // A pending wait alone must not keep the process alive.
        timer.unref();
        set.add(done);
        // After a refused tryLock, the holder may finish (store, publish, release) before this wait is registered
        // or even subscribed, and its messages would be missed: the caller would sit out its whole timeout. So the
        // lock is looked at once more, now that the wait is registered; gone means the holder is done (or died).
        if (contended.delete(key)) {
          run((redis) => redis.exists(keys.accessTokenLock(key))).then(
            (held) => {
              if (held === 0) leave();
            },
            () => leave(),
          );
        }
        function leave(): void {
          const current = waiters.get(key);
          current?.delete(done);
          if (current?.size === 0) waiters.delete(key);
          done();
        }
      });
    },
  };
}
