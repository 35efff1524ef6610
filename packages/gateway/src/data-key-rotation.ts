/**
 * `wecom-auth rotate-data-key`: reseals under the current data key everything in the store that a fallback key still
 * opens (signing keys, sessions' WeCom session_keys, and any other registered kind), in the store every instance
 * shares. Running gateways do the same in the background when they start during a rotation; this finishes it at once,
 * so that the fallback can be removed. See docs/operations.md for the procedures.
 */
import { openStore, type Store } from '@wecom-auth/store';
import type { GatewayConfig } from './config/load-config.js';
import { storeConfigFrom } from './config/store-config.js';
import { upstreamDataKeyring, upstreamSuiteId } from './sandbox-mode.js';
import { type ResealReport, resealRecords } from './sessions/data-resealer.js';
import { ResealRegistry, resealableKindsOf } from './sessions/resealable-records.js';

/** What {@link rotateDataKey} needs. */
export interface RotateDataKeyInput {
  readonly config: GatewayConfig;
  /** Injected for tests; defaults to the store the configuration selects. It is not closed when injected. */
  readonly store?: Store;
  readonly now?: () => number;
  /** Count only, rewrite nothing. */
  readonly dryRun?: boolean;
}

/** The outcome of {@link rotateDataKey}. */
export interface RotatedDataKey {
  /** Where the current data key comes from (`WECOM_AUTH_DATA_KEY`, `derived from WECOM_SECRET`). */
  readonly dataKey: string;
  /** What was found and done, by kind of record. */
  readonly report: ResealReport;
}

/**
 * Reseals the store the configuration selects (or the one given) under its current data key.
 *
 * @example
 * const { report } = await rotateDataKey({ config: loadConfig({ env: process.env }) });
 * report.session_key?.unreadable; // 0 when every session can still decrypt
 */
export async function rotateDataKey(input: RotateDataKeyInput): Promise<RotatedDataKey> {
  const { config } = input;
  const now = input.now ?? Date.now;
  const keyring = await upstreamDataKeyring(config);
  const store = input.store ?? openStore(storeConfigFrom(config));
  try {
    const registry = new ResealRegistry(resealableKindsOf(store, now, await upstreamSuiteId(config)));
    const report = await resealRecords({ kinds: registry.kinds, keyring, census: input.dryRun === true });
    return { dataKey: keyring.currentSource, report };
  } finally {
    if (!input.store) await store.close();
  }
}
