import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashRefreshToken, newRefreshToken } from '../src/sessions/refresh-token.js';
import { sortableTime } from '../src/sessions/sortable-time.js';

const moment = fc.integer({ min: 0, max: 4_102_444_800_000 });
const bareDigest = (token: string): string => createHash('sha256').update(token).digest('base64url');
/** Byte order, as SQLite compares text. */
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('newRefreshToken', () => {
  it('is its issue time in 9 base-36 digits, then 32 random bytes in base64url', () => {
    fc.assert(
      fc.property(moment, (now) => {
        const token = newRefreshToken(now);
        expect(token).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{43}$/);
        expect(token.slice(0, 9)).toBe(sortableTime(now));
        expect(Buffer.from(token.slice(9), 'base64url')).toHaveLength(32);
      }),
    );
  });

  it('does not repeat within one millisecond', () => {
    const tokens = new Set(Array.from({ length: 100_000 }, () => newRefreshToken(1_765_000_000_000)));
    expect(tokens.size).toBe(100_000);
  });
});

describe('hashRefreshToken', () => {
  it('is the token’s issue time, then the SHA-256 of the whole token: never the secret itself', () => {
    fc.assert(
      fc.property(moment, (now) => {
        const token = newRefreshToken(now);
        const hash = hashRefreshToken(token);
        expect(hash).toBe(token.slice(0, 9) + bareDigest(token));
        expect(hash).not.toContain(token.slice(9));
        expect(hashRefreshToken(token)).toBe(hash);
      }),
    );
  });

  it('sorts the digests of later tokens after those of earlier ones (byte order, as SQLite compares text)', () => {
    fc.assert(
      fc.property(moment, fc.integer({ min: 1, max: 10 ** 10 }), (earlier, gap) => {
        const a = hashRefreshToken(newRefreshToken(earlier));
        const b = hashRefreshToken(newRefreshToken(earlier + gap));
        expect(byteOrder(a, b)).toBe(-1);
      }),
    );
  });

  it('gives a token that borrows another’s issue time a digest of its own', () => {
    fc.assert(
      fc.property(moment, moment, (issued, borrowed) => {
        fc.pre(sortableTime(issued) !== sortableTime(borrowed));
        const token = newRefreshToken(issued);
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
