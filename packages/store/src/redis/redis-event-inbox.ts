import { assertPositiveInteger } from '../input-validation.js';
import type { EventInbox, InboxEvent } from '../ports.js';
import { APPLIED_EVENT_RETENTION_MS } from '../retention.js';
import type { RedisRun } from './redis-connection.js';
import { MARK_EVENT_APPLIED, RECORD_EVENT } from './redis-scripts.js';

/**
 * The event-inbox port of the Redis store: each event as JSON under `ib:<id>`, the pending ones in the sorted set
 * `ibpending` by reception time; an applied event is kept for {@link APPLIED_EVENT_RETENTION_MS} to catch retries.
 */
export function createRedisEventInbox(prefix: string, run: RedisRun): EventInbox {
  return {
    async record(event) {
      // Entries written by a single-corp release have no corpId: they read back without one, which the gateway
      // takes for its default corp. No rewrite of the stored entries is needed.
      const json = JSON.stringify({
        id: event.id,
        ...(event.corpId === undefined ? {} : { corpId: event.corpId }),
        payload: event.payload,
        receivedAt: event.receivedAt,
      });
      return (
        (await run((redis) => RECORD_EVENT.run(redis, [prefix, event.id, json, event.receivedAt]))) === 1
      );
    },
    async markApplied(id) {
      await run((redis) => MARK_EVENT_APPLIED.run(redis, [prefix, id, APPLIED_EVENT_RETENTION_MS]));
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return run(async (redis) => {
        const ids = await redis.zrange(`${prefix}ibpending`, 0, limit - 1);
        if (ids.length === 0) return [];
        const values = await redis.mget(ids.map((id) => `${prefix}ib:${id}`));
        return values.flatMap((json): InboxEvent[] =>
          json === null ? [] : [JSON.parse(json) as InboxEvent],
        );
      });
    },
  };
}
