import { assertPositiveInteger } from '../input-validation.js';
import type { EventInbox, InboxEvent } from '../ports.js';

/** The event-inbox port of the memory store. */
export function createMemoryEventInbox(): EventInbox {
  // A Map keeps insertion order, which breaks ties between events received in the same millisecond.
  const events = new Map<string, InboxEvent>();
  return {
    async record(event) {
      if (events.has(event.id)) return false;
      events.set(event.id, {
        id: event.id,
        ...(event.corpId === undefined ? {} : { corpId: event.corpId }),
        payload: event.payload,
        receivedAt: event.receivedAt,
      });
      return true;
    },
    async markApplied(id, at) {
      const event = events.get(id);
      if (event && event.appliedAt === undefined) events.set(id, { ...event, appliedAt: at });
    },
    async pending(limit) {
      assertPositiveInteger('inbox.pending: limit', limit);
      return [...events.values()]
        .filter((event) => event.appliedAt === undefined)
        .sort((a, b) => a.receivedAt - b.receivedAt)
        .slice(0, limit);
    },
  };
}
