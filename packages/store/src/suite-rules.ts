/**
 * The ordering rules of the suite store, shared by the in-process adapters (the Redis adapter runs the same rules in
 * Lua, `redis-scripts.ts`), and the `TypeError` guards every adapter applies before touching its backend.
 */
import { MAX_INSTALL_PAGE, type SuiteInstallRecord, type SuiteTicketRecord } from './ports.js';

/** What a corp's stored state is to an incoming event: an install, a tombstone, or nothing. */
export type InstallState =
  | { readonly kind: 'installed'; readonly eventTimestamp: number; readonly installedAt: number }
  | { readonly kind: 'uninstalled'; readonly eventTimestamp: number }
  | undefined;

/** A ticket replaces the stored one only when strictly newer: an equal timestamp is a replay of the same push. */
export function decideTicketOffer(storedTimestamp: number | undefined, offered: number): 'stored' | 'stale' {
  return storedTimestamp !== undefined && storedTimestamp >= offered ? 'stale' : 'stored';
}

/**
 * An install event applies unless a strictly newer event (install or uninstall) was applied to the corp; it is an
 * `updated` when the corp is installed (keeping its `installedAt`), else an `installed`.
 */
export function decideInstallSave(
  state: InstallState,
  eventTimestamp: number,
):
  | { readonly outcome: 'stale' }
  | { readonly outcome: 'installed' }
  | { readonly outcome: 'updated'; readonly installedAt: number } {
  if (state && state.eventTimestamp > eventTimestamp) return { outcome: 'stale' };
  if (state?.kind === 'installed') return { outcome: 'updated', installedAt: state.installedAt };
  return { outcome: 'installed' };
}

/**
 * An uninstall applies unless a strictly newer event was applied; it leaves a tombstone whenever it applies, also
 * when the corp was not installed (an install event it overtook must stay out).
 */
export function decideInstallRemoval(
  state: InstallState,
  eventTimestamp: number,
): 'removed' | 'stale' | 'absent' {
  if (state && state.eventTimestamp > eventTimestamp) return 'stale';
  return state?.kind === 'installed' ? 'removed' : 'absent';
}

/**
 * Orders corp ids by code point, which is the byte order of their UTF-8 (SQLite's BINARY collation, Redis's lex order).
 */
export function compareCorpIds(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    const x = a.codePointAt(index) ?? 0;
    const y = b.codePointAt(index) ?? 0;
    if (x !== y) return x - y;
    // Both are the same code point: skip its second unit too when it is a surrogate pair.
    if (x > 0xffff) index += 1;
  }
  return a.length - b.length;
}

function assertNonEmptyString(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

function assertEpochSeconds(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${what} must be a non-negative integer (epoch seconds)`);
  }
}

function assertEpochMs(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${what} must be a non-negative, finite number (epoch milliseconds)`);
  }
}

export function assertSuiteId(operation: string, suiteId: unknown): void {
  assertNonEmptyString(`suites.${operation}: suiteId`, suiteId);
}

export function assertCorpId(operation: string, corpId: unknown): void {
  assertNonEmptyString(`suites.${operation}: corpId`, corpId);
}

export function assertTicketRecord(record: SuiteTicketRecord): void {
  assertSuiteId('offerTicket', record.suiteId);
  assertNonEmptyString('suites.offerTicket: ticket', record.ticket);
  assertEpochSeconds('suites.offerTicket: timestamp', record.timestamp);
  assertEpochMs('suites.offerTicket: receivedAt', record.receivedAt);
}

export function assertInstallRecord(record: SuiteInstallRecord): void {
  assertSuiteId('saveInstall', record.suiteId);
  assertCorpId('saveInstall', record.corpId);
  for (const field of ['corpName', 'permanentCodeCiphertext', 'authInfo'] as const) {
    if (typeof record[field] !== 'string')
      throw new TypeError(`suites.saveInstall: ${field} must be a string`);
  }
  assertNonEmptyString('suites.saveInstall: permanentCodeCiphertext', record.permanentCodeCiphertext);
  assertEpochMs('suites.saveInstall: installedAt', record.installedAt);
  assertEpochMs('suites.saveInstall: updatedAt', record.updatedAt);
  assertEpochSeconds('suites.saveInstall: eventTimestamp', record.eventTimestamp);
}

export function assertRemoval(suiteId: string, corpId: string, eventTimestamp: number, at: number): void {
  assertSuiteId('removeInstall', suiteId);
  assertCorpId('removeInstall', corpId);
  assertEpochSeconds('suites.removeInstall: eventTimestamp', eventTimestamp);
  assertEpochMs('suites.removeInstall: at', at);
}

export function assertInstallPage(
  suiteId: string,
  page: { readonly after?: string; readonly limit: number },
): void {
  assertSuiteId('listInstalls', suiteId);
  if (page.after !== undefined && typeof page.after !== 'string') {
    throw new TypeError('suites.listInstalls: after must be a string');
  }
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > MAX_INSTALL_PAGE) {
    throw new TypeError(`suites.listInstalls: limit must be an integer from 1 to ${MAX_INSTALL_PAGE}`);
  }
}
