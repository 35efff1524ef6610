import type { SigningKeyRecord, SigningKeyStore } from '../ports.js';

/** The signing-key port of the memory store. */
export function createMemorySigningKeyStore(): SigningKeyStore {
  const keys = new Map<string, SigningKeyRecord>();
  const newestFirst = (): SigningKeyRecord[] => [...keys.values()].sort((a, b) => b.createdAt - a.createdAt);
  return {
    async list() {
      return newestFirst();
    },
    async ensureActive(candidate) {
      const active = newestFirst().find((key) => key.retiredAt === undefined);
      if (active) return active;
      keys.set(candidate.kid, candidate);
      return candidate;
    },
    async rotate(next, at) {
      for (const key of [...keys.values()]) {
        if (key.retiredAt === undefined) keys.set(key.kid, { ...key, retiredAt: at });
      }
      keys.set(next.kid, next);
    },
    async replacePrivateJwk(kid, expected, next) {
      const key = keys.get(kid);
      if (key === undefined || JSON.stringify(key.privateJwk) !== JSON.stringify(expected)) return false;
      keys.set(kid, { ...key, privateJwk: next });
      return true;
    },
    async prune(before) {
      let removed = 0;
      for (const key of [...keys.values()]) {
        if (key.retiredAt !== undefined && key.retiredAt < before) {
          keys.delete(key.kid);
          removed += 1;
        }
      }
      return removed;
    },
  };
}
