import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashRefreshToken, newRefreshToken, refreshTokenSessionId } from '../src/sessions/refresh-token.js';
import { newSessionId } from '../src/sessions/session-id.js';
import { sortableTime } from '../src/sessions/sortable-time.js';

const moment = fc.integer({ min: 0, max: 4_102_444_800_000 });
/** A session id as the gateway makes them (session-id.ts), created at some moment. */
const sessionId = moment.map(newSessionId);
const SESSION = newSessionId(1_765_000_000_000);
const bareDigest = (token: string): string => createHash('sha256').update(token).digest('base64url');
/** Byte order, as SQLite compares text. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('newRefreshToken', () => {
  it('is its issue time in 9 base-36 digits, its session’s id, then 32 random bytes in base64url', () => {
    fc.assert(
      fc.property(moment, sessionId, (now, id) => {
        const token = newRefreshToken(now, id);
        expect(token).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{22}[A-Za-z0-9_-]{43}$/);
        expect(token.slice(0, 9)).toBe(sortableTime(now));
        expect(token.slice(9, 31)).toBe(id);
        expect(Buffer.from(token.slice(31), 'base64url')).toHaveLength(32);
      }),
    );
  });

  it('leaves out a session id it cannot carry, and is then the issue time and the secret alone', () => {
    fc.assert(
      fc.property(
        moment,
        fc.string({ maxLength: 40 }).filter((id) => !/^[A-Za-z0-9_-]{22}$/.test(id)),
        (now, id) => {
          const token = newRefreshToken(now, id);
          expect(token).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{43}$/);
          expect(refreshTokenSessionId(token)).toBeUndefined();
        },
      ),
    );
  });

  it('does not repeat within one millisecond', () => {
    const tokens = new Set(
      Array.from({ length: 100_000 }, () => newRefreshToken(1_765_000_000_000, SESSION)),
    );
    expect(tokens.size).toBe(100_000);
  });
});

describe('refreshTokenSessionId', () => {
  it('reads back the session a token was issued to', () => {
    fc.assert(
      fc.property(moment, sessionId, (now, id) => {
        expect(refreshTokenSessionId(newRefreshToken(now, id))).toBe(id);
      }),
    );
  });

  it('names no session for a token of an earlier release, or for anything else a client sends', () => {
    expect(refreshTokenSessionId('m3XbEWPWDtLLeD3DnDXGJ0T7-kx1-ZXL_tZJ8u9a_hA')).toBeUndefined();
    expect(
      refreshTokenSessionId(`${sortableTime(1_765_000_000_000)}m3XbEWPWDtLLeD3DnDXGJ0T7-kx1-ZXL_tZJ8u9a_hA`),
    ).toBe(undefined);
    fc.assert(
      fc.property(fc.string({ maxLength: 512 }), (anything) => {
        const named = refreshTokenSessionId(anything);
        if (named !== undefined) {
          expect(anything).toHaveLength(74);
          expect(named).toMatch(/^[A-Za-z0-9_-]{22}$/);
          expect(anything.slice(9, 31)).toBe(named);
        }
      }),
    );
  });
});

describe('hashRefreshToken', () => {
  it('is the token’s issue time, then the SHA-256 of the whole token: never the secret, nor the session id', () => {
    fc.assert(
      fc.property(moment, sessionId, (now, id) => {
        const token = newRefreshToken(now, id);
        const hash = hashRefreshToken(token);
        expect(hash).toBe(token.slice(0, 9) + bareDigest(token));
        expect(hash).toHaveLength(52);
        expect(hash).not.toContain(token.slice(31));
        expect(hashRefreshToken(token)).toBe(hash);
      }),
    );
  });

  it('gives a token whose session id was changed a digest of its own: it names its session, it cannot move', () => {
    fc.assert(
      fc.property(moment, sessionId, sessionId, (now, id, other) => {
        fc.pre(id !== other);
        const token = newRefreshToken(now, id);
        const moved = token.slice(0, 9) + other + token.slice(31);
        expect(refreshTokenSessionId(moved)).toBe(other);
        expect(hashRefreshToken(moved)).not.toBe(hashRefreshToken(token));
      }),
    );
  });

  it('keeps the digest of a token of the release before (issue time and secret, no session id)', () => {
    const before = `${sortableTime(1_765_000_000_000)}m3XbEWPWDtLLeD3DnDXGJ0T7-kx1-ZXL_tZJ8u9a_hA`;
    expect(hashRefreshToken(before)).toBe(before.slice(0, 9) + bareDigest(before));
  });

  it('sorts the digests of later tokens after those of earlier ones (byte order, as SQLite compares text)', () => {
    fc.assert(
      fc.property(moment, fc.integer({ min: 1, max: 10 ** 10 }), (earlier, gap) => {
        const a = hashRefreshToken(newRefreshToken(earlier, SESSION));
        const b = hashRefreshToken(newRefreshToken(earlier + gap, SESSION));
        expect(byteOrder(a, b)).toBe(-1);
      }),
    );
  });

  it('gives a token that borrows another’s issue time a digest of its own', () => {
    fc.assert(
      fc.property(moment, moment, (issued, borrowed) => {
        fc.pre(sortableTime(issued) !== sortableTime(borrowed));
        const token = newRefreshToken(issued, SESSION);
        const forged = sortableTime(borrowed) + token.slice(9);
        expect(hashRefreshToken(forged).slice(9)).not.toBe(hashRefreshToken(token).slice(9));
      }),
    );
  });

  it('keeps the bare digest of a token of an earlier release (43 base64url characters), which stores already hold', () => {
    const earlier = 'm3XbEWPWDtLLeD3DnDXGJ0T7-kx1-ZXL_tZJ8u9a_hA';
    expect(hashRefreshToken(earlier)).toBe('gNVV0mSKj4St9qBl7dZyRriUNIiha4KoPV0BXHCJnaA');
    expect(hashRefreshToken(earlier)).toBe(bareDigest(earlier));
  });

  it('digests any string a client sends, and two strings never to one digest', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 512 }), fc.string({ maxLength: 512 }), (a, b) => {
        fc.pre(a !== b);
        expect(hashRefreshToken(a)).not.toBe(hashRefreshToken(b));
        expect(hashRefreshToken(a)).toMatch(/^([0-9a-z]{9})?[A-Za-z0-9_-]{43}$/);
      }),
    );
  });
});
