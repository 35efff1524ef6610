/**
 * `wecom-auth rotate-keys`: retires the active signing key of the access tokens and makes a new one active, in
 * the store every instance shares. Tokens signed with the retired key keep verifying until they expire; running
 * instances notice the change within seconds (see `openGatewayServices`) and sign with the new key from then on.
 */
import { openStore, type Store } from '@wecom-auth/store';
import type { GatewayConfig } from './config/load-config.js';
import { storeConfigFrom } from './config/store-config.js';
import { upstreamDataKeyring } from './sandbox-mode.js';
import { TokenIssuer } from './sessions/token-issuer.js';

/** What {@link rotateSigningKeys} needs. */
export interface RotateSigningKeysInput {
  readonly config: GatewayConfig;
  /** Injected for tests; defaults to the store the configuration selects. It is not closed when injected. */
  readonly store?: Store;
  readonly now?: () => number;
}

/** The outcome of {@link rotateSigningKeys}. */
export interface RotatedKeys {
  /** The `kid` of the key that signs from now on. */
  readonly activeKid: string;
  /** The `kid`s still published for verification (the new key first). */
  readonly publishedKids: readonly string[];
}

/**
 * Rotates the signing keys in the store the configuration selects (or the one given).
 *
 * @example
 * const { activeKid } = await rotateSigningKeys({ config: loadConfig({ env: process.env }) });
 */
export async function rotateSigningKeys(input: RotateSigningKeysInput): Promise<RotatedKeys> {
  const { config } = input;
  const now = input.now ?? Date.now;
  // The signing keys are sealed with the data key, which sandbox mode derives from the demo app's secret.
  const keyring = await upstreamDataKeyring(config);
  const store = input.store ?? openStore(storeConfigFrom(config));
  try {
    const issuer = await TokenIssuer.create({
      keys: store.signingKeys,
      sealer: keyring,
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtl,
      now,
      // A key nobody can open any more is what a rotation replaces anyway.
      onUnreadableActiveKey: () => {},
    });
    const activeKid = await issuer.rotate();
    const publishedKids = issuer
      .jwks()
      .keys.map((key) => key.kid)
      .filter((kid): kid is string => typeof kid === 'string');
    return { activeKid, publishedKids: [activeKid, ...publishedKids.filter((kid) => kid !== activeKid)] };
  } finally {
    if (!input.store) await store.close();
  }
}
