import { describe, expect, it } from 'vitest';
import { randomBuffer, randomToken } from '../src/sessions/random-pool.js';

describe('random pool', () => {
  it('draws base64url tokens of the asked size, never the same bytes twice, across refills of the pool', () => {
    // 16-byte draws through several 4 KiB refills: a rewound or stale pool would repeat a token.
    const tokens = Array.from({ length: 2_000 }, () => randomToken(16));
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(randomToken(32), 'base64url')).toHaveLength(32);
  });

  it('gives each buffer bytes of its own, which later draws and refills do not change', () => {
    const nonce = randomBuffer(12);
    const before = Buffer.from(nonce);
    for (let i = 0; i < 1_000; i += 1) randomBuffer(12);
    expect(nonce).toHaveLength(12);
    expect(nonce.equals(before)).toBe(true);
  });

  it('refuses a draw of no bytes, of a fraction or of more than the pool holds', () => {
    for (const size of [0, 1.5, 4097]) {
      expect(() => randomToken(size)).toThrow(new TypeError('random draws are 1 to 4096 bytes'));
    }
  });
});
