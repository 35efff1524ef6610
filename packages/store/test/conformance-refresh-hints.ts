/**
 * The contract of a refresh's hint ({@link RefreshHashHint}): a refresh token names the session it was issued to, and
 * a store may use that to find the session more cheaply, but only the presented hash decides what it answers. A hint
 * that names the right session, another one, none or garbage gives the answer no hint gives. Part of
 * {@link describeStoreConformance}: it runs against every adapter, including those that ignore the hint.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RefreshHashHint, RotateResult, SessionRecord, Store } from '../src/index.js';
import type { StoreFixture } from './conformance.js';
import { sessionRecord } from './session-record.js';

const HOUR = 3_600_000;
const SESSIONS = 3;

/** Which hash of a session a step presents. */
type Presented = 'current' | 'replaced' | 'first' | 'unknown';
/** What a hinted step names: the session the hash is of, another session, one that does not exist, or garbage. */
type HintKind = 'none' | 'own' | 'other' | 'counterpart' | 'missing' | 'garbage';

type Step =
  | {
      readonly kind: 'rotate';
      readonly session: number;
      readonly presented: Presented;
      readonly hint: HintKind;
      readonly other: number;
      readonly keepRepeat: boolean;
    }
  | {
      readonly kind: 'find';
      readonly session: number;
      readonly presented: Presented;
      readonly hint: HintKind;
      readonly other: number;
    }
  | { readonly kind: 'revoke'; readonly session: number };

const GARBAGE = ['', ' ', "'; DROP TABLE sessions; --", 'x'.repeat(300), '\u0000', 'sid-*', '{}'];

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('rotate' as const),
      session: fc.nat(SESSIONS - 1),
      presented: fc.constantFrom<Presented>('current', 'current', 'replaced', 'first', 'unknown'),
      hint: fc.constantFrom<HintKind>('none', 'own', 'own', 'other', 'counterpart', 'missing', 'garbage'),
      other: fc.nat(SESSIONS - 1),
      keepRepeat: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('find' as const),
      session: fc.nat(SESSIONS - 1),
      presented: fc.constantFrom<Presented>('current', 'replaced', 'first', 'unknown'),
      hint: fc.constantFrom<HintKind>('none', 'own', 'other', 'counterpart', 'missing', 'garbage'),
      other: fc.nat(SESSIONS - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('revoke' as const), session: fc.nat(SESSIONS - 1) }),
  },
);

/**
 * One set of sessions and the hashes each was given. Two worlds run the same steps side by side in one store, one
 * with hints and one without, and must answer alike; what differs between them (ids, hashes, answers) is named by
 * its place in the world, so that answers compare.
 */
class World {
  readonly ids: string[];
  /** Every hash each session was given, oldest first. */
  readonly hashes: string[][];
  #unknown = 0;

  constructor(readonly name: string) {
    const run = randomUUID();
    this.ids = Array.from({ length: SESSIONS }, (_, index) => `sid-${name}-${index}-${run}`);
    this.hashes = this.ids.map((id) => [`rh-${id}-0`]);
  }

  presented(session: number, which: Presented): string {
    const hashes = this.hashes[session] as string[];
    switch (which) {
      case 'current':
        return hashes[hashes.length - 1] as string;
      case 'replaced':
        return hashes[Math.max(0, hashes.length - 2)] as string;
      case 'first':
        return hashes[0] as string;
      case 'unknown':
        this.#unknown += 1;
        return `rh-${this.name}-unknown-${this.#unknown}`;
    }
  }

  nextHash(session: number): string {
    const hashes = this.hashes[session] as string[];
    return `rh-${this.ids[session]}-${hashes.length}`;
  }

  /** A session as the other world can compare it: which session, which of its hashes, its state. */
  normal(session: SessionRecord | undefined): unknown {
    if (!session) return undefined;
    const index = this.ids.indexOf(session.id);
    return {
      session: index,
      hash: this.hashes[index]?.indexOf(session.refreshTokenHash),
      refreshedAt: session.refreshedAt,
      expiresAt: session.expiresAt,
      revoked: session.revokedAt !== undefined,
      revokeReason: session.revokeReason,
    };
  }

  normalResult(result: RotateResult): unknown {
    if (result.outcome === 'unknown') return result;
    return {
      outcome: result.outcome,
      session: this.normal(result.session),
      ...(result.outcome === 'repeated' ? { answer: result.answer.replace(this.name, 'world') } : {}),
    };
  }
}

