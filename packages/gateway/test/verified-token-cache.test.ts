import { describe, expect, it } from 'vitest';
import type { AccessTokenClaims } from '../src/sessions/token-issuer.js';
import { VerifiedTokenCache } from '../src/sessions/verified-token-cache.js';

const claimsOf = (userId: string): AccessTokenClaims => ({
  userId,
  corpId: 'wwcorp',
  sessionId: 's',
  issuedAt: 0,
  exp: 0,
});
/** Tokens with a shared head and a distinct 43-character signature-like tail. */
const token = (tail: string): string =>
  `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ6aGFuZ3NhbiJ9.${tail.padStart(43, 'A')}`;

describe('VerifiedTokenCache', () => {
  it('finds a remembered token, also when the lookup string is a fresh copy', () => {
    const cache = new VerifiedTokenCache(10);
    const claims = claimsOf('zhangsan');
    cache.set(token('one'), claims);
    // As a request delivers it: a new string, sliced out of the header.
    const fromHeader = `Bearer ${token('one')}`.slice('Bearer '.length);
    expect(cache.get(fromHeader)).toBe(claims);
  });

  it('misses a different token that shares the tail (a forgery), and keeps the real one', () => {
    const cache = new VerifiedTokenCache(10);
    const real = token('sharedtail');
    const forged = real.replace('eyJzdWIiOiJ6aGFuZ3NhbiJ9', 'eyJzdWIiOiJsaXNpIn0');
    expect(forged).not.toBe(real);
    expect(forged.slice(-32)).toBe(real.slice(-32));
    cache.set(real, claimsOf('zhangsan'));
    expect(cache.get(forged)).toBeUndefined();
    cache.delete(forged);
    expect(cache.get(real)?.userId).toBe('zhangsan');
  });

  it('misses a token shorter or longer than the remembered one', () => {
    const cache = new VerifiedTokenCache(10);
    cache.set(token('one'), claimsOf('zhangsan'));
    expect(cache.get(token('one').slice(1))).toBeUndefined();
    expect(cache.get(`x${token('one')}`)).toBeUndefined();
    expect(cache.get('')).toBeUndefined();
  });

  it('drops the oldest entry beyond its capacity', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set(token('a'), claimsOf('a'));
    cache.set(token('b'), claimsOf('b'));
    cache.set(token('c'), claimsOf('c'));
    expect(cache.size).toBe(2);
    expect(cache.get(token('a'))).toBeUndefined();
    expect(cache.get(token('b'))?.userId).toBe('b');
    expect(cache.get(token('c'))?.userId).toBe('c');
  });

  it('drops the token used least recently, not a token still in use', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set(token('a'), claimsOf('a'));
    cache.set(token('b'), claimsOf('b'));
    expect(cache.get(token('a'))?.userId).toBe('a');
    cache.set(token('c'), claimsOf('c'));
    expect(cache.get(token('b'))).toBeUndefined();
    expect(cache.get(token('a'))?.userId).toBe('a');
    expect(cache.get(token('c'))?.userId).toBe('c');
  });

  it('forgets a token on delete', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set(token('a'), claimsOf('a'));
    cache.delete(token('a'));
    expect(cache.get(token('a'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
