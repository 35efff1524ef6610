import { type CryptoKey, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessTokenPayload, JwtSigner } from '../src/sessions/jwt-signer.js';

async function keyPair(): Promise<{ privateJwk: JWK; publicKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicKey };
}

const payload = (sub: string, iat = Math.floor(Date.now() / 1000)): AccessTokenPayload => ({
  iss: 'wecom-auth',
  aud: 'my-app',
  sub,
  corp: 'wwcorp',
  sid: `session-of-${sub}`,
  jti: `jti-of-${sub}`,
  iat,
  exp: iat + 900,
});

describe('JwtSigner', () => {
  const signers: JwtSigner[] = [];
  const signer = (): JwtSigner => {
    const created = new JwtSigner();
    signers.push(created);
    return created;
  };
  afterEach(async () => {
    for (const created of signers.splice(0)) await created.close();
  });

  it('signs ES256 JWTs with the claims asked for and the kid of the key', async () => {
    const { privateJwk, publicKey } = await keyPair();
    const jwt = signer();
    jwt.setKey('kid-1', privateJwk);
    const token = await jwt.sign(payload('zhangsan'));
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'kid-1', typ: 'JWT' });
    const { payload: claims } = await jwtVerify(token, publicKey, {
      issuer: 'wecom-auth',
      audience: 'my-app',
    });
    expect(claims).toMatchObject({
      sub: 'zhangsan',
      corp: 'wwcorp',
      sid: 'session-of-zhangsan',
      jti: 'jti-of-zhangsan',
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
  });

  it('gives each of many concurrent requests its own token', async () => {
    const { privateJwk, publicKey } = await keyPair();
    const jwt = signer();
    jwt.setKey('kid-1', privateJwk);
    const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const tokens = await Promise.all(users.map((user) => jwt.sign(payload(user))));
    const subjects = await Promise.all(
      tokens.map(async (token) => (await jwtVerify(token, publicKey)).payload.sub),
    );
    expect(subjects).toEqual(users);
  });

  it('signs with the new key after setKey, and with the old one what was asked for before', async () => {
    const first = await keyPair();
    const second = await keyPair();
    const jwt = signer();
    jwt.setKey('kid-1', first.privateJwk);
    const before = jwt.sign(payload('before'));
    jwt.setKey('kid-2', second.privateJwk);
    const after = jwt.sign(payload('after'));
    expect(decodeProtectedHeader(await before).kid).toBe('kid-1');
    expect(decodeProtectedHeader(await after).kid).toBe('kid-2');
    await expect(jwtVerify(await before, first.publicKey)).resolves.toBeDefined();
    await expect(jwtVerify(await after, second.publicKey)).resolves.toBeDefined();
  });

  it('refuses to sign with a key that cannot sign, without putting the key in the error', async () => {
    const { privateJwk } = await keyPair();
    const jwt = signer();
    jwt.setKey('kid-broken', { ...privateJwk, d: 'AAAA' });
    const failure = await jwt.sign(payload('zhangsan')).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const { message } = failure as Error;
    expect(message).toMatch(/^JwtSigner: /);
    expect(message).not.toContain(privateJwk.d);
    // A bad key is not the end of the signer: the next good key signs.
    jwt.setKey('kid-good', privateJwk);
    expect(decodeProtectedHeader(await jwt.sign(payload('zhangsan'))).kid).toBe('kid-good');
  });

  it('refuses a key of another curve or kind', async () => {
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    const jwt = signer();
    jwt.setKey('kid-p384', await exportJWK(privateKey));
    await expect(jwt.sign(payload('zhangsan'))).rejects.toThrow(/^JwtSigner: the signing key cannot sign/);
  });

  it('writes canonical base64url: no padding, and a 64-byte r ‖ s signature', async () => {
    const { privateJwk } = await keyPair();
    const jwt = signer();
    jwt.setKey('kid-1', privateJwk);
    const token = await jwt.sign(payload('zhangsan'));
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(parts[2] as string, 'base64url')).toHaveLength(64);
  });

  it('refuses before a key is set and after close', async () => {
    const jwt = signer();
    await expect(jwt.sign(payload('zhangsan'))).rejects.toThrow('no signing key set');
    jwt.setKey('kid-1', (await keyPair()).privateJwk);
    await jwt.close();
    await expect(jwt.sign(payload('zhangsan'))).rejects.toThrow('closed');
  });
});
