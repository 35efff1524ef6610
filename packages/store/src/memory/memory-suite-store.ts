import type { LocalChangeHub } from '../local-change-hub.js';
import type { SuiteInstallRecord, SuiteStore, SuiteTicketRecord } from '../ports.js';
import {
  assertCorpId,
  assertInstallPage,
  assertInstallRecord,
  assertRemoval,
  assertSuiteId,
  assertTicketRecord,
  compareCorpIds,
  decideInstallRemoval,
  decideInstallSave,
  decideTicketOffer,
  type InstallState,
} from '../suite-rules.js';

/** What the memory store keeps of one corp of one suite: its install, or the tombstone its uninstall left. */
type CorpEntry =
  | { readonly kind: 'installed'; readonly record: SuiteInstallRecord }
  | { readonly kind: 'uninstalled'; readonly eventTimestamp: number; readonly uninstalledAt: number };

/**
 * The suite port of the memory store: per suite, its ticket and a map of its corps; install changes are published on
 * the store's `hub`. A tombstone older than `tombstoneRetentionMs` counts as gone.
 */
export function createMemorySuiteStore(
  now: () => number,
  hub: LocalChangeHub,
  tombstoneRetentionMs: number,
): SuiteStore {
  const tickets = new Map<string, SuiteTicketRecord>();
  const corpsBySuite = new Map<string, Map<string, CorpEntry>>();

  const corpsOf = (suiteId: string): Map<string, CorpEntry> => {
    let corps = corpsBySuite.get(suiteId);
    if (!corps) {
      corps = new Map();
      corpsBySuite.set(suiteId, corps);
    }
    return corps;
  };
  const stateOf = (corps: Map<string, CorpEntry>, corpId: string): InstallState => {
    const entry = corps.get(corpId);
    if (!entry) return undefined;
    if (entry.kind === 'installed') {
      return {
        kind: 'installed',
        eventTimestamp: entry.record.eventTimestamp,
        installedAt: entry.record.installedAt,
      };
    }
    if (entry.uninstalledAt + tombstoneRetentionMs <= now()) {
      corps.delete(corpId);
      return undefined;
    }
    return { kind: 'uninstalled', eventTimestamp: entry.eventTimestamp };
  };
  const installed = (suiteId: string): SuiteInstallRecord[] =>
    [...(corpsBySuite.get(suiteId)?.values() ?? [])].flatMap((entry) =>
      entry.kind === 'installed' ? [entry.record] : [],
    );

  return {
    async offerTicket(record) {
      assertTicketRecord(record);
      const outcome = decideTicketOffer(tickets.get(record.suiteId)?.timestamp, record.timestamp);
      if (outcome === 'stored') tickets.set(record.suiteId, { ...record });
      return outcome;
    },
    async ticket(suiteId) {
      assertSuiteId('ticket', suiteId);
      return tickets.get(suiteId);
    },
    async saveInstall(record) {
      assertInstallRecord(record);
      const corps = corpsOf(record.suiteId);
      const decision = decideInstallSave(stateOf(corps, record.corpId), record.eventTimestamp);
      if (decision.outcome === 'stale') return 'stale';
      const stored: SuiteInstallRecord = {
        ...record,
        installedAt: decision.outcome === 'updated' ? decision.installedAt : record.installedAt,
      };
      corps.set(record.corpId, { kind: 'installed', record: stored });
      hub.publishInstallChange({
        suiteId: record.suiteId,
        corpId: record.corpId,
        kind: decision.outcome,
        at: record.updatedAt,
      });
      return 'stored';
    },
    async install(suiteId, corpId) {
      assertSuiteId('install', suiteId);
      assertCorpId('install', corpId);
      const entry = corpsBySuite.get(suiteId)?.get(corpId);
      return entry?.kind === 'installed' ? entry.record : undefined;
    },
    async removeInstall(suiteId, corpId, eventTimestamp, at) {
      assertRemoval(suiteId, corpId, eventTimestamp, at);
      const corps = corpsOf(suiteId);
      const outcome = decideInstallRemoval(stateOf(corps, corpId), eventTimestamp);
      if (outcome === 'stale') return outcome;
      // Uninstalls are rare: a good moment to forget the suite's tombstones that are past the horizon.
      for (const [id, entry] of [...corps]) {
        if (entry.kind === 'uninstalled' && entry.uninstalledAt + tombstoneRetentionMs <= now())
          corps.delete(id);
      }
      corps.set(corpId, { kind: 'uninstalled', eventTimestamp, uninstalledAt: at });
      if (outcome === 'removed') hub.publishInstallChange({ suiteId, corpId, kind: 'uninstalled', at });
      return outcome;
    },
    async listInstalls(suiteId, page) {
      assertInstallPage(suiteId, page);
      const { after } = page;
      return installed(suiteId)
        .filter((record) => after === undefined || compareCorpIds(record.corpId, after) > 0)
        .sort((a, b) => compareCorpIds(a.corpId, b.corpId))
        .slice(0, page.limit);
    },
    async countInstalls(suiteId) {
      assertSuiteId('countInstalls', suiteId);
      return installed(suiteId).length;
    },
    async subscribeInstalls(listener) {
      const unsubscribe = hub.subscribeInstalls(listener);
      return async () => unsubscribe();
    },
  };
}
