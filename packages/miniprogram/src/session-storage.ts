/**
 * Where the session survives a restart of the mini program. Synchronous on purpose: the session is read once when
 * `createAuth` runs, before any page needs it.
 */
import type { WxLike } from './wx-types.js';

/** A synchronous key-value store; values are plain JSON-compatible objects. */
export interface AuthStorage {
  /** The value saved under `key`; anything that is not a saved session (`undefined`, `''`) counts as none. */
  get(key: string): unknown;
  /** Saves `value` under `key`; a throw only costs a login at the next start. */
  set(key: string, value: unknown): void;
  /** Forgets `key`. */
  remove(key: string): void;
}

/** `wx.getStorageSync` and friends (which answer `''` for a missing key). */
export function wxStorage(wx: WxLike): AuthStorage | undefined {
  const { getStorageSync, setStorageSync, removeStorageSync } = wx;
  if (
    typeof getStorageSync !== 'function' ||
    typeof setStorageSync !== 'function' ||
    typeof removeStorageSync !== 'function'
  ) {
    return undefined;
  }
  return {
    get: (key) => getStorageSync.call(wx, key),
    set: (key, value) => setStorageSync.call(wx, key, value),
    remove: (key) => removeStorageSync.call(wx, key),
  };
}

/** Keeps the session for the life of the process only (no `wx` storage available). */
export function memoryStorage(): AuthStorage {
  const values: Record<string, unknown> = {};
  return {
    get: (key) => values[key],
    set: (key, value) => {
      values[key] = value;
    },
    remove: (key) => {
      delete values[key];
    },
  };
}
