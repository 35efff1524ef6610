import type {
  SecurityEventInput,
  SecurityEventLog,
  SecurityEventQuery,
  StoredSecurityEvent,
} from '../security-event-log.js';
import { assertSecurityEventQuery, assertSecurityEventRetention } from '../security-event-query.js';
import type { RedisStoreContext } from './redis-context.js';
import { LIST_EVENTS, PRUNE_EVENTS } from './redis-scripts.js';

/** How many entries one prune script reads at most before trimming: bounds how long it holds Redis. */
const PRUNE_SCAN_BUDGET = 50_000;

/** How many entries one `list` call reads at most when filters skip entries: bounds the time Redis spends on it. */
const LIST_SCAN_BUDGET = 20_000;

/**
 * How far behind the earliest wanted time the stream is read: entry ids carry Redis's clock and `at` the gateways',
 * so an entry stamped just after `since` may sit under an id a little before it. Clocks kept by NTP agree far closer.
 */
const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/** The stream fields of an event: short names, since every entry carries its own. */
const fieldNames = [
  ['corpId', 'c'],
  ['userId', 'u'],
  ['sessionId', 's'],
  ['requestId', 'r'],
  ['clientIp', 'ip'],
  ['reason', 'why'],
] as const;

function toFields(event: SecurityEventInput): string[] {
  const fields = ['at', String(event.at), 'type', event.type];
  for (const [name, field] of fieldNames) {
    const value = event[name];
    if (value !== undefined) fields.push(field, value);
  }
  return fields;
}

function toEvent(entry: unknown): StoredSecurityEvent | undefined {
  if (!Array.isArray(entry) || !Array.isArray(entry[1])) return undefined;
  const raw = entry[1] as unknown[];
  const fields = new Map<string, string>();
  for (let index = 0; index + 1 < raw.length; index += 2)
    fields.set(String(raw[index]), String(raw[index + 1]));
  const type = fields.get('type');
  const at = Number(fields.get('at'));
  if (type === undefined || !Number.isFinite(at)) return undefined;
  const event: Record<string, string | number> = { id: String(entry[0]), at, type };
  for (const [name, field] of fieldNames) {
    const value = fields.get(field);
    if (value !== undefined) event[name] = value;
  }
  return event as unknown as StoredSecurityEvent;
}

/** A stream id: milliseconds, a dash, a sequence number. */
const streamId = /^\d{1,20}-\d{1,20}$/;

interface PendingAppend {
  readonly events: readonly SecurityEventInput[];
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
}

/**
 * The security event log of the Redis store: the stream `events`, its entry ids the order and the cursor. Appends
 * made in one turn of the event loop go to Redis in one round trip (a pipeline of XADDs); filtered reads run in Redis
 * (one script per page, bounded by {@link LIST_SCAN_BUDGET} entries read); pruning trims the stream by the time of
 * its entries and by length.
 */
export function createRedisSecurityEventLog({ keys, run }: RedisStoreContext): SecurityEventLog {
  const key = keys.securityEvents;
  let queue: PendingAppend[] = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    run(async (redis) => {
      const pipeline = redis.pipeline();
      for (const pending of batch)
        for (const event of pending.events) pipeline.xadd(key, '*', ...toFields(event));
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    }).then(
      () => {
        for (const pending of batch) pending.resolve();
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  };

  return {
    append(events) {
      if (events.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ events, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async list(query: SecurityEventQuery) {
      assertSecurityEventQuery(query);
      // A cursor that is not a stream id matches nothing older: an empty page, not an error.
      if (query.cursor !== undefined && !streamId.test(query.cursor)) return { events: [] };
      const low =
        query.since === undefined
          ? '-'
          : String(Math.max(0, Math.floor(query.since) - CLOCK_SKEW_ALLOWANCE_MS));
      const reply = await run((redis) =>
        LIST_EVENTS.run(
          redis,
          [key],
          [
            query.cursor ?? '',
            low,
            query.limit,
            LIST_SCAN_BUDGET,
            query.corpId ?? '',
            query.userId ?? '',
            query.type ?? '',
            query.since === undefined ? '' : String(query.since),
          ],
        ),
      );
      const [nextCursor, entries] = Array.isArray(reply) ? reply : ['', []];
      const events = (Array.isArray(entries) ? entries : []).flatMap((entry) => toEvent(entry) ?? []);
      return typeof nextCursor === 'string' && nextCursor !== '' ? { events, nextCursor } : { events };
    },
    async prune(retention) {
      assertSecurityEventRetention(retention);
      // Entries are in Redis's time order and `at` is the gateways' time: the scan goes by `at`, from the oldest, so
      // that clocks that disagree a little never remove an event inside the retention.
      let removed = 0;
      for (;;) {
        const reply = await run((redis) =>
          PRUNE_EVENTS.run(redis, [key], [retention.before, PRUNE_SCAN_BUDGET]),
        );
        const [count, done] = Array.isArray(reply) ? reply.map(Number) : [0, 1];
        removed += count ?? 0;
        if (done !== 0) break;
      }
      removed += Number(await run((redis) => redis.xtrim(key, 'MAXLEN', retention.maxEntries)));
      return removed;
    },
  };
}
