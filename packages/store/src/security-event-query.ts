/**
 * What every adapter of the security event log checks and shares: the query's bounds, and whether a fact matches it.
 */
import {
  SECURITY_EVENT_PAGE_LIMIT,
  type SecurityEventInput,
  type SecurityEventQuery,
  type SecurityEventRetention,
} from './security-event-log.js';

/** Refuses a query a caller got wrong (a `TypeError` with an exact message): the limit, the time, the cursor. */
export function assertSecurityEventQuery(query: SecurityEventQuery): void {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > SECURITY_EVENT_PAGE_LIMIT) {
    throw new TypeError(`events.list: limit must be a whole number 1–${SECURITY_EVENT_PAGE_LIMIT}`);
  }
  if (query.since !== undefined && !Number.isFinite(query.since)) {
    throw new TypeError('events.list: since must be a finite number of epoch milliseconds');
  }
}

/** Refuses a retention a caller got wrong. */
export function assertSecurityEventRetention(retention: SecurityEventRetention): void {
  if (!Number.isFinite(retention.before)) {
    throw new TypeError('events.prune: before must be a finite number of epoch milliseconds');
  }
  if (!Number.isSafeInteger(retention.maxEntries) || retention.maxEntries < 1) {
    throw new TypeError('events.prune: maxEntries must be a positive whole number');
  }
}

/** Whether `event` passes the query's filters (the cursor aside). */
export function matchesSecurityEventQuery(event: SecurityEventInput, query: SecurityEventQuery): boolean {
  return (
    (query.corpId === undefined || event.corpId === query.corpId) &&
    (query.userId === undefined || event.userId === query.userId) &&
    (query.type === undefined || event.type === query.type) &&
    (query.since === undefined || event.at >= query.since)
  );
}
