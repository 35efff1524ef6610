/**
 * The contract of the suite port (`store.suites`), part of the conformance suite every adapter runs: ticket ordering,
 * install and uninstall ordering with late events, paging, subscriptions, and the tombstone horizon.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, SuiteInstallChange, SuiteInstallRecord, SuiteTicketRecord } from '../src/index.js';
import type { StoreFactory, StoreFixture } from './conformance.js';

const SUITE = 'ww-suite-1';
/** A WeCom TimeStamp (epoch seconds) to count events from. */
const T0 = 1_760_000_000;

/** Resolves with the first `count` changes a listener receives. */
function collectChanges(count: number): {
  listener: (change: SuiteInstallChange) => void;
  done: Promise<SuiteInstallChange[]>;
} {
  const received: SuiteInstallChange[] = [];
  let finish: (changes: SuiteInstallChange[]) => void = () => {};
  const done = new Promise<SuiteInstallChange[]>((resolve) => {
    finish = resolve;
  });
  return {
    listener: (change) => {
      received.push(change);
      if (received.length === count) finish([...received]);
    },
    done,
  };
}

/** Orders strings by code point: the order the adapters page in (SQLite BINARY, Redis lex order). */
function byCodePoint(a: string, b: string): number {
  const [x, y] = [[...a], [...b]];
  for (let index = 0; index < Math.min(x.length, y.length); index += 1) {
    const difference = (x[index]?.codePointAt(0) ?? 0) - (y[index]?.codePointAt(0) ?? 0);
    if (difference !== 0) return difference;
  }
  return x.length - y.length;
}

