import type { SandboxClock } from './clock.js';
import type { RandomSource } from './random-source.js';

export interface TokenRecord {
  token: string;
  corpId: string;
  agentId: number;
  secret: string;
  expiresAtMs: number;
  /**
   * `expired` answers 42001, `revoked` 40014, `deauthorized` 48004 (a suite's corp token after the corp cancelled
   * the authorisation); each makes the next request for a token issue a new one.
   */
  state: 'live' | 'expired' | 'revoked' | 'deauthorized';
  /** Set on corp tokens of a suite install (`service/get_corp_token`): the agent is the suite's, not a corp app. */
  suiteId?: string;
}

export type TokenLookup =
  | { status: 'valid'; record: TokenRecord }
  | { status: 'expired'; record: TokenRecord }
  | { status: 'deauthorized'; record: TokenRecord }
  | { status: 'invalid' };

export interface TokenFilter {
  corpid?: string | undefined;
  agentId?: number | undefined;
  suiteId?: string | undefined;
}

/**
 * access_tokens per (corpid, secret): gettoken returns the same token until it expires, then a new one
 * (WeCom keeps old tokens valid; unlike WeChat it does not invalidate on re-fetch).
 */
export class TokenRegistry {
  private readonly byToken = new Map<string, TokenRecord>();
  private readonly current = new Map<string, TokenRecord>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly random: RandomSource,
    private readonly lifetimeSeconds: number,
  ) {}

  /** The live token of (corpId, secret), or a new one; `suiteId` marks the corp token of a suite install. */
  issue(corpId: string, agentId: number, secret: string, suiteId?: string): TokenRecord {
    const key = `${corpId}\u0000${secret}`;
    const existing = this.current.get(key);
    if (existing !== undefined && existing.state === 'live' && existing.expiresAtMs > this.clock.nowMs()) {
      return existing;
    }
    // 96 random bytes → 128 base64url characters, within the observed alphabet and the 512-byte cap.
    const record: TokenRecord = {
      token: this.random.bytes(96).toString('base64url'),
      corpId,
      agentId,
      secret,
      expiresAtMs: this.clock.nowMs() + this.lifetimeSeconds * 1000,
      state: 'live',
      ...(suiteId === undefined ? {} : { suiteId }),
    };
    this.byToken.set(record.token, record);
    this.current.set(key, record);
    return record;
  }

  remainingSeconds(record: TokenRecord): number {
    return Math.max(0, Math.ceil((record.expiresAtMs - this.clock.nowMs()) / 1000));
  }

  lookup(token: string): TokenLookup {
    const record = this.byToken.get(token);
    if (record === undefined || record.state === 'revoked') return { status: 'invalid' };
    if (record.state === 'deauthorized') return { status: 'deauthorized', record };
    if (record.state === 'expired' || record.expiresAtMs <= this.clock.nowMs()) {
      return { status: 'expired', record };
    }
    return { status: 'valid', record };
  }

  /** Marks matching live tokens; returns how many changed. */
  mark(filter: TokenFilter, state: 'expired' | 'revoked' | 'deauthorized'): number {
    let changed = 0;
    for (const record of this.byToken.values()) {
      if (record.state !== 'live') continue;
      if (filter.corpid !== undefined && record.corpId !== filter.corpid) continue;
      if (filter.agentId !== undefined && record.agentId !== filter.agentId) continue;
      if (filter.suiteId !== undefined && record.suiteId !== filter.suiteId) continue;
      record.state = state;
      changed += 1;
    }
    return changed;
  }

  clear(): void {
    this.byToken.clear();
    this.current.clear();
  }
}
