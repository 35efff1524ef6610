/**
 * The app's own access tokens: ES256 JWTs (`iss`, `aud`, `sub` = userid, `corp`, `sid`, `iat`, `exp`, `kid`), signed
 * with a key generated once and kept in the store (private part sealed), published at `/.well-known/jwks.json`.
 * Rotation keeps retired keys published until the last token they signed has expired.
 */
import { randomUUID } from 'node:crypto';
import type { SigningKeyRecord, SigningKeyStore } from '@wecom-auth/store';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import { assertWecomIdentity, isWecomCorpId, isWecomUserId } from '../employees/wecom-identifiers.js';
import { GatewayError } from '../gateway-error.js';
import type { DataSealer } from './data-sealer.js';
import { JwtSigner } from './jwt-signer.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Who an access token speaks for: what `/v1/verify` and `request.accessToken` carry. */
export interface AccessTokenClaims {
  readonly userId: string;
  readonly corpId: string;
  readonly sessionId: string;
  /** When the token was signed, epoch seconds: a tenant admits only tokens signed since it was (re)installed. */
  readonly issuedAt: number;
  /** Expiry, epoch seconds. */
  readonly exp: number;
}

export interface TokenIssuerOptions {
  readonly keys: SigningKeyStore;
  readonly sealer: DataSealer;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  readonly now: () => number;
  /**
   * When given, an active key that the sealer cannot open (the data key it was sealed under is no longer configured)
   * does not stop {@link TokenIssuer.create}: the key is retired, so that it stays published and the tokens it signed
   * keep verifying until they expire, a fresh key signs from then on, and this is called with the retired key's kid.
   * Without it, `create` rejects.
   */
  readonly onUnreadableActiveKey?: (kid: string) => void;
}

interface VerificationKey {
  readonly kid: string;
  readonly key: CryptoKey;
  readonly publicJwk: JWK;
}

/** Verified tokens are remembered so the hot path of `/v1/verify` skips the ECDSA check; revocation is separate. */
const verifiedCacheSize = 20_000;
/**
 * Unknown `kid`s (another instance rotated) trigger a key reload, at most one per interval so forged kids cannot hammer
 * the store.
 */
const reloadIntervalMs = 1_000;

async function generateRecord(now: number, sealer: DataSealer): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg: 'ES256',
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' },
    privateJwk: { sealed: sealer.seal(JSON.stringify(privateJwk), 'signing_key') },
    createdAt: now,
  };
}

/** The private JWK of a stored key, or undefined when the sealer cannot open it. */
function openPrivateJwk(record: SigningKeyRecord, sealer: DataSealer): JWK | undefined {
  const sealed = (record.privateJwk as { sealed?: unknown }).sealed;
  if (typeof sealed !== 'string') return undefined;
  try {
    return JSON.parse(sealer.open(sealed, 'signing_key')) as JWK;
  } catch {
    return undefined;
  }
}

/**
 * True when the token's signature segment is the one base64url spelling of its bytes. The last character of an
 * ES256 signature (64 bytes, 86 characters) carries 2 bits and 4 unused ones, which decoders ignore: without this
 * check `…Qg` and `…Qh` would be the same valid signature, so one token would have sixteen spellings, each a
 * different key for the verified-token cache and for anything downstream that identifies a token by its text.
 */
function hasCanonicalSignature(token: string): boolean {
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return Buffer.from(signature, 'base64url').toString('base64url') === signature;
}

export class TokenIssuer {
  readonly #options: TokenIssuerOptions;
  /** Signs with node:crypto (jwt-signer.ts says why not jose's WebCrypto). */
  readonly #signer = new JwtSigner();
  #hasSigningKey = false;
  #verificationKeys = new Map<string, VerificationKey>();
  #lastReload = 0;
  readonly #verified = new VerifiedTokenCache(verifiedCacheSize);

  private constructor(options: TokenIssuerOptions) {
    this.#options = options;
  }

  /** Loads the keys, generating the first one if the store has none (instances starting together agree on one). */
  static async create(options: TokenIssuerOptions): Promise<TokenIssuer> {
    const issuer = new TokenIssuer(options);
    const active = (await options.keys.list()).find((record) => record.retiredAt === undefined);
    if (active === undefined) {
      await options.keys.ensureActive(await generateRecord(options.now(), options.sealer));
    } else if (options.onUnreadableActiveKey && openPrivateJwk(active, options.sealer) === undefined) {
      // Instances starting together with the same configuration may each replace it: the last one's key wins, the
      // others are retired at once, and every token any of them signed still verifies.
      await options.keys.rotate(await generateRecord(options.now(), options.sealer), options.now());
      options.onUnreadableActiveKey(active.kid);
    }
    await issuer.reload();
    return issuer;
  }

