import { randomUUID } from 'node:crypto';
import type { SessionRecord } from '../src/index.js';

/** A session of `zhangsan` in `ww-corp-a`, created at `at`, living an hour, with fresh ids. */
export function sessionRecord(at: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: `sid-${randomUUID()}`,
    corpId: 'ww-corp-a',
    userId: 'zhangsan',
    refreshTokenHash: `rh-${randomUUID()}`,
    sessionKeyCiphertext: 'ciphertext-1',
    createdAt: at,
    refreshedAt: at,
    expiresAt: at + 3_600_000,
    ...overrides,
  };
}
