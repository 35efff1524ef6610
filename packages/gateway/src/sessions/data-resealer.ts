/**
 * The reseal pass: walks every resealable record, and rewrites under the current data key each one a fallback key
 * opens. A record changed meanwhile is left as it is (whatever replaced it was sealed under the current key); one that
 * no configured key opens is counted, never touched. Run by a gateway at start while a rotation is under way, by
 * `wecom-auth rotate-data-key`, and (counting only) by `wecom-auth doctor`.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DataKeyring } from './data-keyring.js';
import type { ResealableKind } from './resealable-records.js';

/** What a pass found for one kind of record. */
export interface ResealCounts {
  /** Sealed under the current key already. */
  readonly current: number;
  /** Opened by a fallback key and rewritten under the current one (none in a census). */
  readonly resealed: number;
  /** Opened by a fallback key: resealed by a pass, or to be resealed after a census. */
  readonly underFallback: number;
  /** Changed by someone else between the read and the rewrite: current already. */
  readonly changedMeanwhile: number;
  /** Opened by no configured key: lost unless the key that sealed them is added as a fallback. */
  readonly unreadable: number;
  /** How many records each fallback key opened, by its source. */
  readonly bySource: Readonly<Record<string, number>>;
}

/** A pass's findings, by kind name. */
export type ResealReport = Readonly<Record<string, ResealCounts>>;

/** What {@link resealRecords} walks, with what. */
export interface ResealInput {
  readonly kinds: readonly ResealableKind[];
  readonly keyring: DataKeyring;
  /** Count only, rewrite nothing (`wecom-auth doctor`). */
  readonly census?: boolean;
  /** Stops the pass between two records (a gateway shutting down); what was done stays done. */
  readonly signal?: AbortSignal;
}

/** Records handled between two yields to the event loop, so a long pass never holds up requests. */
const recordsPerTurn = 200;

/**
 * Walks `kinds` and reseals under the keyring's current key whatever a fallback key opens.
 *
 * @example
 * const report = await resealRecords({ kinds: resealableKindsOf(store, Date.now), keyring });
 * report.session_key?.resealed; // sessions whose session_key is now under the current key
 */
export async function resealRecords(input: ResealInput): Promise<ResealReport> {
  const report: Record<string, ResealCounts> = {};
  let sinceYield = 0;
  for (const kind of input.kinds) {
    const counts = { current: 0, resealed: 0, underFallback: 0, changedMeanwhile: 0, unreadable: 0 };
    const bySource: Record<string, number> = {};
    for await (const record of kind.records()) {
      input.signal?.throwIfAborted();
      const opened = input.keyring.unseal(record.sealed, kind.purpose);
      if (opened === undefined) {
        counts.unreadable += 1;
      } else if (opened.keyIndex === 0) {
        counts.current += 1;
      } else {
        counts.underFallback += 1;
        bySource[opened.source] = (bySource[opened.source] ?? 0) + 1;
        if (input.census !== true) {
          const resealed = input.keyring.seal(opened.plaintext, kind.purpose);
          if (await kind.replace(record, resealed)) counts.resealed += 1;
          else counts.changedMeanwhile += 1;
        }
      }
      sinceYield += 1;
      if (sinceYield >= recordsPerTurn) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
    report[kind.name] = { ...counts, bySource };
  }
  return report;
}

/** The sum of one count over every kind of a report. */
export function totalOf(
  report: ResealReport,
  count: 'current' | 'resealed' | 'underFallback' | 'changedMeanwhile' | 'unreadable',
): number {
  return Object.values(report).reduce((sum, counts) => sum + counts[count], 0);
}
