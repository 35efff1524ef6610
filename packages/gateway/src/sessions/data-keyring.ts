/**
 * The data keyring: the data key that seals from now on, and the keys that sealed before it (the way Django's
 * `SECRET_KEY_FALLBACKS` work). Whatever one of them sealed is still opened, so changing `WECOM_AUTH_DATA_KEY`, or the
 * WeCom secret it is derived from, never makes stored data unreadable as long as the previous key is kept as a
 * fallback until everything has been resealed under the new one (`wecom-auth rotate-data-key`, or the pass a gateway
 * runs at start).
 *
 * The records keep the `v1.<nonce>.<ciphertext+tag>` form of {@link createDataSealer}, without a key id: a record is
 * opened by trying the current key first, then each fallback, and AES-GCM's tag tells a wrong key apart. So a
 * gateway of an earlier release, or one that has not been given the new key yet, reads what it can and is never
 * confused by a new format.
 */
import { createDataSealer, type DataSealer, type SealPurpose } from './data-sealer.js';

/** One key of a {@link DataKeyring} and where it came from. */
export interface DataKey {
  /** The 32 key bytes. */
  readonly key: Buffer;
  /**
   * Where the key comes from, for logs and `wecom-auth doctor`: a setting's name (`WECOM_AUTH_DATA_KEY_FALLBACKS[0]`,
   * `derived from WECOM_SECRET_FALLBACKS[0]`), never the key.
   */
  readonly source: string;
}

/** A record a {@link DataKeyring} opened, and which of its keys it took. */
export interface UnsealedRecord {
  readonly plaintext: string;
  /** 0 for the current key, 1… for the fallbacks in their order. */
  readonly keyIndex: number;
  /** The {@link DataKey.source} of that key. */
  readonly source: string;
}

/**
 * A {@link DataSealer} over several keys: `seal` uses the current key, `open` accepts what any of them sealed.
 * Callers of the plain sealer (`sealer.seal(code, 'permanent_code')`) use it unchanged.
 */
export interface DataKeyring extends DataSealer {
  /** Where the current key comes from. */
  readonly currentSource: string;
  /** Where every key comes from, the current first, then the fallbacks in the order they are tried. */
  readonly sources: readonly string[];
  /** Opens a record with whichever key sealed it: undefined when none of them did, or it is not a sealed record. */
  unseal(sealed: string, purpose: SealPurpose): UnsealedRecord | undefined;
}

/**
 * The keyring of `keys`: the first seals, all of them open. A key listed twice (a fallback equal to the current key)
 * is kept once, under its first source.
 *
 * @example
 * const keyring = createDataKeyring([
 *   { key: Buffer.from(process.env.WECOM_AUTH_DATA_KEY, 'base64'), source: 'WECOM_AUTH_DATA_KEY' },
 *   { key: Buffer.from(previousKey, 'base64'), source: 'WECOM_AUTH_DATA_KEY_FALLBACKS[0]' },
 * ]);
 * const sealed = keyring.seal(sessionKey, 'session_key');
 * keyring.unseal(oldRecord, 'session_key')?.keyIndex; // 1: sealed under the previous key, reseal it
 */
export function createDataKeyring(keys: readonly DataKey[]): DataKeyring {
  const distinct: { readonly sealer: DataSealer; readonly source: string }[] = [];
  const seen = new Set<string>();
  for (const { key, source } of keys) {
    const fingerprint = key.toString('base64');
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    // createDataSealer refuses a key that is not 32 bytes.
    distinct.push({ sealer: createDataSealer(key), source });
  }
  const current = distinct[0];
  if (current === undefined) throw new TypeError('createDataKeyring: at least one key is required');

  const unseal = (sealed: string, purpose: SealPurpose): UnsealedRecord | undefined => {
    for (const [keyIndex, { sealer, source }] of distinct.entries()) {
      try {
        return { plaintext: sealer.open(sealed, purpose), keyIndex, source };
      } catch {
        // Not this key (or not a record at all): the next one is tried.
      }
    }
    return undefined;
  };

  return {
    currentSource: current.source,
    sources: distinct.map((entry) => entry.source),
    seal: (plaintext, purpose) => current.sealer.seal(plaintext, purpose),
    open(sealed, purpose) {
      const opened = unseal(sealed, purpose);
      if (opened === undefined) {
        throw new Error('the record was not sealed with any configured data key and this purpose');
      }
      return opened.plaintext;
    },
    unseal,
  };
}
