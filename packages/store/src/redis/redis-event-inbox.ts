import { assertPositiveInteger } from '../input-validation.js';
import type { EventInbox, InboxEvent } from '../ports.js';
import { APPLIED_EVENT_RETENTION_MS } from '../retention.js';
import type { RedisStoreContext } from './redis-context.js';
import { MARK_EVENT_APPLIED, RECORD_EVENT } from './redis-scripts.js';

/**
 * The event-inbox port of the Redis store: each event as JSON under `ib:<id>`, the pending ones in the sorted set
 * `ibpending` by reception time; an applied event is kept for {@link APPLIED_EVENT_RETENTION_MS} to catch retries.
 */
export function createRedisEventInbox({ keys, run, replicate }: RedisStoreContext): EventInbox {
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
      const eventKeys = [keys.inboxEvent(event.id), keys.inboxPending];
      const recorded =
        (await run((redis) => RECORD_EVENT.run(redis, eventKeys, [event.id, json, event.receivedAt]))) === 1;
      // WeCom is answered once the event is recorded: it must survive a failover, or it is lost for good.
      await replicate();
      return recorded;
    },
    async markApplied(id) {
      await run((redis) =>
        MARK_EVENT_APPLIED.run(
          redis,
          [keys.inboxEvent(id), keys.inboxPending],
          [id, APPLIED_EVENT_RETENTION_MS],
        ),
      );
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return run(async (redis) => {
        const ids = await redis.zrange(keys.inboxPending, 0, limit - 1);
        if (ids.length === 0) return [];
        const values = await redis.mget(ids.map((id) => keys.inboxEvent(id)));
        return values.flatMap((json): InboxEvent[] =>
          json === null ? [] : [JSON.parse(json) as InboxEvent],
        );
      });
    },
  };
}