  /** Re-reads the keys from the store. */
  async reload(): Promise<void> {
    const records = await this.#options.keys.list();
    const active = records.find((record) => record.retiredAt === undefined);
    if (!active) throw new Error('no active signing key in the store');
    const privateJwk = openPrivateJwk(active, this.#options.sealer);
    if (privateJwk === undefined) {
      throw new Error(
        'the active signing key cannot be opened with the configured data keys (WECOM_AUTH_DATA_KEY, its fallbacks and the secrets)',
      );
    }
    // Imported here too, so that a key that cannot sign fails the reload rather than every login after it.
    await importJWK(privateJwk, 'ES256');
    this.#signer.setKey(active.kid, privateJwk);
    this.#hasSigningKey = true;
    const keys = new Map<string, VerificationKey>();
    for (const record of records) {
      const publicJwk = record.publicJwk as JWK;
      keys.set(record.kid, {
        kid: record.kid,
        key: (await importJWK(publicJwk, 'ES256')) as CryptoKey,
        publicJwk,
      });
    }
    this.#verificationKeys = keys;
    this.#lastReload = this.#options.now();
  }

  /** Retires the current key and signs with a new one from now on. Old tokens keep verifying until they expire. */
  async rotate(): Promise<string> {
    const next = await generateRecord(this.#options.now(), this.#options.sealer);
    await this.#options.keys.rotate(next, this.#options.now());
    await this.#options.keys.prune(this.#options.now() - this.#options.ttlSeconds * 1000);
    await this.reload();
    return next.kid;
  }

  /** The public keys, for `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: [...this.#verificationKeys.values()].map((k) => k.publicJwk) };
  }

  /**
   * Signs an access token for `subject`. Refuses (`502 wecom_identifier_invalid`) a userid or corpid outside WeCom's
   * documented alphabet: they become `/v1/verify` headers, which must never hold a CR, an LF or non-ASCII text.
   */
  async sign(subject: {
    userId: string;
    corpId: string;
    sessionId: string;
  }): Promise<{ token: string; expiresIn: number }> {
    if (!this.#hasSigningKey) throw new Error('TokenIssuer used before create()');
    assertWecomIdentity(subject);
    const iat = Math.floor(this.#options.now() / 1000);
    const token = await this.#signer.sign({
      iss: this.#options.issuer,
      aud: this.#options.audience,
      sub: subject.userId,
      corp: subject.corpId,
      sid: subject.sessionId,
      jti: randomUUID(),
      iat,
      exp: iat + this.#options.ttlSeconds,
    });
    return { token, expiresIn: this.#options.ttlSeconds };
  }

  /** `sign` is refused from then on. */
  async close(): Promise<void> {
    await this.#signer.close();
  }

  /**
   * The claims of a token whose signature was already checked, synchronously: the hot path of `/v1/verify`.
   * Undefined when the token has not been seen; `token_expired` when it was and has expired.
   */
  verifyCached(token: string): AccessTokenClaims | undefined {
    const cached = this.#verified.get(token);
    if (!cached) return undefined;
    if (cached.exp > this.#options.now() / 1000) return cached;
    this.#verified.delete(token);
    throw new GatewayError('token_expired', 'The access token has expired; refresh it.');
  }

  /** The claims of a valid token; `token_expired` or `token_invalid` otherwise. Does not check revocation. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.verifyCached(token);
    if (cached) return cached;
    const claims = await this.#verifySignature(token);
    this.#verified.set(token, claims);
    return claims;
  }

  async #verifySignature(token: string): Promise<AccessTokenClaims> {
    if (!hasCanonicalSignature(token)) {
      throw new GatewayError('token_invalid', 'The access token is malformed.');
    }
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new GatewayError('token_invalid', 'The access token is malformed.');
    }
    if (
      kid &&
      !this.#verificationKeys.has(kid) &&
      this.#options.now() - this.#lastReload > reloadIntervalMs
    ) {
      await this.reload();
    }
    const key = kid ? this.#verificationKeys.get(kid) : undefined;
    if (!key) throw new GatewayError('token_invalid', 'The access token was not signed by this gateway.');
    try {
      const { payload } = await jwtVerify(token, key.key, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: ['ES256'],
        currentDate: new Date(this.#options.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, corp, sid, iat, exp } = payload as {
        sub?: unknown;
        corp?: unknown;
        sid?: unknown;
        iat?: unknown;
        exp?: unknown;
      };
      if (
        typeof sub !== 'string' ||
        typeof corp !== 'string' ||
        typeof sid !== 'string' ||
        typeof exp !== 'number' ||
        typeof iat !== 'number' ||
        // Signed by an older version that did not check: such claims cannot be written as headers.
        !isWecomUserId(sub) ||
        !isWecomCorpId(corp)
      ) {
        throw new GatewayError('token_invalid', 'The access token lacks required claims.');
      }
      return { userId: sub, corpId: corp, sessionId: sid, issuedAt: iat, exp };
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new GatewayError('token_expired', 'The access token has expired; refresh it.');
      }
      throw new GatewayError('token_invalid', 'The access token is invalid.');
    }
  }
}
