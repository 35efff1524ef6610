/**
 * Signs access tokens: ES256 JWTs in JWS compact serialization (RFC 7515 §7.1), signed with node:crypto.
 *
 * Why not jose here, which verifies them: jose signs through WebCrypto, and on Node a WebCrypto ECDSA signature
 * costs the calling thread far more than the curve arithmetic (argument normalisation, key checks, a job handed to
 * the thread pool and its promise). Under login load that was about a quarter of a login's time on the event loop;
 * handed to a worker thread instead, posting the claims and taking the token back still cost the loop more than a
 * signature does with node:crypto's one-shot `sign` (25–45 µs on the machines measured). That same `sign`, given a
 * callback, runs the arithmetic on libuv's thread pool and costs the event loop about 8 µs (the job handed over and
 * its callback), so the loop, which a login under load keeps busy, serves other requests meanwhile
 * (docs/benchmarks.md, "Bounded maps, and the signature on the thread pool"). What is written by hand is only the
 * serialization: a fixed header, the claims' JSON, base64url, and the signature in the IEEE P1363 form (r ‖ s) that
 * JWS uses for ECDSA. Every token is checked by jose in the tests, and verified by jose in the gateway.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { JWK } from 'jose';

/** The claims of one access token, as they go into the JWT. */
export interface AccessTokenPayload {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly corp: string;
  readonly sid: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** The current key: its encoded protected header, and the key, or why it cannot sign. */
type SigningKey =
  | { readonly header: string; readonly key: KeyObject }
  | { readonly header: string; readonly unusable: string };

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

export class JwtSigner {
  #key: SigningKey | undefined;
  #closed = false;

  /** Signs with this key from now on. */
  setKey(kid: string, privateJwk: JWK): void {
    const header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
    try {
      if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256') throw new TypeError('not a P-256 key');
      const key = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
      // OpenSSL takes a private scalar without checking it against the public point it comes with: a damaged `d`
      // would sign tokens that never verify. So one signature is checked against the published point first.
      const { d: _private, ...publicJwk } = privateJwk;
      const probe = Buffer.from(`key check ${kid}`);
      const probeSignature = sign('sha256', probe, { key, dsaEncoding: 'ieee-p1363' });
      const publicKey = createPublicKey({ key: publicJwk as never, format: 'jwk' });
      if (!verify('sha256', probe, { key: publicKey, dsaEncoding: 'ieee-p1363' }, probeSignature)) {
        throw new RangeError('the private key does not match its public point');
      }
      this.#key = { header, key };
    } catch (error) {
      // The reason names the kind of failure only: never the key.
      this.#key = { header, unusable: error instanceof Error ? error.name : 'unusable key' };
    }
  }

  /** The signed JWT (ES256, with the `kid` of the current key). */
  async sign(payload: AccessTokenPayload): Promise<string> {
    if (this.#closed) throw new Error('JwtSigner: closed');
    const current = this.#key;
    if (!current) throw new Error('JwtSigner: no signing key set');
    if ('unusable' in current)
      throw new Error(`JwtSigner: the signing key cannot sign (${current.unusable})`);
    const claims = {
      corp: payload.corp,
      sid: payload.sid,
      iss: payload.iss,
      aud: payload.aud,
      sub: payload.sub,
      jti: payload.jti,
      iat: payload.iat,
      exp: payload.exp,
    };
    const input = `${current.header}.${base64url(JSON.stringify(claims))}`;
    // The curve arithmetic runs on libuv's thread pool: the event loop only hands the job over and takes the
    // signature back.
    const signature = await new Promise<Buffer>((resolve, reject) =>
      sign('sha256', Buffer.from(input), { key: current.key, dsaEncoding: 'ieee-p1363' }, (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    return `${input}.${signature.toString('base64url')}`;
  }

  /** Refuses new tokens from now on. */
  async close(): Promise<void> {
    this.#closed = true;
  }
}
