import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newSessionId } from '../src/sessions/session-id.js';

describe('newSessionId', () => {
  it('is 22 URL-safe characters, the same shape as a random 16-byte id', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (now) => {
        expect(newSessionId(now)).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{13}$/);
      }),
    );
  });

  it('sorts by creation time (byte order, as SQLite compares text)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 1, max: 10 ** 10 }),
        (earlier, gap) => {
          const [a, b] = [newSessionId(earlier), newSessionId(earlier + gap)];
          expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(-1);
        },
      ),
    );
  });

  it('does not repeat within one millisecond', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newSessionId(1_765_000_000_000)));
    expect(ids.size).toBe(100_000);
  });
});
