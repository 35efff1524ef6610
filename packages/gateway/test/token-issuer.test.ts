/**
 * The access tokens on their own: signed and verified against keys in a memory store, on a clock the test moves.
 * Expiry, tampering, foreign keys and key rotation across two instances sharing the store.
 */
import { createMemoryStore, type Store } from '@wecom-auth/store';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../src/gateway-error.js';
import { createDataSealer, deriveDataKey } from '../src/sessions/data-sealer.js';
import { TokenIssuer } from '../src/sessions/token-issuer.js';

const ttlSeconds = 900;
const subject = { userId: 'zhangsan', corpId: 'wwcorp', sessionId: 'session-1' };

let nowMs = Date.UTC(2026, 0, 5, 9, 0, 0);
const opened: TokenIssuer[] = [];

async function issuerOn(store: Store, options: { issuer?: string } = {}): Promise<TokenIssuer> {
  const issuer = await TokenIssuer.create({
    keys: store.signingKeys,
    sealer: createDataSealer(deriveDataKey({ configuredKey: undefined, secret: 'the corp secret' })),
    issuer: options.issuer ?? 'https://auth.example.com',
    audience: 'wecom-auth',
    ttlSeconds,
    now: () => nowMs,
  });
  opened.push(issuer);
  return issuer;
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; statusCode: number }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const { code, statusCode } = error as GatewayError;
  return { code, statusCode };
}

const kidOf = (token: string): string | undefined => decodeProtectedHeader(token).kid;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((issuer) => issuer.close()));
  nowMs = Date.UTC(2026, 0, 5, 9, 0, 0);
});

describe('sign and verify', () => {
  it('verifies what it signed, with the subject and an expiry one lifetime ahead', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const { token, expiresIn } = await issuer.sign(subject);
    expect(expiresIn).toBe(ttlSeconds);
    expect(await issuer.verify(token)).toEqual({
      ...subject,
      issuedAt: Math.floor(nowMs / 1000),
      exp: Math.floor(nowMs / 1000) + ttlSeconds,
    });
    // The second check is answered from the verified-token cache, with the same claims.
    expect(issuer.verifyCached(token)).toEqual(await issuer.verify(token));
  });

  it('publishes the signing key, by the kid the tokens carry, without its private part', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const { token } = await issuer.sign(subject);
    const { keys } = issuer.jwks();
    expect(keys.map((key) => key.kid)).toEqual([kidOf(token)]);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers token_expired once the lifetime has passed, cached or not', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const seen = (await issuer.sign(subject)).token;
    const unseen = (await issuer.sign({ ...subject, sessionId: 'session-2' })).token;
    await issuer.verify(seen);
    nowMs += (ttlSeconds + 1) * 1000;
    expect(() => issuer.verifyCached(seen)).toThrow(GatewayError);
    expect(await rejection(issuer.verify(seen))).toEqual({ code: 'token_expired', statusCode: 401 });
    expect(await rejection(issuer.verify(unseen))).toEqual({ code: 'token_expired', statusCode: 401 });
  });

  it('refuses a token with a byte changed anywhere', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const { token } = await issuer.sign(subject);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flip = (part: string): string =>
      `${part.slice(0, 10)}${part[10] === 'A' ? 'B' : 'A'}${part.slice(11)}`;
    for (const tampered of [
      `${header}.${flip(payload)}.${signature}`,
      `${header}.${payload}.${flip(signature)}`,
      `${header}.${payload}.`,
    ]) {
      expect(await rejection(issuer.verify(tampered))).toEqual({ code: 'token_invalid', statusCode: 401 });
    }
  });

  it('refuses what is not a JWT at all', async () => {
    const issuer = await issuerOn(createMemoryStore());
    expect(await rejection(issuer.verify('not-a-jwt'))).toEqual({ code: 'token_invalid', statusCode: 401 });
  });

  it('refuses a token signed by another gateway, or for another issuer', async () => {
    const ours = await issuerOn(createMemoryStore());
    const theirs = await issuerOn(createMemoryStore());
    const foreign = (await theirs.sign(subject)).token;
    expect(await rejection(ours.verify(foreign))).toEqual({ code: 'token_invalid', statusCode: 401 });

    const shared = createMemoryStore();
    const issuedElsewhere = (
      await (await issuerOn(shared, { issuer: 'https://other.example.com' })).sign(subject)
    ).token;
    expect(await rejection((await issuerOn(shared)).verify(issuedElsewhere))).toEqual({
      code: 'token_invalid',
      statusCode: 401,
    });
  });
});

describe('key rotation', () => {
  it('signs with the new key and keeps verifying tokens of the retired one', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const before = (await issuer.sign(subject)).token;
    const newKid = await issuer.rotate();
    const after = (await issuer.sign(subject)).token;
    expect(newKid).not.toBe(kidOf(before));
    expect(kidOf(after)).toBe(newKid);
    expect((await issuer.verify(before)).userId).toBe('zhangsan');
    expect((await issuer.verify(after)).userId).toBe('zhangsan');
    expect(
      issuer
        .jwks()
        .keys.map((key) => key.kid)
        .sort(),
    ).toEqual([kidOf(before), newKid].sort());
  });

  it('lets another instance on the same store verify tokens of a key it has not loaded yet', async () => {
    const store = createMemoryStore();
    const first = await issuerOn(store);
    const second = await issuerOn(store);
    await first.rotate();
    const token = (await first.sign(subject)).token;
    // Unknown kids reload the keys at most once a second, so forged kids cannot hammer the store.
    nowMs += 1_001;
    expect((await second.verify(token)).sessionId).toBe('session-1');
  });

  it('drops a retired key once every token it signed has expired', async () => {
    const issuer = await issuerOn(createMemoryStore());
    const oldest = (await issuer.sign(subject)).token;
    const middle = await issuer.rotate();
    nowMs += (ttlSeconds + 1) * 1000;
    const newest = await issuer.rotate();
    expect(
      issuer
        .jwks()
        .keys.map((key) => key.kid)
        .sort(),
    ).toEqual([middle, newest].sort());
    expect(await rejection(issuer.verify(oldest))).toMatchObject({ statusCode: 401 });
  });
});
