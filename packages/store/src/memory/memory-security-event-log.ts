import type { SecurityEventLog, StoredSecurityEvent } from '../security-event-log.js';
import {
  assertSecurityEventQuery,
  assertSecurityEventRetention,
  matchesSecurityEventQuery,
} from '../security-event-query.js';

/** The security event log of the memory store: an array in append order; ids are its sequence numbers. */
export function createMemorySecurityEventLog(): SecurityEventLog {
  let events: StoredSecurityEvent[] = [];
  let sequence = 0;
  return {
    async append(batch) {
      for (const event of batch) {
        sequence += 1;
        events.push({ ...event, id: String(sequence) });
      }
    },
    async list(query) {
      assertSecurityEventQuery(query);
      const before = query.cursor === undefined ? Number.POSITIVE_INFINITY : Number(query.cursor);
      const page: StoredSecurityEvent[] = [];
      for (let index = events.length - 1; index >= 0; index--) {
        const event = events[index] as StoredSecurityEvent;
        if (!(Number(event.id) < before) || !matchesSecurityEventQuery(event, query)) continue;
        if (page.length === query.limit) return { events: page, nextCursor: page[page.length - 1]?.id ?? '' };
        page.push(event);
      }
      return { events: page };
    },
    async prune(retention) {
      assertSecurityEventRetention(retention);
      const kept = events.filter((event) => event.at >= retention.before).slice(-retention.maxEntries);
      const removed = events.length - kept.length;
      events = kept;
      return removed;
    },
  };
}