export function describeSuiteConformance(factory: StoreFactory): void {
  describe('suites', () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.close();
    });

    const ticket = (timestamp: number, overrides: Partial<SuiteTicketRecord> = {}): SuiteTicketRecord => ({
      suiteId: SUITE,
      ticket: `ticket-${timestamp}`,
      timestamp,
      receivedAt: fixture.now(),
      ...overrides,
    });
    const install = (
      corpId: string,
      eventTimestamp: number,
      overrides: Partial<SuiteInstallRecord> = {},
    ): SuiteInstallRecord => ({
      suiteId: SUITE,
      corpId,
      corpName: `Corp ${corpId}`,
      permanentCodeCiphertext: `sealed-${corpId}-${eventTimestamp}`,
      authInfo: JSON.stringify({
        agent: [{ agentid: 1000002, privilege: { level: 1 } }],
        at: eventTimestamp,
      }),
      installedAt: fixture.now(),
      updatedAt: fixture.now(),
      eventTimestamp,
      ...overrides,
    });

    describe('tickets', () => {
      it('answers undefined for a suite that has no ticket', async () => {
        expect(await store.suites.ticket(SUITE)).toBeUndefined();
      });

      it('keeps the newest ticket: a newer one wins, an older or equal one (a replay) is stale', async () => {
        const first = ticket(T0);
        expect(await store.suites.offerTicket(first)).toBe('stored');
        expect(await store.suites.ticket(SUITE)).toEqual(first);
        expect(await store.suites.offerTicket(ticket(T0 - 600, { ticket: 'older' }))).toBe('stale');
        expect(await store.suites.offerTicket(ticket(T0, { ticket: 'same-second' }))).toBe('stale');
        expect(await store.suites.ticket(SUITE)).toEqual(first);
        const newer = ticket(T0 + 600, { receivedAt: fixture.now() + 600_000 });
        expect(await store.suites.offerTicket(newer)).toBe('stored');
        expect(await store.suites.ticket(SUITE)).toEqual(newer);
      });

      it("keeps each suite's ticket apart, whatever its id holds", async () => {
        const suites = [
          'tj-a',
          'tj-a:ticket',
          'tj-a%3Aticket',
          'tj-a%253Aticket',
          'tj-a:corp:x',
          'TJ-A',
          '套件',
        ];
        const offered = suites.map((suiteId, index) => ticket(T0 + index, { suiteId, ticket: `t-${index}` }));
        for (const record of offered) expect(await store.suites.offerTicket(record)).toBe('stored');
        for (const record of offered) expect(await store.suites.ticket(record.suiteId)).toEqual(record);
      });

      it('lets the newest of concurrent offers from two instances survive', async () => {
        const peer = await fixture.openPeer();
        // Interleaved so that neither instance sends its offers in timestamp order.
        const timestamps = [7, 3, 20, 1, 15, 9, 12, 2, 18, 5, 11, 4, 19, 8, 14, 6, 17, 10, 16, 13];
        const answers = await Promise.all(
          timestamps.map((offset, index) =>
            (index % 2 === 0 ? store : peer).suites.offerTicket(ticket(T0 + offset)),
          ),
        );
        expect(answers[timestamps.indexOf(20)]).toBe('stored');
        expect(await store.suites.ticket(SUITE)).toMatchObject({
          timestamp: T0 + 20,
          ticket: `ticket-${T0 + 20}`,
        });
        expect(await peer.suites.ticket(SUITE)).toMatchObject({ timestamp: T0 + 20 });
      });

      it('stores exactly one of concurrent replays of one push', async () => {
        const peer = await fixture.openPeer();
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            (index % 2 === 0 ? store : peer).suites.offerTicket(ticket(T0, { ticket: 'replayed' })),
          ),
        );
        expect(answers.filter((answer) => answer === 'stored')).toHaveLength(1);
      });

      it('round-trips arbitrary suite ids and tickets', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.string({ minLength: 1, maxLength: 30 }),
            fc.string({ minLength: 1, maxLength: 512 }),
            async (suiteId, value) => {
              const current = (await store.suites.ticket(suiteId))?.timestamp ?? T0;
              const offered = ticket(current + 1, { suiteId, ticket: value });
              expect(await store.suites.offerTicket(offered)).toBe('stored');
              expect(await store.suites.ticket(suiteId)).toEqual(offered);
            },
          ),
          { numRuns: 25 },
        );
      });

      it('refuses a ticket that is not one', async () => {
        await expect(store.suites.offerTicket(ticket(T0, { suiteId: '' }))).rejects.toThrow(
          new TypeError('suites.offerTicket: suiteId must be a non-empty string'),
        );
        await expect(store.suites.offerTicket(ticket(T0, { ticket: '' }))).rejects.toThrow(
          new TypeError('suites.offerTicket: ticket must be a non-empty string'),
        );
        for (const timestamp of [-1, 1.5, Number.NaN]) {
          await expect(store.suites.offerTicket(ticket(timestamp))).rejects.toThrow(
            new TypeError('suites.offerTicket: timestamp must be a non-negative integer (epoch seconds)'),
          );
        }
        await expect(store.suites.ticket('')).rejects.toThrow(TypeError);
        expect(await store.suites.ticket(SUITE)).toBeUndefined();
      });
    });

    describe('installs', () => {
      it('saves an install, reads and counts it; a corp that never installed is undefined', async () => {
        const saved = install('wwcorp-a', T0);
        expect(await store.suites.saveInstall(saved)).toBe('stored');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toEqual(saved);
        expect(await store.suites.install(SUITE, 'wwcorp-missing')).toBeUndefined();
        expect(await store.suites.countInstalls(SUITE)).toBe(1);
        expect(await store.suites.countInstalls('ww-suite-never')).toBe(0);
        expect(await store.suites.listInstalls('ww-suite-never', { limit: 10 })).toEqual([]);
      });

      it('applies a newer or same-second event, refuses an older one, and keeps installedAt', async () => {
        const t = fixture.now();
        const first = install('wwcorp-a', T0, { installedAt: t, updatedAt: t });
        await store.suites.saveInstall(first);
        const changed = install('wwcorp-a', T0 + 60, {
          corpName: 'Renamed',
          permanentCodeCiphertext: 'sealed-reset',
          installedAt: t + 60_000,
          updatedAt: t + 60_000,
        });
        expect(await store.suites.saveInstall(changed)).toBe('stored');
        // installedAt belongs to the installation: an update cannot move it.
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toEqual({ ...changed, installedAt: t });
        expect(await store.suites.saveInstall(install('wwcorp-a', T0 + 30, { corpName: 'Late' }))).toBe(
          'stale',
        );
        expect((await store.suites.install(SUITE, 'wwcorp-a'))?.corpName).toBe('Renamed');
        const sameSecond = install('wwcorp-a', T0 + 60, { corpName: 'Same second', updatedAt: t + 61_000 });
        expect(await store.suites.saveInstall(sameSecond)).toBe('stored');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toEqual({ ...sameSecond, installedAt: t });
        expect(await store.suites.countInstalls(SUITE)).toBe(1);
      });

      it('removes an install with its permanent code; a late older create or change stays out; a newer reinstall applies', async () => {
        const t = fixture.now();
        await store.suites.saveInstall(install('wwcorp-a', T0, { installedAt: t }));
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-a', T0 + 100, t + 1)).toBe('removed');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toBeUndefined();
        expect(await store.suites.countInstalls(SUITE)).toBe(0);
        expect(await store.suites.listInstalls(SUITE, { limit: 10 })).toEqual([]);
        // A change_auth and a create_auth from before the cancel, delivered late.
        expect(await store.suites.saveInstall(install('wwcorp-a', T0 + 50))).toBe('stale');
        expect(await store.suites.saveInstall(install('wwcorp-a', T0 + 99))).toBe('stale');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toBeUndefined();
        // A second cancel is nothing to remove; an older one is stale.
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-a', T0 + 100, t + 2)).toBe('absent');
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-a', T0 + 90, t + 2)).toBe('stale');
        // The corp installs again: a new installation, with its own installedAt.
        const again = install('wwcorp-a', T0 + 200, { installedAt: t + 200_000, updatedAt: t + 200_000 });
        expect(await store.suites.saveInstall(again)).toBe('stored');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toEqual(again);
        expect(await store.suites.countInstalls(SUITE)).toBe(1);
        // A cancel from before the reinstall does not remove it.
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-a', T0 + 150, t + 3)).toBe('stale');
        expect(await store.suites.install(SUITE, 'wwcorp-a')).toEqual(again);
      });

      it('keeps out an install event that an uninstall overtook, though there was nothing to remove', async () => {
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-b', T0 + 10, fixture.now())).toBe('absent');
        expect(await store.suites.saveInstall(install('wwcorp-b', T0))).toBe('stale');
        expect(await store.suites.install(SUITE, 'wwcorp-b')).toBeUndefined();
        // A later cancel moves the tombstone forward; one older than it is stale.
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-b', T0 + 20, fixture.now())).toBe('absent');
        expect(await store.suites.saveInstall(install('wwcorp-b', T0 + 15))).toBe('stale');
        expect(await store.suites.removeInstall(SUITE, 'wwcorp-b', T0 + 5, fixture.now())).toBe('stale');
        expect(await store.suites.saveInstall(install('wwcorp-b', T0 + 21))).toBe('stored');
      });

      it('treats corp ids as case-sensitive and keeps suites apart', async () => {
        await store.suites.saveInstall(install('wwCorp', T0, { corpName: 'upper' }));
        await store.suites.saveInstall(install('wwcorp', T0, { corpName: 'lower' }));
        await store.suites.saveInstall(
          install('wwcorp', T0, { suiteId: 'ww-suite-2', corpName: 'other suite' }),
        );
        expect((await store.suites.install(SUITE, 'wwCorp'))?.corpName).toBe('upper');
        expect((await store.suites.install(SUITE, 'wwcorp'))?.corpName).toBe('lower');
        expect(await store.suites.install(SUITE, 'WWCORP')).toBeUndefined();
        expect(await store.suites.countInstalls(SUITE)).toBe(2);
        expect(await store.suites.countInstalls('ww-suite-2')).toBe(1);
        expect(await store.suites.removeInstall(SUITE, 'wwcorp', T0 + 1, fixture.now())).toBe('removed');
        expect((await store.suites.install(SUITE, 'wwCorp'))?.corpName).toBe('upper');
        expect((await store.suites.install('ww-suite-2', 'wwcorp'))?.corpName).toBe('other suite');
        // The other suite's corp of the same id is not held back by this suite's tombstone.
        expect(
          await store.suites.saveInstall(install('wwcorp', T0, { suiteId: 'ww-suite-2', corpName: 'again' })),
        ).toBe('stored');
        expect((await store.suites.listInstalls('ww-suite-2', { limit: 10 })).map((r) => r.corpName)).toEqual(
          ['again'],
        );
      });

      it('pages through 2,500 installs in corpid order, and counts them', async () => {
        const corpIds = Array.from({ length: 2_500 }, (_, index) => {
          const id = `ww${((index * 7_919) % 10_007).toString(36)}x${index}`;
          return index % 3 === 0 ? id.toUpperCase() : id;
        });
        for (let start = 0; start < corpIds.length; start += 500) {
          const answers = await Promise.all(
            corpIds.slice(start, start + 500).map((corpId) => store.suites.saveInstall(install(corpId, T0))),
          );
          expect(answers.every((answer) => answer === 'stored')).toBe(true);
        }
        expect(await store.suites.countInstalls(SUITE)).toBe(2_500);
        const listed: string[] = [];
        const pageSizes: number[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await store.suites.listInstalls(
            SUITE,
            after === undefined ? { limit: 1_000 } : { after, limit: 1_000 },
          );
          if (page.length === 0) break;
          pageSizes.push(page.length);
          listed.push(...page.map((record) => record.corpId));
          after = page.at(-1)?.corpId;
        }
        expect(pageSizes).toEqual([1_000, 1_000, 500]);
        expect(listed).toEqual([...corpIds].sort(byCodePoint));
        const sample = corpIds[1_234] ?? '';
        expect(await store.suites.listInstalls(SUITE, { after: listed[0] ?? '', limit: 1 })).toEqual([
          install(listed[1] ?? '', T0, { installedAt: expect.any(Number), updatedAt: expect.any(Number) }),
        ]);
        await store.suites.removeInstall(SUITE, sample, T0 + 1, fixture.now());
        expect(await store.suites.countInstalls(SUITE)).toBe(2_499);
        const around = listed.indexOf(sample);
        const page = await store.suites.listInstalls(SUITE, { after: listed[around - 1] ?? '', limit: 2 });
        expect(page.map((record) => record.corpId)).toEqual([listed[around + 1], listed[around + 2]]);
      });

      it('orders corp ids by code point, and pages from any string', async () => {
        const corpIds = ['wwa', 'wwB', 'ww_', 'ww\uffff', 'ww\u{1f600}', 'ww', 'wwA0', 'ww\u00e9'];
        for (const corpId of corpIds) await store.suites.saveInstall(install(corpId, T0));
        const all = await store.suites.listInstalls(SUITE, { limit: 1_000 });
        expect(all.map((record) => record.corpId)).toEqual([...corpIds].sort(byCodePoint));
        expect(all.map((record) => record.corpId)).toEqual([
          'ww',
          'wwA0',
          'wwB',
          'ww_',
          'wwa',
          'ww\u00e9',
          'ww\uffff',
          'ww\u{1f600}',
        ]);
        const fromGap = await store.suites.listInstalls(SUITE, { after: 'wwA', limit: 3 });
        expect(fromGap.map((record) => record.corpId)).toEqual(['wwA0', 'wwB', 'ww_']);
        expect(
          (await store.suites.listInstalls(SUITE, { after: '', limit: 1 })).map((record) => record.corpId),
        ).toEqual(['ww']);
        expect(await store.suites.listInstalls(SUITE, { after: 'ww\u{1f600}', limit: 10 })).toEqual([]);
      });

      it('refuses install input that cannot be right', async () => {
        await expect(store.suites.saveInstall(install('', T0))).rejects.toThrow(
          new TypeError('suites.saveInstall: corpId must be a non-empty string'),
        );
        await expect(store.suites.saveInstall(install('wwcorp', T0 + 0.5))).rejects.toThrow(
          new TypeError('suites.saveInstall: eventTimestamp must be a non-negative integer (epoch seconds)'),
        );
        await expect(
          store.suites.saveInstall(install('wwcorp', T0, { permanentCodeCiphertext: '' })),
        ).rejects.toThrow(
          new TypeError('suites.saveInstall: permanentCodeCiphertext must be a non-empty string'),
        );
        await expect(store.suites.removeInstall(SUITE, 'wwcorp', -1, fixture.now())).rejects.toThrow(
          new TypeError(
            'suites.removeInstall: eventTimestamp must be a non-negative integer (epoch seconds)',
          ),
        );
        for (const limit of [0, 1_001, 1.5]) {
          await expect(store.suites.listInstalls(SUITE, { limit })).rejects.toThrow(
            new TypeError('suites.listInstalls: limit must be an integer from 1 to 1000'),
          );
        }
        await expect(store.suites.install('', 'wwcorp')).rejects.toThrow(TypeError);
        await expect(store.suites.countInstalls('')).rejects.toThrow(TypeError);
        expect(await store.suites.countInstalls(SUITE)).toBe(0);
      });

      it('lets the newest of concurrent events from two instances win', async () => {
        const peer = await fixture.openPeer();
        const t = fixture.now();
        // Saves at even seconds, cancels at odd ones, all at once and out of order; the newest is a save.
        const offsets = [4, 9, 1, 16, 7, 12, 3, 20, 11, 2, 19, 8, 15, 6, 13, 10, 5, 18, 17, 14];
        await Promise.all(
          offsets.map((offset, index) => {
            const target = index % 2 === 0 ? store : peer;
            return offset % 2 === 0
              ? target.suites.saveInstall(install('wwcorp-c', T0 + offset, { corpName: `at-${offset}` }))
              : target.suites.removeInstall(SUITE, 'wwcorp-c', T0 + offset, t);
          }),
        );
        expect(await peer.suites.install(SUITE, 'wwcorp-c')).toMatchObject({
          corpName: 'at-20',
          eventTimestamp: T0 + 20,
        });
        expect(await store.suites.saveInstall(install('wwcorp-c', T0 + 19))).toBe('stale');
      });

      it('reaches the same state whatever order timestamped events arrive in', async () => {
        let run = 0;
        const corps = ['wwX', 'wwx', 'wwY'] as const;
        const event = fc.record({
          // Even seconds: the probes below use the odd ones in between.
          timestamp: fc.integer({ min: 1, max: 5_000 }).map((n) => T0 + 2 * n),
          corpId: fc.constantFrom(...corps),
          kind: fc.constantFrom('save', 'remove'),
          corpName: fc.string({ maxLength: 8 }),
        });
        const scenario = fc
          .uniqueArray(event, { selector: (e) => e.timestamp, minLength: 1, maxLength: 12 })
          .chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            ),
          );
        const base = fixture.now();
        // installedAt is the installation's: constant per corp here, so that it cannot depend on the order.
        const installedAt = (corpId: string): number =>
          base - corps.indexOf(corpId as (typeof corps)[number]);
        type Event = { timestamp: number; corpId: string; kind: 'save' | 'remove'; corpName: string };
        const apply = (suiteId: string, e: Event) =>
          e.kind === 'save'
            ? store.suites.saveInstall(
                install(e.corpId, e.timestamp, {
                  suiteId,
                  corpName: e.corpName,
                  installedAt: installedAt(e.corpId),
                  updatedAt: base + e.timestamp - T0,
                }),
              )
            : store.suites.removeInstall(suiteId, e.corpId, e.timestamp, base + e.timestamp - T0);

        await fc.assert(
          fc.asyncProperty(scenario, async ([events, shuffled]) => {
            run += 1;
            const inOrder = `in-order-${run}`;
            const anyOrder = `any-order-${run}`;
            for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp)) await apply(inOrder, e);
            for (const e of shuffled) await apply(anyOrder, e);
            for (const corpId of corps) {
              const last = events
                .filter((e) => e.corpId === corpId)
                .sort((a, b) => b.timestamp - a.timestamp)[0];
              const expected =
                last?.kind === 'save'
                  ? install(corpId, last.timestamp, {
                      corpName: last.corpName,
                      installedAt: installedAt(corpId),
                      updatedAt: base + last.timestamp - T0,
                    })
                  : undefined;
              for (const suiteId of [inOrder, anyOrder]) {
                const stored = await store.suites.install(suiteId, corpId);
                expect(stored && { ...stored, suiteId: SUITE }).toEqual(expected);
              }
              // What is remembered of the corp is its newest event, install or tombstone, in both orders.
              if (last) {
                for (const suiteId of [inOrder, anyOrder]) {
                  expect(await apply(suiteId, { ...last, kind: 'save', timestamp: last.timestamp - 1 })).toBe(
                    'stale',
                  );
                }
              }
            }
            const inOrderPage = await store.suites.listInstalls(inOrder, { limit: 10 });
            const anyOrderPage = await store.suites.listInstalls(anyOrder, { limit: 10 });
            expect(anyOrderPage.map((r) => ({ ...r, suiteId: '' }))).toEqual(
              inOrderPage.map((r) => ({ ...r, suiteId: '' })),
            );
            expect(await store.suites.countInstalls(anyOrder)).toBe(
              await store.suites.countInstalls(inOrder),
            );
          }),
          { numRuns: 20 },
        );
      });

      it('subscribeInstalls delivers the changes made through another instance, and nothing for stale events', async () => {
        const peer = await fixture.openPeer();
        const t = fixture.now();
        const first = collectChanges(4);
        const unsubscribe = await store.suites.subscribeInstalls(first.listener);
        await peer.suites.saveInstall(install('wwcorp-d', T0 + 100, { updatedAt: t + 1 }));
        await peer.suites.saveInstall(install('wwcorp-d', T0 + 90, { updatedAt: t + 2 }));
        await peer.suites.saveInstall(install('wwcorp-d', T0 + 110, { updatedAt: t + 3 }));
        await peer.suites.removeInstall(SUITE, 'wwcorp-d', T0 + 105, t + 4);
        await peer.suites.removeInstall(SUITE, 'wwcorp-d', T0 + 120, t + 5);
        await peer.suites.removeInstall(SUITE, 'wwcorp-d', T0 + 130, t + 6);
        await peer.suites.saveInstall(
          install('wwcorp-d', T0 + 140, { suiteId: 'ww-suite-2', updatedAt: t + 7 }),
        );
        // In order within a suite; two suites' changes may interleave on a Redis Cluster, where each suite's are
        // published by the node of its slot.
        const bySuite = (changes: readonly SuiteInstallChange[]): SuiteInstallChange[] =>
          [...changes].sort((a, b) => (a.suiteId < b.suiteId ? -1 : a.suiteId > b.suiteId ? 1 : 0));
        expect(bySuite(await first.done)).toEqual([
          { suiteId: SUITE, corpId: 'wwcorp-d', kind: 'installed', at: t + 1 },
          { suiteId: SUITE, corpId: 'wwcorp-d', kind: 'updated', at: t + 3 },
          { suiteId: SUITE, corpId: 'wwcorp-d', kind: 'uninstalled', at: t + 5 },
          { suiteId: 'ww-suite-2', corpId: 'wwcorp-d', kind: 'installed', at: t + 7 },
        ]);
        await unsubscribe();
        const late = collectChanges(1);
        const unsubscribeLate = await store.suites.subscribeInstalls(late.listener);
        await peer.suites.saveInstall(install('wwcorp-d', T0 + 150, { updatedAt: t + 8 }));
        // Messages arrive in order: when the later listener hears of this, the unsubscribed one would have too.
        expect(await late.done).toEqual([
          { suiteId: SUITE, corpId: 'wwcorp-d', kind: 'installed', at: t + 8 },
        ]);
        await unsubscribeLate();
      });

      it('forgets a tombstone after the horizon: an older event may then apply', async () => {
        const short = await factory({ installTombstoneRetentionMs: 1_000 });
        try {
          const suites = short.store.suites;
          await suites.saveInstall(install('wwcorp-e', T0));
          expect(await suites.removeInstall(SUITE, 'wwcorp-e', T0 + 100, short.now())).toBe('removed');
          expect(await suites.saveInstall(install('wwcorp-e', T0 + 50))).toBe('stale');
          await short.advance(1_200);
          expect(await suites.saveInstall(install('wwcorp-e', T0 + 50))).toBe('stored');
          expect(await suites.install(SUITE, 'wwcorp-e')).toMatchObject({ eventTimestamp: T0 + 50 });
        } finally {
          await short.close();
        }
      });
    });
  });
}