/** Declares the tests; `current` gives the fixture of the running test (opened by the caller's `beforeEach`). */
export function describeRefreshHintConformance(current: () => StoreFixture): void {
  const store = (): Store => current().store;
  const now = (): number => current().now();
  const next = (refreshTokenHash: string) => ({
    refreshTokenHash,
    refreshedAt: now(),
    expiresAt: now() + 2 * HOUR,
  });
  const created = async (): Promise<SessionRecord> => {
    const record = sessionRecord(now(), { expiresAt: now() + HOUR });
    await store().sessions.create(record);
    return record;
  };

  describe('sessions: the hint of a presented refresh token', () => {
    it('finds and rotates the session with a hint that names it, as without one', async () => {
      const session = await created();
      const hint: RefreshHashHint = { sessionId: session.id };
      expect(await store().sessions.findByRefreshHash(session.refreshTokenHash, hint)).toEqual(session);
      const rotated = await store().sessions.rotate(
        session.refreshTokenHash,
        next(`rh-${randomUUID()}`),
        hint,
      );
      expect(rotated.outcome).toBe('rotated');
      expect(rotated.outcome === 'rotated' && rotated.session.id).toBe(session.id);
    });

    it('rotates the session whose hash was presented, never the one a wrong hint names', async () => {
      const [mine, theirs] = [await created(), await created()];
      const hint = { sessionId: theirs.id };
      expect((await store().sessions.findByRefreshHash(mine.refreshTokenHash, hint))?.id).toBe(mine.id);
      const nextHash = `rh-${randomUUID()}`;
      const rotated = await store().sessions.rotate(mine.refreshTokenHash, next(nextHash), hint);
      expect(rotated.outcome === 'rotated' && rotated.session.id).toBe(mine.id);
      expect((await store().sessions.get(mine.id))?.refreshTokenHash).toBe(nextHash);
      expect(await store().sessions.get(theirs.id)).toEqual(theirs);
    });

    it('answers an unknown hash unknown, whichever live session the hint names, and changes nothing', async () => {
      const session = await created();
      const hint = { sessionId: session.id };
      expect(await store().sessions.findByRefreshHash(`rh-${randomUUID()}`, hint)).toBeUndefined();
      expect(await store().sessions.rotate(`rh-${randomUUID()}`, next(`rh-${randomUUID()}`), hint)).toEqual({
        outcome: 'unknown',
      });
      expect(await store().sessions.get(session.id)).toEqual(session);
      expect(await store().sessions.listRevocations(0)).toEqual([]);
    });

    it('takes a replaced hash for a reuse with its own session’s hint, as without one', async () => {
      const session = await created();
      const hint = { sessionId: session.id };
      await store().sessions.rotate(session.refreshTokenHash, next(`rh-${randomUUID()}`), hint);
      const reused = await store().sessions.rotate(
        session.refreshTokenHash,
        next(`rh-${randomUUID()}`),
        hint,
      );
      expect(reused.outcome).toBe('reused');
      expect((await store().sessions.get(session.id))?.revokeReason).toBe('refresh_token_reuse');
    });

    it('answers every sequence of refreshes, finds and revocations alike with any hints and with none', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
          const hinted = new World('hinted');
          const plain = new World('plain');
          // One time for both worlds, whose records must compare (a store on Redis runs on the real clock).
          const at = now();
          for (const world of [hinted, plain]) {
            for (const [index, id] of world.ids.entries()) {
              const hashes = world.hashes[index] as string[];
              await store().sessions.create(sessionRecord(at, { id, refreshTokenHash: hashes[0] as string }));
            }
          }
          const hintFor = (s: Exclude<Step, { kind: 'revoke' }>): RefreshHashHint | undefined => {
            switch (s.hint) {
              case 'none':
                return undefined;
              case 'own':
                return { sessionId: hinted.ids[s.session] as string };
              case 'other':
                return { sessionId: hinted.ids[s.other] as string };
              case 'counterpart':
                return { sessionId: plain.ids[s.session] as string };
              case 'missing':
                return { sessionId: `sid-${randomUUID()}` };
              case 'garbage':
                return { sessionId: GARBAGE[s.other % GARBAGE.length] as string };
            }
          };
          for (const s of steps) {
            if (s.kind === 'revoke') {
              const answers = await Promise.all(
                [hinted, plain].map((world) =>
                  store().sessions.revoke(world.ids[s.session] as string, 'admin', now()),
                ),
              );
              expect(answers[0]).toBe(answers[1]);
              continue;
            }
            const hint = hintFor(s);
            if (s.kind === 'find') {
              const found = await store().sessions.findByRefreshHash(
                hinted.presented(s.session, s.presented),
                hint,
              );
              const plainFound = await store().sessions.findByRefreshHash(
                plain.presented(s.session, s.presented),
              );
              expect(hinted.normal(found)).toEqual(plain.normal(plainFound));
              continue;
            }
            const timing = { refreshedAt: now(), expiresAt: now() + 2 * HOUR };
            const rotation = (world: World) => ({
              refreshTokenHash: world.nextHash(s.session),
              ...timing,
              ...(s.keepRepeat
                ? { repeat: { answer: `answer of ${world.name}`, until: timing.expiresAt } }
                : {}),
            });
            const hintedNext = rotation(hinted);
            const plainNext = rotation(plain);
            const results = [
              await store().sessions.rotate(hinted.presented(s.session, s.presented), hintedNext, hint),
              await store().sessions.rotate(plain.presented(s.session, s.presented), plainNext),
            ] as const;
            for (const [world, result, given] of [
              [hinted, results[0], hintedNext],
              [plain, results[1], plainNext],
            ] as const) {
              if (result.outcome === 'rotated') world.hashes[s.session]?.push(given.refreshTokenHash);
            }
            expect(hinted.normalResult(results[0])).toEqual(plain.normalResult(results[1]));
          }
          for (let index = 0; index < SESSIONS; index += 1) {
            const [a, b] = await Promise.all(
              [hinted, plain].map((world) => store().sessions.get(world.ids[index] as string)),
            );
            expect(hinted.normal(a)).toEqual(plain.normal(b));
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}
