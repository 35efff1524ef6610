/**
 * The revocation mirror across a Redis outage, without Redis: a store double lets the test interleave an outage
 * with a resynchronisation exactly where a real reconnect could put it.
 */
import type { RevocationEntry, SessionStore } from '@wecom-auth/store';
import { describe, expect, it } from 'vitest';
import { RevocationMirror } from '../src/sessions/revocation-mirror.js';

interface Controlled {
  readonly sessions: SessionStore;
  /** Completes the oldest pending listRevocations with `entries`, once the mirror has asked. */
  answer(entries: RevocationEntry[]): Promise<void>;
  /** Simulates the adapter's reconnect notification. */
  reconnect(): void;
}

function controlledStore(): Controlled {
  const pending: ((entries: RevocationEntry[]) => void)[] = [];
  let onResync: (() => void) | undefined;
  const sessions = {
    listRevocations: () => new Promise<RevocationEntry[]>((resolve) => pending.push(resolve)),
    subscribeRevocations: async (_listener: (entry: RevocationEntry) => void, resync?: () => void) => {
      onResync = resync;
      return async () => {};
    },
  } as unknown as SessionStore;
  return {
    sessions,
    async answer(entries) {
      for (let turn = 0; turn < 100 && pending.length === 0; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const next = pending.shift();
      if (!next) throw new Error('no listRevocations pending');
      next(entries);
    },
    reconnect: () => onResync?.(),
  };
}

const entry = (sessionId: string, now: number): RevocationEntry => ({
  sessionId,
  revokedAt: now,
  expiresAt: now + 60_000,
});

describe('revocation mirror across an outage', () => {
  it('is ready only after a resync that began after the last outage', async () => {
    const now = 1_000_000;
    const store = controlledStore();
    const mirror = new RevocationMirror({
      sessions: store.sessions,
      now: () => now,
      horizonMs: 900_000,
      onError: () => {},
    });
    const started = mirror.start();
    await store.answer([]);
    await started;
    expect(mirror.ready).toBe(true);

    // A resync begins, then the store goes away before it answers: its answer cannot vouch for the outage.
    const early = mirror.resync();
    mirror.markStale();
    expect(mirror.ready).toBe(false);
    await store.answer([]);
    await early;
    expect(mirror.ready).toBe(false);

    // After the reconnect the mirror re-reads, and what was revoked meanwhile is in it before it is ready.
    store.reconnect();
    expect(mirror.ready).toBe(false);
    await store.answer([entry('sid-revoked-meanwhile', now)]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(mirror.ready).toBe(true);
    expect(mirror.isRevoked('sid-revoked-meanwhile')).toBe(true);
    expect(mirror.isRevoked('sid-other')).toBe(false);
  });

  it('start() can be retried after a failure without subscribing twice', async () => {
    let subscriptions = 0;
    let fail = true;
    const sessions = {
      listRevocations: async () => {
        if (fail) throw new Error('Redis is not connected');
        return [];
      },
      subscribeRevocations: async () => {
        subscriptions += 1;
        return async () => {};
      },
    } as unknown as SessionStore;
    const mirror = new RevocationMirror({ sessions, now: () => 0, horizonMs: 1_000, onError: () => {} });
    await expect(mirror.start()).rejects.toThrow('Redis is not connected');
    expect(mirror.ready).toBe(false);
    fail = false;
    await mirror.start();
    expect(mirror.ready).toBe(true);
    expect(subscriptions).toBe(1);
    await mirror.stop();
    expect(mirror.ready).toBe(false);
  });
});
